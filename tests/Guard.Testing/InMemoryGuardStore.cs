using System.Collections.Concurrent;
using System.Runtime.CompilerServices;
using Guard.Aws.Lambda;
using Guard.Aws.Store;
using Guard.Inspection.Reporting;

namespace Guard.Testing;

/// <summary>An <see cref="IGuardStore"/> in dictionaries keyed like the S3 store.</summary>
public sealed class InMemoryGuardStore : IGuardStore
{
    public ConcurrentDictionary<string, DeployRecord> Objects { get; } = new(StringComparer.Ordinal);

    public ConcurrentDictionary<string, AlertMarker> Markers { get; } = new(StringComparer.Ordinal);

    public ConcurrentDictionary<string, PlaceholderTagRecord> Tags { get; } = new(StringComparer.Ordinal);

    public Task<DeployRecord?> GetGoodAsync(FunctionKey functionKey, CancellationToken cancellationToken) =>
        Task.FromResult(Objects.TryGetValue(functionKey.GoodKey, out var record) ? record : null);

    public Task PutGoodAsync(FunctionKey functionKey, DeployRecord record, CancellationToken cancellationToken)
    {
        Objects[functionKey.GoodKey] = record;
        return Task.CompletedTask;
    }

    public Task PutPendingAsync(FunctionKey functionKey, DeployRecord record, CancellationToken cancellationToken)
    {
        Objects[functionKey.PendingKey] = record;
        return Task.CompletedTask;
    }

    public Task DeletePendingAsync(FunctionKey functionKey, CancellationToken cancellationToken)
    {
        Objects.TryRemove(functionKey.PendingKey, out _);
        return Task.CompletedTask;
    }

    public ConcurrentDictionary<string, RollbackClaim> Claims { get; } = new(StringComparer.Ordinal);

    public Task<bool> TryClaimRollbackAsync(FunctionKey functionKey, RollbackClaim claim, CancellationToken cancellationToken) =>
        Task.FromResult(Claims.TryAdd(functionKey.RollbackKey(claim.BadRevisionId), claim));

    public ConcurrentDictionary<string, GuardUpdate> GuardUpdates { get; } = new(StringComparer.Ordinal);

    public Task PutGuardUpdateAsync(FunctionKey functionKey, GuardUpdate update, CancellationToken cancellationToken)
    {
        GuardUpdates[functionKey.GuardUpdateKey(update.RevisionId)] = update;
        return Task.CompletedTask;
    }

    public Task<GuardUpdate?> GetGuardUpdateAsync(FunctionKey functionKey, string revisionId, CancellationToken cancellationToken) =>
        Task.FromResult(GuardUpdates.TryGetValue(functionKey.GuardUpdateKey(revisionId), out var update) ? update : null);

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

    public Task<bool> TryMarkAlertedAsync(FunctionKey functionKey, AlertMarker marker, CancellationToken cancellationToken) =>
        Task.FromResult(Markers.TryAdd(functionKey.AlertedKey(marker.Problem, marker.CodeSha256), marker));

    public Task ClearAlertedAsync(FunctionKey functionKey, string problem, string codeSha256, CancellationToken cancellationToken)
    {
        Markers.TryRemove(functionKey.AlertedKey(problem, codeSha256), out _);
        return Task.CompletedTask;
    }

    public Task<PlaceholderTagRecord?> GetPlaceholderTagAsync(FunctionKey functionKey, CancellationToken cancellationToken) =>
        Task.FromResult(Tags.TryGetValue(functionKey.PlaceholderTagKey, out var record) ? record : null);

    public Task PutPlaceholderTagAsync(FunctionKey functionKey, PlaceholderTagRecord record, CancellationToken cancellationToken)
    {
        Tags.TryAdd(functionKey.PlaceholderTagKey, record);
        return Task.CompletedTask;
    }

    public ConcurrentDictionary<string, Report> Verdicts { get; } = new(StringComparer.Ordinal);

    public Task<Report?> GetVerdictAsync(string verdictKey, CancellationToken cancellationToken) =>
        Task.FromResult(Verdicts.TryGetValue(verdictKey, out var report) ? report : null);

    public Task PutVerdictAsync(string verdictKey, Report report, CancellationToken cancellationToken)
    {
        Verdicts[verdictKey] = report;
        return Task.CompletedTask;
    }

    /// <summary>A pending record for <paramref name="function"/>, checked at <paramref name="checkedAt"/>.</summary>
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
