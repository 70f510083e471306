using System.Collections.Concurrent;
using System.Runtime.CompilerServices;
using Guard.Aws.Lambda;
using Guard.Aws.Store;
using Guard.Function.Deploys;
using Guard.Function.Tests.Support;

namespace Guard.Function.Tests.Scheduled;

/// <summary>A clock the test moves by hand.</summary>
public sealed class ManualClock(DateTimeOffset start) : TimeProvider
{
    public DateTimeOffset Now { get; set; } = start;

    public override DateTimeOffset GetUtcNow() => Now;

    public void Advance(TimeSpan by) => Now += by;
}

/// <summary>The sweeps' store in dictionaries keyed like the S3 store; counts marker writes.</summary>
public sealed class InMemorySweepStore : IDeployStore, ISweepStore, IPlaceholderTagStore
{
    public ConcurrentDictionary<string, DeployRecord> Objects { get; } = new(StringComparer.Ordinal);

    public ConcurrentDictionary<string, AlertMarker> Markers { get; } = new(StringComparer.Ordinal);

    public ConcurrentDictionary<string, PlaceholderTagRecord> Tags { get; } = new(StringComparer.Ordinal);

    public Task<DeployRecord?> GetGoodAsync(FunctionKey function, CancellationToken cancellationToken) =>
        Task.FromResult(Objects.TryGetValue(function.GoodKey, out var record) ? record : null);

    public Task PutGoodAsync(FunctionKey function, DeployRecord record, CancellationToken cancellationToken)
    {
        Objects[function.GoodKey] = record;
        return Task.CompletedTask;
    }

    public Task PutPendingAsync(FunctionKey function, DeployRecord record, CancellationToken cancellationToken)
    {
        Objects[function.PendingKey] = record;
        return Task.CompletedTask;
    }

    public Task DeletePendingAsync(FunctionKey function, CancellationToken cancellationToken)
    {
        Objects.TryRemove(function.PendingKey, out _);
        return Task.CompletedTask;
    }

    public Task<bool> TryClaimRollbackAsync(FunctionKey function, RollbackClaim claim, CancellationToken cancellationToken) => Task.FromResult(true);

    public async IAsyncEnumerable<PendingPlaceholder> ListPendingAsync([EnumeratorCancellation] CancellationToken cancellationToken)
    {
        await Task.CompletedTask;
        foreach (var (key, record) in Objects.OrderBy(o => o.Key, StringComparer.Ordinal))
        {
            if (FunctionKey.FromPendingKey(key) is { } function)
            {
                yield return new PendingPlaceholder(function, record);
            }
        }
    }

    public Task<bool> TryMarkAlertedAsync(FunctionKey function, AlertMarker marker, CancellationToken cancellationToken) =>
        Task.FromResult(Markers.TryAdd(function.AlertedKey(marker.Problem, marker.CodeSha256), marker));

    public Task ClearAlertedAsync(FunctionKey function, string problem, string codeSha256, CancellationToken cancellationToken)
    {
        Markers.TryRemove(function.AlertedKey(problem, codeSha256), out _);
        return Task.CompletedTask;
    }

    public Task<PlaceholderTagRecord?> GetPlaceholderTagAsync(FunctionKey function, CancellationToken cancellationToken) =>
        Task.FromResult(Tags.TryGetValue(function.PlaceholderTagKey, out var record) ? record : null);

    public Task PutPlaceholderTagAsync(FunctionKey function, PlaceholderTagRecord record, CancellationToken cancellationToken)
    {
        Tags.TryAdd(function.PlaceholderTagKey, record);
        return Task.CompletedTask;
    }

    /// <summary>A pending record for a function of <see cref="FunctionCatalogStandIn"/>, checked at <paramref name="checkedAt"/>.</summary>
    public FunctionKey AddPending(FunctionDetails function, DateTimeOffset checkedAt)
    {
        var configuration = function.Configuration;
        var key = FunctionKey.FromArn(configuration.FunctionArn, configuration.FunctionName, null, null);
        Objects[key.PendingKey] = new DeployRecord(
            configuration.FunctionArn, configuration.CodeSha256, configuration.CodeSize, "placeholder",
            checkedAt.ToString("yyyy-MM-dd'T'HH:mm:ss'Z'", System.Globalization.CultureInfo.InvariantCulture),
            "CreateFunction20150331", "2026-01-01T00:00:00Z", "arn:aws:iam::266106314375:user/deployer",
            key.Account, key.Region, configuration.FunctionName);
        return key;
    }
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

    public Task<FunctionConfiguration> UpdateFunctionCodeAsync(string functionName, string s3Bucket, string s3Key, string? s3ObjectVersion, string? revisionId, CancellationToken cancellationToken) =>
        throw new NotSupportedException();

    public Task<FunctionConfiguration> UpdateFunctionConfigurationAsync(string functionName, string? runtime, string? handler, IReadOnlyList<string>? layers, string? revisionId, CancellationToken cancellationToken) =>
        throw new NotSupportedException();

    public Task<int> PutFunctionConcurrencyAsync(string functionName, int reservedConcurrentExecutions, CancellationToken cancellationToken) => throw new NotSupportedException();

    public Task TagResourceAsync(string functionArn, IReadOnlyDictionary<string, string> tags, CancellationToken cancellationToken) => throw new NotSupportedException();
}
