using System.Collections.Concurrent;
using System.Runtime.CompilerServices;
using Guard.Aws.Lambda;
using Guard.Aws.Store;
using Guard.Function.Deploys;
using Guard.Function.Tests.Support;
using Guard.Testing;

namespace Guard.Function.Tests.Scheduled;

/// <summary>A clock the test moves by hand.</summary>
public sealed class ManualClock(DateTimeOffset start) : TimeProvider
{
    public DateTimeOffset Now { get; set; } = start;

    public override DateTimeOffset GetUtcNow() => Now;

    public void Advance(TimeSpan by) => Now += by;
}


/// <summary>A <see cref="FunctionCatalogStandIn"/> whose ListFunctions returns the functions it is told to list.</summary>
public sealed class ListingLambda(FunctionCatalogStandIn inner) : ILambdaApi
{
    private readonly List<string> _listed = [];

    public void List(string functionName) => _listed.Add(functionName);

    public async IAsyncEnumerable<FunctionConfiguration> ListFunctionsAsync([EnumeratorCancellation] CancellationToken cancellationToken)
    {
        foreach (var name in _listed)
        {
            yield return (await inner.GetFunctionAsync(name, cancellationToken)).Configuration;
        }
    }

    public Task<FunctionDetails> GetFunctionAsync(string functionNameOrArn, CancellationToken cancellationToken) => inner.GetFunctionAsync(functionNameOrArn, cancellationToken);

    public Task<LayerVersionContent> GetLayerVersionByArnAsync(string layerVersionArn, CancellationToken cancellationToken) => inner.GetLayerVersionByArnAsync(layerVersionArn, cancellationToken);

    public Task<FunctionConfiguration> UpdateFunctionCodeAsync(string functionName, FunctionCodeUpdate update, CancellationToken cancellationToken) =>
        throw new NotSupportedException();

    public Task<FunctionConfiguration> UpdateFunctionConfigurationAsync(string functionName, FunctionConfigurationUpdate update, CancellationToken cancellationToken) =>
        throw new NotSupportedException();

    public Task<int> PutFunctionConcurrencyAsync(string functionName, int reservedConcurrentExecutions, CancellationToken cancellationToken) => throw new NotSupportedException();

    public Task TagResourceAsync(string functionArn, IReadOnlyDictionary<string, string> tags, CancellationToken cancellationToken) => throw new NotSupportedException();
}
