using System.Text.Json;
using System.Text.Json.Serialization.Metadata;
using Guard.Aws.S3;

namespace Guard.Function.Deploys;

/// <summary>
/// What Guard remembers about a function's code: a good package, or a placeholder awaiting real code. A good
/// record also carries the configuration the code was judged under, so a later broken deploy can be undone —
/// the code from <see cref="CodeBucket"/>/<see cref="CodeKey"/>, the configuration from the rest. Records
/// written before rollback existed lack those (null).
/// </summary>
/// <param name="CheckedAt">When Guard judged it (ISO 8601).</param>
/// <param name="DeployedBy">The caller's ARN from CloudTrail.</param>
/// <param name="CodeKey">The copy of the code in the store (<c>code/{hex sha256}.zip</c>), once kept.</param>
public sealed record DeployRecord(
    string FunctionArn,
    string CodeSha256,
    long CodeSize,
    string Verdict,
    string CheckedAt,
    string? EventName,
    string? EventTime,
    string? DeployedBy,
    string? Account = null,
    string? Region = null,
    string? FunctionName = null,
    string? Runtime = null,
    string? Handler = null,
    IReadOnlyList<string>? Architectures = null,
    IReadOnlyList<string>? Layers = null,
    string? CodeBucket = null,
    string? CodeKey = null);

/// <summary>Guard's note that it rolled back (or tried to) one bad revision of a function: it never does so twice.</summary>
public sealed record RollbackClaim(string FunctionArn, string BadRevisionId, string BadCodeSha256, string ClaimedAt, string? EventId);

/// <summary>Where a function's last-known-good and pending-placeholder records live.</summary>
public interface IDeployStore
{
    Task<DeployRecord?> GetGoodAsync(FunctionKey function, CancellationToken cancellationToken);

    Task PutGoodAsync(FunctionKey function, DeployRecord record, CancellationToken cancellationToken);

    Task PutPendingAsync(FunctionKey function, DeployRecord record, CancellationToken cancellationToken);

    Task DeletePendingAsync(FunctionKey function, CancellationToken cancellationToken);

    /// <summary>Records that Guard acts on this bad revision; false when it already did (or another invocation is).</summary>
    Task<bool> TryClaimRollbackAsync(FunctionKey function, RollbackClaim claim, CancellationToken cancellationToken);
}

/// <summary>A pending-placeholder record as listed from the store; <see cref="Record"/> is null when it could not be read as JSON.</summary>
public sealed record PendingPlaceholder(FunctionKey Function, DeployRecord? Record);

/// <summary>Guard's note that it alerted about one problem with one revision of a function's code: it never does so twice.</summary>
/// <param name="Problem">What was alerted: <see cref="AlertProblems"/>.</param>
public sealed record AlertMarker(string FunctionArn, string Problem, string CodeSha256, string AlertedAt);

/// <summary>The problems a scheduled sweep alerts about, once each per function and CodeSha256.</summary>
public static class AlertProblems
{
    public const string OverduePlaceholder = "placeholder";
    public const string Broken = "broken";
}

/// <summary>What the scheduled sweeps need beyond <see cref="IDeployStore"/>: the pending records, and the once-only alert markers.</summary>
public interface ISweepStore
{
    /// <summary>Every pending-placeholder record, in key order.</summary>
    IAsyncEnumerable<PendingPlaceholder> ListPendingAsync(CancellationToken cancellationToken);

    Task DeletePendingAsync(FunctionKey function, CancellationToken cancellationToken);

    /// <summary>Records that Guard alerts about this problem with this code; false when it already did (or another invocation is).</summary>
    Task<bool> TryMarkAlertedAsync(FunctionKey function, AlertMarker marker, CancellationToken cancellationToken);

    /// <summary>Forgets a marker: the alert it stood for failed to go out, or the problem went away.</summary>
    Task ClearAlertedAsync(FunctionKey function, string problem, string codeSha256, CancellationToken cancellationToken);
}

/// <summary>The code a function held when Guard first saw its <c>guard:placeholder=true</c> tag.</summary>
public sealed record PlaceholderTagRecord(string FunctionArn, string CodeSha256, string FirstSeenAt);

/// <summary>Where the code a <c>guard:placeholder=true</c> tag was first seen on is remembered.</summary>
public interface IPlaceholderTagStore
{
    Task<PlaceholderTagRecord?> GetPlaceholderTagAsync(FunctionKey function, CancellationToken cancellationToken);

    /// <summary>Writes the record unless one exists: the first sighting wins.</summary>
    Task PutPlaceholderTagAsync(FunctionKey function, PlaceholderTagRecord record, CancellationToken cancellationToken);
}

/// <summary>A function as the store keys it: <c>{account}/{region}/{name}</c>.</summary>
public sealed record FunctionKey(string Account, string Region, string FunctionName)
{
    public string GoodKey => $"good/{Account}/{Region}/{FunctionName}.json";

    public string PendingKey => $"pending/{Account}/{Region}/{FunctionName}.json";

    public string PlaceholderTagKey => $"placeholder-tags/{Account}/{Region}/{FunctionName}.json";

    public string RollbackKey(string badRevisionId) => $"rollbacks/{Account}/{Region}/{FunctionName}/{badRevisionId}.json";

    /// <summary>
    /// <c>alerted/{account}/{region}/{name}/{problem}-{hex sha256}.json</c>: hex, because base64 has '/' and '+',
    /// which would make the digest a path. A CodeSha256 that is not base64 is escaped instead.
    /// </summary>
    public string AlertedKey(string problem, string codeSha256)
    {
        ArgumentNullException.ThrowIfNull(codeSha256);
        Span<byte> digest = stackalloc byte[64];
        var name = Convert.TryFromBase64String(codeSha256, digest, out var written)
            ? Convert.ToHexStringLower(digest[..written])
            : Uri.EscapeDataString(codeSha256);
        return $"alerted/{Account}/{Region}/{FunctionName}/{problem}-{name}.json";
    }

    /// <summary>The function a <c>pending/{account}/{region}/{name}.json</c> key names; null for any other key.</summary>
    public static FunctionKey? FromPendingKey(string key)
    {
        ArgumentNullException.ThrowIfNull(key);
        var parts = key.Split('/');
        return parts is ["pending", { Length: > 0 } account, { Length: > 0 } region, { Length: > 5 } file] && file.EndsWith(".json", StringComparison.Ordinal)
            ? new FunctionKey(account, region, file[..^".json".Length])
            : null;
    }

    /// <summary>From <c>arn:partition:lambda:region:account:function:name[:qualifier]</c>; the fallbacks when the ARN lacks them.</summary>
    public static FunctionKey FromArn(string functionArn, string functionName, string? fallbackAccount, string? fallbackRegion)
    {
        ArgumentNullException.ThrowIfNull(functionArn);
        var parts = functionArn.Split(':');
        var region = parts.Length > 3 && parts[3].Length > 0 ? parts[3] : fallbackRegion ?? "unknown-region";
        var account = parts.Length > 4 && parts[4].Length > 0 ? parts[4] : fallbackAccount ?? "unknown-account";
        return new FunctionKey(account, region, functionName);
    }
}

/// <summary>
/// <see cref="IDeployStore"/> in an S3 bucket (<c>GUARD_STORE_BUCKET</c>), one small JSON object per function.
/// S3 errors propagate: the invocation fails and Lambda retries the event.
/// </summary>
public sealed class S3DeployStore : IDeployStore, ISweepStore, IPlaceholderTagStore
{
    private const string PendingPrefix = "pending/";
    private const string JsonContentType = "application/json";

    private readonly S3Client _s3;
    private readonly string _bucket;

    public S3DeployStore(S3Client s3, string bucket)
    {
        ArgumentNullException.ThrowIfNull(s3);
        ArgumentException.ThrowIfNullOrEmpty(bucket);
        _s3 = s3;
        _bucket = bucket;
    }

    public async Task<DeployRecord?> GetGoodAsync(FunctionKey function, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(function);
        return (await ReadRecordAsync(function.GoodKey, FunctionJsonContext.Default.DeployRecord, cancellationToken).ConfigureAwait(false)).Record;
    }

    public Task PutGoodAsync(FunctionKey function, DeployRecord record, CancellationToken cancellationToken) =>
        PutAsync(function?.GoodKey, record, cancellationToken);

    public Task PutPendingAsync(FunctionKey function, DeployRecord record, CancellationToken cancellationToken) =>
        PutAsync(function?.PendingKey, record, cancellationToken);

    public async Task DeletePendingAsync(FunctionKey function, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(function);
        // Deleting a missing key succeeds in S3, so this needs no read first.
        await _s3.DeleteObjectAsync(_bucket, function.PendingKey, cancellationToken).ConfigureAwait(false);
    }

    public async Task<bool> TryClaimRollbackAsync(FunctionKey function, RollbackClaim claim, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(function);
        ArgumentNullException.ThrowIfNull(claim);
        // If-None-Match: * makes S3 the arbiter: of two invocations racing on one revision (a retry, a duplicate
        // delivery), exactly one creates the object.
        return await _s3.TryCreateObjectAsync(
            _bucket,
            function.RollbackKey(claim.BadRevisionId),
            JsonSerializer.SerializeToUtf8Bytes(claim, Rollback.RollbackJsonContext.Default.RollbackClaim),
            JsonContentType,
            cancellationToken).ConfigureAwait(false);
    }

    public async IAsyncEnumerable<PendingPlaceholder> ListPendingAsync([System.Runtime.CompilerServices.EnumeratorCancellation] CancellationToken cancellationToken)
    {
        string? continuationToken = null;
        do
        {
            var page = await _s3.ListObjectsAsync(_bucket, PendingPrefix, continuationToken, cancellationToken).ConfigureAwait(false);
            foreach (var key in page.Keys)
            {
                if (FunctionKey.FromPendingKey(key) is not { } function)
                {
                    continue;
                }

                var (exists, record) = await ReadRecordAsync(key, FunctionJsonContext.Default.DeployRecord, cancellationToken).ConfigureAwait(false);
                if (!exists)
                {
                    // Deleted between the listing and the read: its function's real code arrived meanwhile.
                    continue;
                }

                yield return new PendingPlaceholder(function, record);
            }

            continuationToken = page.ContinuationToken;
        }
        while (continuationToken is not null);
    }

    public async Task<bool> TryMarkAlertedAsync(FunctionKey function, AlertMarker marker, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(function);
        ArgumentNullException.ThrowIfNull(marker);
        // As with rollback claims, If-None-Match: * lets S3 pick one winner among overlapping sweeps and retries.
        return await _s3.TryCreateObjectAsync(
            _bucket,
            function.AlertedKey(marker.Problem, marker.CodeSha256),
            JsonSerializer.SerializeToUtf8Bytes(marker, FunctionJsonContext.Default.AlertMarker),
            JsonContentType,
            cancellationToken).ConfigureAwait(false);
    }

    public async Task ClearAlertedAsync(FunctionKey function, string problem, string codeSha256, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(function);
        await _s3.DeleteObjectAsync(_bucket, function.AlertedKey(problem, codeSha256), cancellationToken).ConfigureAwait(false);
    }

    public async Task<PlaceholderTagRecord?> GetPlaceholderTagAsync(FunctionKey function, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(function);
        return (await ReadRecordAsync(function.PlaceholderTagKey, FunctionJsonContext.Default.PlaceholderTagRecord, cancellationToken).ConfigureAwait(false)).Record;
    }

    /// <summary>
    /// Reads one JSON record. A missing key is (false, null); a record someone edited by hand into something
    /// unreadable is (true, null), treated as absent rather than failing every deploy of the function.
    /// </summary>
    private async Task<(bool Exists, T? Record)> ReadRecordAsync<T>(string key, JsonTypeInfo<T> type, CancellationToken cancellationToken)
        where T : class
    {
        if (await _s3.TryGetObjectAsync(_bucket, key, cancellationToken).ConfigureAwait(false) is not { } body)
        {
            return (false, null);
        }

        try
        {
            return (true, JsonSerializer.Deserialize(body, type));
        }
        catch (JsonException)
        {
            return (true, null);
        }
    }

    public async Task PutPlaceholderTagAsync(FunctionKey function, PlaceholderTagRecord record, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(function);
        ArgumentNullException.ThrowIfNull(record);
        // The answer is ignored: false means another deploy's check recorded it first, and the first sighting wins.
        await _s3.TryCreateObjectAsync(
            _bucket,
            function.PlaceholderTagKey,
            JsonSerializer.SerializeToUtf8Bytes(record, FunctionJsonContext.Default.PlaceholderTagRecord),
            JsonContentType,
            cancellationToken).ConfigureAwait(false);
    }

    private async Task PutAsync(string? key, DeployRecord record, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(key);
        ArgumentNullException.ThrowIfNull(record);
        await _s3.PutObjectAsync(
            _bucket,
            key,
            JsonSerializer.SerializeToUtf8Bytes(record, FunctionJsonContext.Default.DeployRecord),
            JsonContentType,
            cancellationToken).ConfigureAwait(false);
    }
}
