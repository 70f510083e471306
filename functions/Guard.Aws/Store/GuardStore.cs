using System.Text.Json;
using System.Text.Json.Serialization.Metadata;
using Guard.Aws.S3;
using Guard.Inspection.Reporting;

namespace Guard.Aws.Store;

/// <summary>Guard's note that it rolled back (or tried to) one bad revision of a function: it never does so twice.</summary>
public sealed record RollbackClaim(string FunctionArn, string BadRevisionId, string BadCodeSha256, string ClaimedAt, string? EventId);

/// <summary>
/// An update Guard made itself (a rollback's <c>UpdateFunctionCode</c> or <c>UpdateFunctionConfiguration</c>): the
/// RevisionId and CodeSha256 Lambda answered with, which that call's CloudTrail event carries in its
/// <c>responseElements</c>. Only an event matching one of these is Guard's own.
/// </summary>
public sealed record GuardUpdate(string FunctionArn, string RevisionId, string CodeSha256, string Call, string MadeAt, string? EventId);

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

/// <summary>The code a function held when Guard first saw its <c>guard:placeholder=true</c> tag.</summary>
public sealed record PlaceholderTagRecord(string FunctionArn, string CodeSha256, string FirstSeenAt);

/// <summary>
/// Guard's store (<c>GUARD_STORE_BUCKET</c>): a function's last-known-good and pending-placeholder records, the
/// once-only claims and alert markers, the code first seen under a <c>guard:placeholder=true</c> tag, and the
/// verdicts already given on a package, so the same code is not fetched and judged twice. One
/// interface over one bucket: every handler that needs the store gets all of it, and none has to ask which parts
/// an implementation has.
/// </summary>
public interface IGuardStore
{
    Task<DeployRecord?> GetGoodAsync(FunctionKey functionKey, CancellationToken cancellationToken);

    Task PutGoodAsync(FunctionKey functionKey, DeployRecord record, CancellationToken cancellationToken);

    Task PutPendingAsync(FunctionKey functionKey, DeployRecord record, CancellationToken cancellationToken);

    Task DeletePendingAsync(FunctionKey functionKey, CancellationToken cancellationToken);

    /// <summary>Every pending-placeholder record, in key order.</summary>
    IAsyncEnumerable<PendingPlaceholder> ListPendingAsync(CancellationToken cancellationToken);

    /// <summary>Records that Guard acts on this bad revision; false when it already did (or another invocation is).</summary>
    Task<bool> TryClaimRollbackAsync(FunctionKey functionKey, RollbackClaim claim, CancellationToken cancellationToken);

    /// <summary>Records an update Guard made, before its CloudTrail event can arrive.</summary>
    Task PutGuardUpdateAsync(FunctionKey functionKey, GuardUpdate update, CancellationToken cancellationToken);

    /// <summary>The update Guard recorded making that left the function at <paramref name="revisionId"/>; null when Guard made none.</summary>
    Task<GuardUpdate?> GetGuardUpdateAsync(FunctionKey functionKey, string revisionId, CancellationToken cancellationToken);

    /// <summary>Records that Guard alerts about this problem with this code; false when it already did (or another invocation is).</summary>
    Task<bool> TryMarkAlertedAsync(FunctionKey functionKey, AlertMarker marker, CancellationToken cancellationToken);

    /// <summary>Forgets a marker: the alert it stood for failed to go out, or the problem went away.</summary>
    Task ClearAlertedAsync(FunctionKey functionKey, string problem, string codeSha256, CancellationToken cancellationToken);

    Task<PlaceholderTagRecord?> GetPlaceholderTagAsync(FunctionKey functionKey, CancellationToken cancellationToken);

    /// <summary>Writes the record unless one exists: the first sighting wins.</summary>
    Task PutPlaceholderTagAsync(FunctionKey functionKey, PlaceholderTagRecord record, CancellationToken cancellationToken);

    /// <summary>The report Guard gave on a package under one set of settings (<see cref="VerdictKeys.For"/>); null when none is stored.</summary>
    Task<Report?> GetVerdictAsync(string verdictKey, CancellationToken cancellationToken);

    Task PutVerdictAsync(string verdictKey, Report report, CancellationToken cancellationToken);
}

/// <summary>
/// <see cref="IGuardStore"/> in an S3 bucket (<c>GUARD_STORE_BUCKET</c>), one small JSON object per functionKey.
/// S3 errors propagate: the invocation fails and Lambda retries the event.
/// </summary>
public sealed class S3GuardStore : IGuardStore
{
    private const string PendingPrefix = "pending/";
    private const string JsonContentType = "application/json";

    private readonly S3Client _s3;
    private readonly string _bucket;

    public S3GuardStore(S3Client s3, string bucket)
    {
        ArgumentNullException.ThrowIfNull(s3);
        ArgumentException.ThrowIfNullOrEmpty(bucket);
        _s3 = s3;
        _bucket = bucket;
    }

    public async Task<DeployRecord?> GetGoodAsync(FunctionKey functionKey, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(functionKey);
        // Read without RespectRequiredConstructorParameters, a record missing its codeSha256 has it null: as good as none.
        return (await ReadRecordAsync(functionKey.GoodKey, StoreJsonContext.Default.DeployRecord, cancellationToken).ConfigureAwait(false)).Record is { CodeSha256: not null } record
            ? record
            : null;
    }

    public Task PutGoodAsync(FunctionKey functionKey, DeployRecord record, CancellationToken cancellationToken) =>
        PutAsync(functionKey?.GoodKey, record, cancellationToken);

    public Task PutPendingAsync(FunctionKey functionKey, DeployRecord record, CancellationToken cancellationToken) =>
        PutAsync(functionKey?.PendingKey, record, cancellationToken);

    public async Task DeletePendingAsync(FunctionKey functionKey, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(functionKey);
        // Deleting a missing key succeeds in S3, so this needs no read first.
        await _s3.DeleteObjectAsync(_bucket, functionKey.PendingKey, cancellationToken).ConfigureAwait(false);
    }

    public async Task<bool> TryClaimRollbackAsync(FunctionKey functionKey, RollbackClaim claim, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(functionKey);
        ArgumentNullException.ThrowIfNull(claim);
        // If-None-Match: * makes S3 the arbiter: of two invocations racing on one revision (a retry, a duplicate
        // delivery), exactly one creates the object.
        return await _s3.TryCreateObjectAsync(
            _bucket,
            functionKey.RollbackKey(claim.BadRevisionId),
            JsonSerializer.SerializeToUtf8Bytes(claim, StoreJsonContext.Default.RollbackClaim),
            JsonContentType,
            cancellationToken).ConfigureAwait(false);
    }

    public async Task PutGuardUpdateAsync(FunctionKey functionKey, GuardUpdate update, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(functionKey);
        ArgumentNullException.ThrowIfNull(update);
        await _s3.PutObjectAsync(
            _bucket,
            functionKey.GuardUpdateKey(update.RevisionId),
            JsonSerializer.SerializeToUtf8Bytes(update, StoreJsonContext.Default.GuardUpdate),
            JsonContentType,
            cancellationToken).ConfigureAwait(false);
    }

    public async Task<GuardUpdate?> GetGuardUpdateAsync(FunctionKey functionKey, string revisionId, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(functionKey);
        ArgumentException.ThrowIfNullOrEmpty(revisionId);
        // A record unreadable as JSON, or naming another revision, is no proof Guard made this one.
        return (await ReadRecordAsync(functionKey.GuardUpdateKey(revisionId), StoreJsonContext.Default.GuardUpdate, cancellationToken).ConfigureAwait(false)).Record is { } update
            && string.Equals(update.RevisionId, revisionId, StringComparison.Ordinal)
                ? update
                : null;
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

                var (exists, record) = await ReadRecordAsync(key, StoreJsonContext.Default.DeployRecord, cancellationToken).ConfigureAwait(false);
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

    public async Task<bool> TryMarkAlertedAsync(FunctionKey functionKey, AlertMarker marker, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(functionKey);
        ArgumentNullException.ThrowIfNull(marker);
        // As with rollback claims, If-None-Match: * lets S3 pick one winner among overlapping sweeps and retries.
        return await _s3.TryCreateObjectAsync(
            _bucket,
            functionKey.AlertedKey(marker.Problem, marker.CodeSha256),
            JsonSerializer.SerializeToUtf8Bytes(marker, StoreJsonContext.Default.AlertMarker),
            JsonContentType,
            cancellationToken).ConfigureAwait(false);
    }

    public async Task ClearAlertedAsync(FunctionKey functionKey, string problem, string codeSha256, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(functionKey);
        await _s3.DeleteObjectAsync(_bucket, functionKey.AlertedKey(problem, codeSha256), cancellationToken).ConfigureAwait(false);
    }

    public async Task<PlaceholderTagRecord?> GetPlaceholderTagAsync(FunctionKey functionKey, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(functionKey);
        return (await ReadRecordAsync(functionKey.PlaceholderTagKey, StoreJsonContext.Default.PlaceholderTagRecord, cancellationToken).ConfigureAwait(false)).Record;
    }

    /// <summary>
    /// Reads one JSON record. A missing key is (false, null); a record someone edited by hand into something
    /// unreadable is (true, null), treated as absent rather than failing every deploy of the functionKey.
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

    public async Task<Report?> GetVerdictAsync(string verdictKey, CancellationToken cancellationToken) =>
        (await ReadRecordAsync(verdictKey, ReportJsonContext.Default.Report, cancellationToken).ConfigureAwait(false)).Record;

    public async Task PutVerdictAsync(string verdictKey, Report report, CancellationToken cancellationToken)
    {
        ArgumentException.ThrowIfNullOrEmpty(verdictKey);
        ArgumentNullException.ThrowIfNull(report);
        // The report as Guard answers it: two invocations judging the same package write the same verdict, so the last write may win.
        await _s3.PutObjectAsync(_bucket, verdictKey, JsonSerializer.SerializeToUtf8Bytes(report, ReportJsonContext.Default.Report), JsonContentType, cancellationToken).ConfigureAwait(false);
    }

    public async Task PutPlaceholderTagAsync(FunctionKey functionKey, PlaceholderTagRecord record, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(functionKey);
        ArgumentNullException.ThrowIfNull(record);
        // The answer is ignored: false means another deploy's check recorded it first, and the first sighting wins.
        await _s3.TryCreateObjectAsync(
            _bucket,
            functionKey.PlaceholderTagKey,
            JsonSerializer.SerializeToUtf8Bytes(record, StoreJsonContext.Default.PlaceholderTagRecord),
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
            JsonSerializer.SerializeToUtf8Bytes(record, StoreJsonContext.Default.DeployRecord),
            JsonContentType,
            cancellationToken).ConfigureAwait(false);
    }
}
