using Guard.Aws.Http;
using Guard.Aws.Lambda;

namespace Guard.Cli.Tests.Scanning;

/// <summary>
/// The real (moto-backed) client with what moto lacks filled in and failures injected: answers
/// GetLayerVersionByArn from a table (moto 5 does not implement it), runs a hook before GetFunction (to delete a
/// function mid-scan), and fails UpdateFunctionConfiguration on request. Counts calls.
/// </summary>
internal sealed class LambdaStandIn(ILambdaApi inner, IReadOnlyDictionary<string, string> layerLocations) : ILambdaApi
{
    private int _getFunctionCalls;

    public Func<string, CancellationToken, Task>? BeforeGetFunction { get; set; }

    public Exception? FailUpdateFunctionConfiguration { get; set; }

    /// <summary>Changes GetFunction's answer: what moto cannot store, such as a REFERENCE function's Code.ResolvedS3Object.</summary>
    public Func<FunctionDetails, FunctionDetails>? AnswerGetFunction { get; set; }

    public int GetFunctionCalls => Volatile.Read(ref _getFunctionCalls);

    public async Task<FunctionDetails> GetFunctionAsync(string functionNameOrArn, CancellationToken cancellationToken)
    {
        Interlocked.Increment(ref _getFunctionCalls);
        if (BeforeGetFunction is { } hook)
        {
            await hook(functionNameOrArn, cancellationToken);
        }

        var details = await inner.GetFunctionAsync(functionNameOrArn, cancellationToken);
        return AnswerGetFunction?.Invoke(details) ?? details;
    }

    public Task<LayerVersionContent> GetLayerVersionByArnAsync(string layerVersionArn, CancellationToken cancellationToken) =>
        layerLocations.TryGetValue(layerVersionArn, out var location)
            ? Task.FromResult(new LayerVersionContent(layerVersionArn, location, null, 0))
            : Task.FromException<LayerVersionContent>(new AwsServiceException("ResourceNotFoundException", 404, $"no layer {layerVersionArn} in the stand-in"));

    public IAsyncEnumerable<FunctionConfiguration> ListFunctionsAsync(CancellationToken cancellationToken) => inner.ListFunctionsAsync(cancellationToken);

    public Task<FunctionConfiguration> UpdateFunctionCodeAsync(string functionName, FunctionCodeUpdate update, CancellationToken cancellationToken) =>
        inner.UpdateFunctionCodeAsync(functionName, update, cancellationToken);

    public Task<FunctionConfiguration> UpdateFunctionConfigurationAsync(string functionName, FunctionConfigurationUpdate update, CancellationToken cancellationToken)
    {
        // Fail only the move forward: the rollback's own update (back to the old runtime) goes through.
        if (FailUpdateFunctionConfiguration is { } failure && update.Handler == "bootstrap")
        {
            return Task.FromException<FunctionConfiguration>(failure);
        }

        return inner.UpdateFunctionConfigurationAsync(functionName, update, cancellationToken);
    }

    public Task<int> PutFunctionConcurrencyAsync(string functionName, int reservedConcurrentExecutions, CancellationToken cancellationToken) =>
        inner.PutFunctionConcurrencyAsync(functionName, reservedConcurrentExecutions, cancellationToken);

    public Task<IReadOnlyDictionary<string, string>> ListTagsAsync(string functionArn, CancellationToken cancellationToken) =>
        inner.ListTagsAsync(functionArn, cancellationToken);

    public Task TagResourceAsync(string functionArn, IReadOnlyDictionary<string, string> tags, CancellationToken cancellationToken) =>
        inner.TagResourceAsync(functionArn, tags, cancellationToken);
}
