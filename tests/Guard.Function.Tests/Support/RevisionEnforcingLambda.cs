using System.Security.Cryptography;
using System.Text;
using Guard.Aws.Http;
using Guard.Aws.Lambda;

namespace Guard.Function.Tests.Support;

/// <summary>
/// moto's Lambda with what moto does not do (a known moto gap, docs/design.md): a RevisionId on every function and
/// its enforcement. The revision is derived from what a deploy changes (code digest, runtime, handler, layers,
/// architectures), so any deploy through moto moves it; an update naming another revision fails with
/// <c>PreconditionFailedException</c> (HTTP 412) as Lambda's does. <see cref="BeforeUpdate"/> lets a test deploy
/// in the gap between Guard's read and Guard's write.
/// </summary>
/// <param name="layerLocations">Layer ARN → its zip's URL, for GetLayerVersionByArn, which moto does not implement.</param>
public sealed class RevisionEnforcingLambda(ILambdaApi inner, IReadOnlyDictionary<string, string>? layerLocations = null) : ILambdaApi
{
    private int _updates;

    /// <summary>Runs before each UpdateFunctionCode/UpdateFunctionConfiguration reaches moto (once per call).</summary>
    public Func<string, CancellationToken, Task>? BeforeUpdate { get; set; }

    public int Updates => Volatile.Read(ref _updates);

    public int Refused { get; private set; }

    public async Task<FunctionDetails> GetFunctionAsync(string functionNameOrArn, CancellationToken cancellationToken)
    {
        var details = await inner.GetFunctionAsync(functionNameOrArn, cancellationToken);
        return details with { Configuration = details.Configuration with { RevisionId = RevisionOf(details.Configuration) } };
    }

    public Task<LayerVersionContent> GetLayerVersionByArnAsync(string layerVersionArn, CancellationToken cancellationToken) =>
        layerLocations is not null && layerLocations.TryGetValue(layerVersionArn, out var location)
            ? Task.FromResult(new LayerVersionContent(layerVersionArn, location, null, 0))
            : inner.GetLayerVersionByArnAsync(layerVersionArn, cancellationToken);

    public IAsyncEnumerable<FunctionConfiguration> ListFunctionsAsync(CancellationToken cancellationToken) => inner.ListFunctionsAsync(cancellationToken);

    public async Task<FunctionConfiguration> UpdateFunctionCodeAsync(string functionName, FunctionCodeUpdate update, CancellationToken cancellationToken)
    {
        await BeforeAsync(functionName, update.RevisionId, cancellationToken);
        return WithRevision(await inner.UpdateFunctionCodeAsync(functionName, update, cancellationToken));
    }

    public async Task<FunctionConfiguration> UpdateFunctionConfigurationAsync(string functionName, FunctionConfigurationUpdate update, CancellationToken cancellationToken)
    {
        await BeforeAsync(functionName, update.RevisionId, cancellationToken);
        return WithRevision(await inner.UpdateFunctionConfigurationAsync(functionName, update, cancellationToken));
    }

    public Task<int> PutFunctionConcurrencyAsync(string functionName, int reservedConcurrentExecutions, CancellationToken cancellationToken) =>
        inner.PutFunctionConcurrencyAsync(functionName, reservedConcurrentExecutions, cancellationToken);

    public Task TagResourceAsync(string functionArn, IReadOnlyDictionary<string, string> tags, CancellationToken cancellationToken) =>
        inner.TagResourceAsync(functionArn, tags, cancellationToken);

    /// <summary>Lambda answers an update with the function's new RevisionId, the one the call's CloudTrail event carries.</summary>
    private static FunctionConfiguration WithRevision(FunctionConfiguration configuration) => configuration with { RevisionId = RevisionOf(configuration) };

    public static string RevisionOf(FunctionConfiguration configuration)
    {
        var state = string.Join('|', configuration.CodeSha256, configuration.Runtime, configuration.Handler, string.Join(',', configuration.Layers.Select(l => l.Arn)), string.Join(',', configuration.Architectures));
        return new Guid(SHA256.HashData(Encoding.UTF8.GetBytes(state)).AsSpan(0, 16)).ToString();
    }

    private async Task BeforeAsync(string functionName, string? revisionId, CancellationToken cancellationToken)
    {
        Interlocked.Increment(ref _updates);
        if (BeforeUpdate is { } hook)
        {
            BeforeUpdate = null;
            await hook(functionName, cancellationToken);
        }

        if (revisionId is not null)
        {
            var now = RevisionOf((await inner.GetFunctionAsync(functionName, cancellationToken)).Configuration);
            if (!string.Equals(now, revisionId, StringComparison.Ordinal))
            {
                Refused++;
                throw new AwsServiceException(
                    "PreconditionFailedException", 412, "The Revision Id provided does not match the latest Revision Id. Call the GetFunction/GetAlias API to retrieve the latest Revision Id");
            }
        }
    }
}
