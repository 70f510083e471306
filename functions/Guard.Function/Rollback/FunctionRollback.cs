using System.Globalization;
using Guard.Aws.Http;
using Guard.Aws.Lambda;
using Guard.Aws.Rollback;
using Guard.Aws.Store;
using Guard.Function.Alerts;
using Guard.Function.Logging;
using Guard.Inspection.Reporting;

namespace Guard.Function.Rollback;

/// <summary>A broken deploy to undo: the function as Guard read it, and the verdict on it.</summary>
public sealed record RollbackRequest(FunctionKey Key, FunctionDetails Broken, Report Report, string? EventId);

/// <summary>
/// Rollback mode: claims the bad revision (Guard acts at most once on it), then puts the function back to its last
/// good code and configuration through <see cref="FunctionRestore"/> — the same restore <c>guard rollback</c> runs — or
/// quarantines it when there is nothing good to go back to. What it did becomes a <see cref="GuardAction"/> for the
/// alert and the log.
/// </summary>
public sealed class FunctionRollback
{
    private readonly IGuardStore _store;
    private readonly ICodeStore _codes;
    private readonly FunctionRestore _restore;
    private readonly ILambdaApi _lambda;
    private readonly GuardOptions _options;
    private readonly GuardLog _log;
    private readonly TimeProvider _time;

    public FunctionRollback(ILambdaApi lambda, IGuardStore store, ICodeStore codes, FunctionRestore restore, GuardOptions options, GuardLog log, TimeProvider time)
    {
        ArgumentNullException.ThrowIfNull(lambda);
        ArgumentNullException.ThrowIfNull(store);
        ArgumentNullException.ThrowIfNull(codes);
        ArgumentNullException.ThrowIfNull(restore);
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(log);
        ArgumentNullException.ThrowIfNull(time);
        _lambda = lambda;
        _store = store;
        _codes = codes;
        _restore = restore;
        _options = options;
        _log = log;
        _time = time;
    }

    public async Task<GuardAction> RunAsync(RollbackRequest request, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(request);
        var current = request.Broken.Configuration;
        var context = new LogContext(current.FunctionName, request.EventId);
        var revision = RollbackRules.RevisionOf(current);
        var claim = new RollbackClaim(current.FunctionArn, revision, current.CodeSha256, Now(), request.EventId);
        if (!await _store.TryClaimRollbackAsync(request.Key, claim, cancellationToken).ConfigureAwait(false))
        {
            return Log(new GuardAction(GuardAction.NotRolledBack, $"Guard already acted on revision {revision} of this function and acts at most once per bad revision."), context);
        }

        var lastGood = await _store.GetGoodAsync(request.Key, cancellationToken).ConfigureAwait(false);
        var plan = RollbackRules.Plan(current, lastGood, out var whyNot);
        if (plan is null)
        {
            return Log(await QuarantineOrLeaveAsync(request, whyNot, cancellationToken).ConfigureAwait(false), context);
        }

        var result = await _restore.RunAsync(
            request.Broken, plan, plan.StoredIn(_codes.Bucket, request.Key.Account), _options.RollbackWaitOrDefault, new LogReporter(this, request, context), cancellationToken).ConfigureAwait(false);
        var action = result.End switch
        {
            RestoreEnd.Refused => await QuarantineOrLeaveAsync(request, WhyRefused(plan, result), cancellationToken).ConfigureAwait(false),
            RestoreEnd.ChangedMeanwhile => LeftToNewerDeploy(request, result),
            RestoreEnd.Incomplete => new GuardAction(GuardAction.Incomplete, $"Guard could not finish: {result.Detail}. Check the function.", RevisionId: result.Function?.Configuration.RevisionId),
            _ => Restored(plan, result),
        };
        return Log(action, context);
    }

    private static string WhyRefused(RestorePlan plan, RestoreResult result) => plan.LastGood.ImageUri is { } image
        ? result.Recheck?.Report is { } report
            ? $"the last good image ({image}) does not pass on {string.Join(',', plan.Target.Architectures)}{(plan.LastGood.ImageConfig is null ? "" : " with the ImageConfig it passed with")} ({report.LeadingFinding?.Code ?? result.RecheckVerdict})"
            : $"the last good image could not be checked: {result.Recheck?.NotCheckedBecause ?? result.RecheckVerdict}"
        : $"the last good code ({plan.LastGood.CodeSha256}) does not pass under its recorded configuration ({result.Recheck?.Report?.LeadingFinding?.Code ?? result.Recheck?.NotCheckedBecause ?? result.RecheckVerdict})";

    private static GuardAction Restored(RestorePlan plan, RestoreResult result)
    {
        var latest = result.Function!.Configuration;
        var summary = $"Guard put back the last good {string.Join(", ", result.Changes)} (judged good {plan.LastGood.CheckedAt}, deployed by {plan.LastGood.DeployedBy ?? "an unknown principal"}). " +
            $"Re-checked after the update: {result.RecheckVerdict}.";
        if (!string.Equals(latest.CodeSha256, plan.LastGood.CodeSha256, StringComparison.Ordinal))
        {
            summary += $" But the function now reports CodeSha256 {latest.CodeSha256}, not {plan.LastGood.CodeSha256}: look at it.";
        }

        return new GuardAction(plan.CodeDiffers ? GuardAction.RolledBack : GuardAction.ConfigurationRestored, summary, latest.CodeSha256, latest.RevisionId, result.RecheckVerdict);
    }

    /// <summary>Someone changed the function after Guard read it: their change stands, and Guard reports what it is now.</summary>
    private static GuardAction LeftToNewerDeploy(RollbackRequest request, RestoreResult result)
    {
        var read = request.Broken.Configuration.RevisionId;
        if (result.Function is not { } now)
        {
            return new GuardAction(GuardAction.LeftAlone, $"Lambda refused Guard's update ({result.Detail}) and the function has since been deleted.", RevisionId: read);
        }

        var changed = !string.Equals(now.Configuration.RevisionId, read, StringComparison.Ordinal);
        return new GuardAction(
            GuardAction.LeftAlone,
            $"The function changed after Guard read revision {read ?? "(none)"} ({result.Detail}), so Guard did not overwrite it. " +
            (changed ? $"Re-checked revision {now.Configuration.RevisionId} (CodeSha256 {now.Configuration.CodeSha256}): {result.RecheckVerdict}." : $"Re-checked it: {result.RecheckVerdict}."),
            RevisionId: now.Configuration.RevisionId,
            RecheckVerdict: result.RecheckVerdict);
    }

    private async Task<GuardAction> QuarantineOrLeaveAsync(RollbackRequest request, string why, CancellationToken cancellationToken)
    {
        if (!_options.Quarantine)
        {
            return new GuardAction(GuardAction.NotRolledBack, $"Guard did not roll back: {why}. Quarantine is off (GUARD_QUARANTINE).");
        }

        var function = request.Broken.Configuration;
        var reason = RollbackRules.QuarantineReason(request.Report.LeadingFinding?.Code, _time.GetUtcNow());
        await _lambda.PutFunctionConcurrencyAsync(function.FunctionName, 0, cancellationToken).ConfigureAwait(false);
        await _lambda.TagResourceAsync(
            function.FunctionArn,
            new Dictionary<string, string>(StringComparer.Ordinal) { [RollbackRules.QuarantineTag] = reason },
            cancellationToken).ConfigureAwait(false);
        return new GuardAction(
            GuardAction.Quarantined,
            $"Guard quarantined the function: {why}. Reserved concurrency is now 0 (callers get a throttle, not a crash) and it is tagged {RollbackRules.QuarantineTag}. " +
            "To release it: deploy working code, then delete the reserved concurrency (aws lambda delete-function-concurrency) and the tag.",
            RevisionId: function.RevisionId);
    }

    private GuardAction Log(GuardAction action, LogContext context)
    {
        if (action.Restored)
        {
            _log.Info(action.Summary, context with { Outcome = action.Kind });
        }
        else
        {
            _log.Warn(action.Summary, context with { Outcome = action.Kind });
        }

        return action;
    }

    private string Now() => _time.GetUtcNow().UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss'Z'", CultureInfo.InvariantCulture);

    /// <summary>Logs each change, and records each update Guard made so that its CloudTrail event is known for Guard's own.</summary>
    private sealed class LogReporter(FunctionRollback rollback, RollbackRequest request, LogContext context) : IRestoreReporter
    {
        public void Changed(string functionName, string change) => rollback._log.Info($"put back {change}", context);

        public async Task UpdatedAsync(string apiCall, FunctionConfiguration after, CancellationToken cancellationToken)
        {
            if (after.RevisionId is not { Length: > 0 } revision)
            {
                return;
            }

            try
            {
                await rollback._store.PutGuardUpdateAsync(
                    request.Key, new GuardUpdate(after.FunctionArn, revision, after.CodeSha256, apiCall, rollback.Now(), request.EventId), cancellationToken).ConfigureAwait(false);
            }
            catch (Exception e) when (e is AwsServiceException or HttpRequestException)
            {
                // The restore goes on: stopping half-way would leave the function worse. Unrecorded, the event of this
                // update is judged like anyone's — it restores code judged good, so it passes.
                rollback._log.Warn($"could not record Guard's {apiCall} (revision {revision}): {e.Message}", context);
            }
        }
    }
}
