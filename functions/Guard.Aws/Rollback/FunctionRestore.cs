using Guard.Aws.Functions;
using Guard.Aws.Http;
using Guard.Aws.Lambda;
using Guard.Aws.Store;
using Guard.Inspection.Reading;
using Guard.Inspection.Reporting;

namespace Guard.Aws.Rollback;

/// <summary>Hears each change a restore makes as it lands: the Lambda logs it, <c>guard rollback</c> prints it.</summary>
public interface IRestoreReporter
{
    void Changed(string functionName, string change);

    /// <summary>
    /// Hears each update Lambda accepted, as soon as it answers (before the wait): <paramref name="after"/> holds the
    /// RevisionId and CodeSha256 that the call's CloudTrail event will carry. The Lambda records them so it knows that
    /// event for its own; <c>guard rollback</c>, run by a person, has nothing to record.
    /// </summary>
    Task UpdatedAsync(string apiCall, FunctionConfiguration after, CancellationToken cancellationToken) => Task.CompletedTask;
}

/// <summary>How a restore ended.</summary>
public enum RestoreEnd
{
    /// <summary>Everything planned was put back; <see cref="RestoreResult.Recheck"/> judges what is live now.</summary>
    Restored,

    /// <summary>The good code does not itself pass under its recorded settings: nothing was changed.</summary>
    Refused,

    /// <summary>Lambda refused a write conditional on the RevisionId read: someone deployed meanwhile, and their change stands.</summary>
    ChangedMeanwhile,

    /// <summary>An update did not settle in time, or Lambda marked it Failed.</summary>
    Incomplete,
}

/// <param name="Function">The function as last read (null when it was deleted meanwhile).</param>
/// <param name="Recheck">The live code's verdict at the end (Restored, ChangedMeanwhile); the stored code's (Refused).</param>
/// <param name="Changes">What was put back, in order ("code …", "runtime …").</param>
/// <param name="Detail">For Incomplete: which call and how it stood; for ChangedMeanwhile: Lambda's error code.</param>
public sealed record RestoreResult(RestoreEnd End, FunctionDetails? Function, FunctionInspection? Recheck, IReadOnlyList<string> Changes, string? Detail = null)
{
    /// <summary>The verdict's name as reports spell it, or "not checked".</summary>
    public string RecheckVerdict => Recheck?.Report is { } report ? VerdictNames.Of(report.Verdict) : "not checked";
}

/// <summary>
/// Puts a function back to a <see cref="RestorePlan"/>: the one rollback both the Guard Lambda (rollback mode) and
/// <c>guard rollback</c> run. It never puts back code that does not itself pass; every write is conditional on the
/// RevisionId read, so a deploy that lands meanwhile is never overwritten; it waits for each update to settle and
/// re-checks what is live. Only <c>$LATEST</c> changes; nothing is deleted. Claims and quarantine are the Lambda's.
/// </summary>
public sealed class FunctionRestore(ILambdaApi lambda, DeployedFunctionInspector functions, Func<StoredCode, IRangeSource> openStored, TimeProvider time)
{
    /// <param name="stored">The good zip's copy in the store; null when the good code is an image (ECR keeps it).</param>
    public async Task<RestoreResult> RunAsync(
        FunctionDetails current, RestorePlan plan, StoredCode? stored, TimeSpan wait, IRestoreReporter reporter, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(current);
        ArgumentNullException.ThrowIfNull(plan);
        ArgumentNullException.ThrowIfNull(reporter);
        var image = plan.LastGood.ImageUri;
        if (image is null && stored is null && plan.LastGood.CodeKey is not null)
        {
            throw new ArgumentNullException(nameof(stored), "a zip's restore from the store names the stored copy");
        }

        // Judged under the configuration it will run with: the good image, the stored copy, or (a configuration-only restore) the live code.
        var target = image is not null
            ? await InspectGoodImageAsync(image, current, plan, cancellationToken).ConfigureAwait(false)
            : plan.LastGood.CodeKey is not null
                ? await functions.InspectAsync(openStored(stored!), plan.Target, cancellationToken).ConfigureAwait(false)
                : await functions.InspectAsync(current, plan.Target, cancellationToken).ConfigureAwait(false);
        if (target.Report is not { Verdict: Verdict.Ok })
        {
            return new RestoreResult(RestoreEnd.Refused, current, target, []);
        }

        var name = current.Configuration.FunctionName;
        var latest = current;
        var changes = new List<string>();
        if (plan.UpdatesCode)
        {
            var (settled, stopped) = await UpdateAsync(
                current, "UpdateFunctionCode",
                revision => lambda.UpdateFunctionCodeAsync(
                    name,
                    image is not null ? FunctionCodeUpdate.Image(image, revision, plan.Architectures) : new FunctionCodeUpdate(stored!.Bucket, stored.Key, null, revision, plan.Architectures),
                    cancellationToken),
                latest, wait, changes, reporter, cancellationToken).ConfigureAwait(false);
            if (stopped is not null)
            {
                return stopped;
            }

            latest = settled!;
            Changed(reporter, name, changes, !plan.CodeDiffers ? "code (unchanged)" : image is not null ? $"image {image}" : $"code {plan.LastGood.CodeSha256}");
            if (plan.Architectures is not null)
            {
                Changed(reporter, name, changes, $"architecture {string.Join(',', plan.Architectures)}");
            }
        }

        if (!plan.Configuration.IsEmpty)
        {
            var restore = plan.Configuration;
            var (settled, stopped) = await UpdateAsync(
                current, "UpdateFunctionConfiguration",
                revision => lambda.UpdateFunctionConfigurationAsync(
                    name, new FunctionConfigurationUpdate(restore.Runtime, restore.Handler, restore.Layers, revision, restore.ImageConfig), cancellationToken),
                latest, wait, changes, reporter, cancellationToken).ConfigureAwait(false);
            if (stopped is not null)
            {
                return stopped;
            }

            latest = settled!;
            if (restore.Runtime is not null)
            {
                Changed(reporter, name, changes, $"runtime {restore.Runtime}");
            }

            if (restore.Handler is not null)
            {
                Changed(reporter, name, changes, $"handler {restore.Handler}");
            }

            if (restore.Layers is not null)
            {
                Changed(reporter, name, changes, restore.Layers.Count == 0 ? "no layers" : $"layers {string.Join(", ", restore.Layers)}");
            }

            if (restore.ImageConfig is { } imageConfig)
            {
                Changed(reporter, name, changes, ImageConfigText(imageConfig));
            }
        }

        // What is live now, the way the next invocation will see it.
        var recheck = await functions.InspectAsync(latest, target: null, cancellationToken).ConfigureAwait(false);
        return new RestoreResult(RestoreEnd.Restored, latest, recheck, changes);
    }

    /// <summary>
    /// The good image judged where it will run: the good architecture (which the restore puts back with it, so image and
    /// function never disagree on the CPU) and the ImageConfig it passed with, which the restore puts back too (a record
    /// that predates it: the function's current ImageConfig, which the restore then leaves as it is). Reading it by
    /// its digest is also the proof that ECR still holds it: an image deleted since, or no longer readable, is refused
    /// with the reason — only a transient failure propagates, for the caller to retry.
    /// </summary>
    private async Task<FunctionInspection> InspectGoodImageAsync(string image, FunctionDetails current, RestorePlan plan, CancellationToken cancellationToken)
    {
        try
        {
            return await functions.InspectImageAsync(image, plan.Target with { ImageConfig = plan.ImageConfigUnder(current.Configuration) }, cancellationToken).ConfigureAwait(false);
        }
        catch (Exception e) when (e is PackageUnavailableException { IsTransient: false } or AwsServiceException { IsTransient: false })
        {
            return FunctionInspection.NotChecked($"the last good image {image} could not be read ({e.Message})");
        }
    }

    /// <summary>
    /// One write conditional on <paramref name="latest"/>'s RevisionId, then the wait for it to settle: the settled
    /// function, or the result that ends the restore (someone deployed meanwhile, or the update did not finish).
    /// </summary>
    private async Task<(FunctionDetails? Settled, RestoreResult? Stopped)> UpdateAsync(
        FunctionDetails read, string call, Func<string?, Task<FunctionConfiguration>> update, FunctionDetails latest, TimeSpan wait, List<string> changes,
        IRestoreReporter reporter, CancellationToken cancellationToken)
    {
        FunctionConfiguration after;
        try
        {
            after = await update(latest.Configuration.RevisionId).ConfigureAwait(false);
        }
        catch (AwsServiceException e) when (RollbackRules.IsConcurrentChange(e.ErrorCode))
        {
            return (null, await ChangedMeanwhileAsync(read, e, changes, cancellationToken).ConfigureAwait(false));
        }

        await reporter.UpdatedAsync(call, after, cancellationToken).ConfigureAwait(false);

        var name = read.Configuration.FunctionName;
        var settlement = await LambdaUpdateWaiter.WaitAsync(lambda, name, wait, time, cancellationToken).ConfigureAwait(false);
        return settlement.Succeeded ? (settlement.Function, null) : (null, Incomplete(name, call, wait, settlement, changes));
    }

    private static RestoreResult Incomplete(string name, string call, TimeSpan wait, UpdateSettlement settlement, List<string> changes)
    {
        var detail = settlement.Settled
            ? $"Lambda reports the {call} of {name} as LastUpdateStatus Failed; the function still runs what it ran before"
            : $"the {call} of {name} was still {settlement.Function.Configuration.LastUpdateStatus ?? "in progress"} after {wait.TotalSeconds.ToString(System.Globalization.CultureInfo.InvariantCulture)} s";
        return new RestoreResult(RestoreEnd.Incomplete, settlement.Function, null, changes, detail);
    }

    /// <summary>Someone changed the function after it was read: their change stands, and the result says what it is now.</summary>
    private async Task<RestoreResult> ChangedMeanwhileAsync(FunctionDetails read, AwsServiceException conflict, List<string> changes, CancellationToken cancellationToken)
    {
        FunctionDetails now;
        try
        {
            now = await lambda.GetFunctionAsync(read.Configuration.FunctionName, cancellationToken).ConfigureAwait(false);
        }
        catch (FunctionNotFoundException)
        {
            return new RestoreResult(RestoreEnd.ChangedMeanwhile, null, null, changes, conflict.ErrorCode);
        }

        var recheck = await functions.InspectAsync(now, target: null, cancellationToken).ConfigureAwait(false);
        return new RestoreResult(RestoreEnd.ChangedMeanwhile, now, recheck, changes, conflict.ErrorCode);
    }

    /// <summary>
    /// "ImageConfig (EntryPoint /main; Command of 1 argument; WorkingDirectory /srv)", or "no ImageConfig overrides". The
    /// executable and the directory are named; arguments are only counted, as in the image findings: they may carry values
    /// that must not reach alerts and logs.
    /// </summary>
    private static string ImageConfigText(Guard.Inspection.Images.FunctionImageConfig config)
    {
        static string Arguments(int count) => count == 1 ? "1 argument" : $"{count} arguments";

        var fields = new List<string>();
        if (config.EntryPoint is { Count: > 0 } entryPoint)
        {
            fields.Add(entryPoint.Count == 1 ? $"EntryPoint {entryPoint[0]}" : $"EntryPoint {entryPoint[0]} with {Arguments(entryPoint.Count - 1)}");
        }

        if (config.Command is { Count: > 0 } command)
        {
            fields.Add($"Command of {Arguments(command.Count)}");
        }

        if (config.WorkingDirectory is { } directory)
        {
            fields.Add($"WorkingDirectory {directory}");
        }

        return fields.Count == 0 ? "no ImageConfig overrides" : $"ImageConfig ({string.Join("; ", fields)})";
    }

    private static void Changed(IRestoreReporter reporter, string name, List<string> changes, string change)
    {
        changes.Add(change);
        reporter.Changed(name, change);
    }
}
