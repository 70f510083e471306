using System.Globalization;
using Guard.Aws.Http;
using Guard.Aws.Lambda;
using Guard.Aws.Store;
using Guard.Function.Alerts;
using Guard.Function.Deploys;
using Guard.Function.Logging;
using Guard.Inspection.Reporting;

namespace Guard.Function.Rollback;

/// <summary>A broken deploy to undo: the function as Guard read it, and the verdict on it.</summary>
public sealed record RollbackRequest(FunctionKey Key, FunctionDetails Broken, Report Report, string? EventId);

/// <summary>
/// Rollback mode: puts a broken function back to its last good code and configuration, or quarantines it when
/// there is none. Every write is conditional on the RevisionId Guard read, so a deploy that lands meanwhile is
/// never overwritten; nothing is ever deleted; published versions and aliases are not touched (only
/// <c>$LATEST</c> changes). Decisions are <see cref="RollbackRules"/>; this class does the calls in order.
/// </summary>
public sealed class FunctionRollback
{
    private readonly ILambdaApi _lambda;
    private readonly IDeployStore _store;
    private readonly ICodeStore _codes;
    private readonly FunctionInspector _inspector;
    private readonly GuardOptions _options;
    private readonly GuardLog _log;
    private readonly TimeProvider _time;

    public FunctionRollback(ILambdaApi lambda, IDeployStore store, ICodeStore codes, FunctionInspector inspector, GuardOptions options, GuardLog log, TimeProvider time)
    {
        ArgumentNullException.ThrowIfNull(lambda);
        ArgumentNullException.ThrowIfNull(store);
        ArgumentNullException.ThrowIfNull(codes);
        ArgumentNullException.ThrowIfNull(inspector);
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(log);
        ArgumentNullException.ThrowIfNull(time);
        _lambda = lambda;
        _store = store;
        _codes = codes;
        _inspector = inspector;
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

        // Never roll back to code that does not itself pass: the stored copy is judged under the configuration it will run with.
        var stored = new StoredCode(plan.LastGood.CodeBucket ?? _codes.Bucket, plan.LastGood.CodeKey ?? CodeKeys.For(plan.LastGood.CodeSha256), plan.LastGood.CodeSha256);
        var target = plan.LastGood.CodeKey is not null
            ? await _inspector.InspectAsync(_codes.Open(stored), plan.Target, cancellationToken).ConfigureAwait(false)
            : await _inspector.InspectLiveAsync(request.Broken, plan.Target, cancellationToken).ConfigureAwait(false);
        if (target.Verdict != Verdict.Ok)
        {
            var refused = $"the last good code ({plan.LastGood.CodeSha256}) does not pass under its recorded configuration ({target.LeadingFinding?.Code ?? Name(target.Verdict)})";
            return Log(await QuarantineOrLeaveAsync(request, refused, cancellationToken).ConfigureAwait(false), context);
        }

        var name = current.FunctionName;
        var revisionId = current.RevisionId;
        var latest = request.Broken;
        var done = new List<string>();
        if (plan.UpdatesCode)
        {
            try
            {
                await _lambda.UpdateFunctionCodeAsync(name, new FunctionCodeUpdate(stored.Bucket, stored.Key, null, revisionId, plan.Architectures), cancellationToken).ConfigureAwait(false);
            }
            catch (AwsServiceException e) when (RollbackRules.IsConcurrentChange(e.ErrorCode))
            {
                return Log(await LeaveToNewerDeployAsync(request, e, cancellationToken).ConfigureAwait(false), context);
            }

            done.Add(plan.CodeDiffers ? $"code {plan.LastGood.CodeSha256}" : "code (unchanged)");
            if (plan.Architectures is not null)
            {
                done.Add($"architecture {string.Join(',', plan.Architectures)}");
            }

            var settled = await SettleAsync(name, "UpdateFunctionCode", cancellationToken).ConfigureAwait(false);
            if (settled.Incomplete is { } incomplete)
            {
                return Log(incomplete, context);
            }

            latest = settled.Function!;
            revisionId = latest.Configuration.RevisionId;
        }

        if (!plan.Configuration.IsEmpty)
        {
            var restore = plan.Configuration;
            try
            {
                await _lambda.UpdateFunctionConfigurationAsync(name, restore.Runtime, restore.Handler, restore.Layers, revisionId, cancellationToken).ConfigureAwait(false);
            }
            catch (AwsServiceException e) when (RollbackRules.IsConcurrentChange(e.ErrorCode))
            {
                return Log(await LeaveToNewerDeployAsync(request, e, cancellationToken).ConfigureAwait(false), context);
            }

            if (restore.Runtime is not null)
            {
                done.Add($"runtime {restore.Runtime}");
            }

            if (restore.Handler is not null)
            {
                done.Add($"handler {restore.Handler}");
            }

            if (restore.Layers is not null)
            {
                done.Add(restore.Layers.Count == 0 ? "no layers" : $"layers {string.Join(", ", restore.Layers)}");
            }

            var settled = await SettleAsync(name, "UpdateFunctionConfiguration", cancellationToken).ConfigureAwait(false);
            if (settled.Incomplete is { } incomplete)
            {
                return Log(incomplete, context);
            }

            latest = settled.Function!;
        }

        // Check what is live now, the way the next invocation will see it.
        var recheck = await _inspector.InspectLiveAsync(latest, cancellationToken).ConfigureAwait(false);
        var restoredSha = latest.Configuration.CodeSha256;
        var kind = plan.CodeDiffers ? GuardAction.RolledBack : GuardAction.ConfigurationRestored;
        var summary = $"Guard put back the last good {string.Join(", ", done)} (judged good {plan.LastGood.CheckedAt}, deployed by {plan.LastGood.DeployedBy ?? "an unknown principal"}). " +
            $"Re-checked after the update: {Name(recheck.Verdict)}.";
        if (!string.Equals(restoredSha, plan.LastGood.CodeSha256, StringComparison.Ordinal))
        {
            summary += $" But the function now reports CodeSha256 {restoredSha}, not {plan.LastGood.CodeSha256}: look at it.";
        }

        return Log(new GuardAction(kind, summary, restoredSha, latest.Configuration.RevisionId, Name(recheck.Verdict)), context);
    }

    private async Task<(GuardAction? Incomplete, FunctionDetails? Function)> SettleAsync(string name, string call, CancellationToken cancellationToken)
    {
        var wait = _options.RollbackWaitOrDefault;
        var settlement = await LambdaUpdateWaiter.WaitAsync(_lambda, name, wait, _time, cancellationToken).ConfigureAwait(false);
        if (!settlement.Settled)
        {
            return (new GuardAction(
                GuardAction.Incomplete,
                $"Guard's {call} was still {settlement.Function.Configuration.LastUpdateStatus ?? "in progress"} after {wait.TotalSeconds.ToString(CultureInfo.InvariantCulture)} s; check the function.",
                RevisionId: settlement.Function.Configuration.RevisionId), null);
        }

        if (!settlement.Succeeded)
        {
            return (new GuardAction(
                GuardAction.Incomplete,
                $"Lambda reports Guard's {call} as LastUpdateStatus Failed; the function still runs what it ran before. Check it.",
                RevisionId: settlement.Function.Configuration.RevisionId), null);
        }

        return (null, settlement.Function);
    }

    /// <summary>Someone changed the function after Guard read it: their change stands, and Guard reports what it is now.</summary>
    private async Task<GuardAction> LeaveToNewerDeployAsync(RollbackRequest request, AwsServiceException conflict, CancellationToken cancellationToken)
    {
        var read = request.Broken.Configuration.RevisionId;
        FunctionDetails now;
        try
        {
            now = await _lambda.GetFunctionAsync(request.Broken.Configuration.FunctionName, cancellationToken).ConfigureAwait(false);
        }
        catch (FunctionNotFoundException)
        {
            return new GuardAction(GuardAction.LeftAlone, $"Lambda refused Guard's update ({conflict.ErrorCode}) and the function has since been deleted.", RevisionId: read);
        }

        var recheck = await _inspector.InspectLiveAsync(now, cancellationToken).ConfigureAwait(false);
        var changed = !string.Equals(now.Configuration.RevisionId, read, StringComparison.Ordinal);
        return new GuardAction(
            GuardAction.LeftAlone,
            $"The function changed after Guard read revision {read ?? "(none)"} ({conflict.ErrorCode}), so Guard did not overwrite it. " +
            (changed ? $"Re-checked revision {now.Configuration.RevisionId} (CodeSha256 {now.Configuration.CodeSha256}): {Name(recheck.Verdict)}." : $"Re-checked it: {Name(recheck.Verdict)}."),
            RevisionId: now.Configuration.RevisionId,
            RecheckVerdict: Name(recheck.Verdict));
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

    private static string Name(Verdict verdict) => verdict switch
    {
        Verdict.Broken => "broken",
        Verdict.Placeholder => "placeholder",
        _ => "ok",
    };
}
