using System.Collections.Concurrent;
using Guard.Aws;
using Guard.Aws.Lambda;

namespace Guard.Cli.Tests.Scanning;

/// <summary>
/// Records the IAM action of every Lambda call (as <see cref="LambdaClient"/> names it) made through the clients it
/// wraps: one recorder for all the regions and accounts a command reaches.
/// </summary>
internal sealed class RecordingLambda
{
    private readonly ConcurrentDictionary<string, int> _actions = new(StringComparer.Ordinal);

    public IReadOnlyCollection<string> Actions => [.. _actions.Keys.Order(StringComparer.Ordinal)];

    public ILambdaApi Wrap(ILambdaApi inner) => new Recorded(inner, this);

    private void Record(string action) => _actions.AddOrUpdate(action, 1, (_, n) => n + 1);

    private sealed class Recorded(ILambdaApi inner, RecordingLambda recorder) : ILambdaApi
    {
        private void Record(string action) => recorder.Record(action);

        public Task<FunctionDetails> GetFunctionAsync(string functionNameOrArn, CancellationToken cancellationToken)
        {
            Record(AwsActions.LambdaGetFunction);
            return inner.GetFunctionAsync(functionNameOrArn, cancellationToken);
        }

        public Task<LayerVersionContent> GetLayerVersionByArnAsync(string layerVersionArn, CancellationToken cancellationToken)
        {
            Record(AwsActions.LambdaGetLayerVersion);
            return inner.GetLayerVersionByArnAsync(layerVersionArn, cancellationToken);
        }

        public IAsyncEnumerable<FunctionConfiguration> ListFunctionsAsync(CancellationToken cancellationToken)
        {
            Record(AwsActions.LambdaListFunctions);
            return inner.ListFunctionsAsync(cancellationToken);
        }

        public Task<FunctionConfiguration> UpdateFunctionCodeAsync(string functionName, FunctionCodeUpdate update, CancellationToken cancellationToken)
        {
            Record(AwsActions.LambdaUpdateFunctionCode);
            return inner.UpdateFunctionCodeAsync(functionName, update, cancellationToken);
        }

        public Task<FunctionConfiguration> UpdateFunctionConfigurationAsync(string functionName, FunctionConfigurationUpdate update, CancellationToken cancellationToken)
        {
            Record(AwsActions.LambdaUpdateFunctionConfiguration);
            return inner.UpdateFunctionConfigurationAsync(functionName, update, cancellationToken);
        }

        public Task<int> PutFunctionConcurrencyAsync(string functionName, int reservedConcurrentExecutions, CancellationToken cancellationToken)
        {
            Record(AwsActions.LambdaPutFunctionConcurrency);
            return inner.PutFunctionConcurrencyAsync(functionName, reservedConcurrentExecutions, cancellationToken);
        }

        public Task<IReadOnlyDictionary<string, string>> ListTagsAsync(string functionArn, CancellationToken cancellationToken)
        {
            Record(AwsActions.LambdaListTags);
            return inner.ListTagsAsync(functionArn, cancellationToken);
        }

        public Task TagResourceAsync(string functionArn, IReadOnlyDictionary<string, string> tags, CancellationToken cancellationToken)
        {
            Record(AwsActions.LambdaTagResource);
            return inner.TagResourceAsync(functionArn, tags, cancellationToken);
        }
    }
}
