using Guard.Aws.Http;
using Guard.Aws.Lambda;
using Guard.Aws.Store;
using Guard.Function.Alerts;
using Guard.Function.Deploys;
using Guard.Function.Logging;
using Guard.Function.Routing;

namespace Guard.Function.Scheduled;

/// <summary>
/// The 15-minute sweep (<c>detail.task = placeholder-sweep</c>): every pending-placeholder record older than
/// <c>GUARD_PLACEHOLDER_GRACE_MINUTES</c> is looked up. A deleted function, or one whose code changed since (that
/// deploy's own event judged it), loses its record; a function still holding the same placeholder is alerted
/// about once. Decisions are <see cref="SweepRules"/>'.
/// </summary>
/// <remarks>
/// Failures: a transient AWS error (throttling, 5xx, timeout) propagates, so the schedule's retry runs the sweep
/// again (records already settled are skipped then: dropped, or marked as alerted). A permanent error on one
/// function (AccessDenied, say) is logged and counted, and the sweep goes on to the next.
/// </remarks>
public sealed class PlaceholderSweep(
    ILambdaApi lambda, IGuardStore store, AlertSender alerts, GuardOptions options, string region, GuardLog log, TimeProvider time) : IScheduledTask
{
    public async Task<SweepSummary> RunAsync(CancellationToken cancellationToken)
    {
        var metrics = new SweepMetrics();
        await foreach (var pending in store.ListPendingAsync(cancellationToken).ConfigureAwait(false))
        {
            metrics = metrics with { Examined = metrics.Examined + 1 };
            var name = pending.Function.FunctionName;
            if (pending.Record is not { } record || SweepRules.Age(record.CheckedAt, time.GetUtcNow()) is not { } age)
            {
                log.Warn($"pending record {pending.Function.PendingKey} cannot be read; left alone", new LogContext(name, Outcome: Outcomes.Skipped));
                metrics = metrics with { Errors = metrics.Errors + 1 };
                continue;
            }

            if (!SweepRules.IsDue(age, options.PlaceholderGrace))
            {
                continue;
            }

            if (!string.Equals(pending.Function.Region, region, StringComparison.Ordinal))
            {
                // Lambda clients are regional: that region's Guard sweeps it.
                continue;
            }

            FunctionDetails? current;
            try
            {
                current = await lambda.GetFunctionAsync(record.FunctionArn, cancellationToken).ConfigureAwait(false);
            }
            catch (FunctionNotFoundException)
            {
                current = null;
            }
            catch (AwsServiceException e) when (!e.IsTransient)
            {
                log.Error($"{name}: pending placeholder not checked", new LogContext(name, Outcome: Outcomes.Skipped), e);
                metrics = metrics with { Errors = metrics.Errors + 1 };
                continue;
            }

            switch (SweepRules.Decide(record, age, options.PlaceholderGrace, current?.Configuration))
            {
                case PendingDecision.DropDeleted:
                case PendingDecision.DropCodeChanged:
                    await store.DeletePendingAsync(pending.Function, cancellationToken).ConfigureAwait(false);
                    // A later return of the same placeholder is a new problem, and alerted again.
                    await store.ClearAlertedAsync(pending.Function, AlertProblems.OverduePlaceholder, record.CodeSha256, cancellationToken).ConfigureAwait(false);
                    log.Info(
                        current is null ? $"{name} no longer exists; its pending record is dropped" : $"{name} has other code since its placeholder; its pending record is dropped",
                        new LogContext(name, Outcome: Outcomes.Checked));
                    metrics = metrics with { Dropped = metrics.Dropped + 1 };
                    break;

                case PendingDecision.Alert:
                    metrics = metrics with { Placeholders = metrics.Placeholders + 1 };
                    var mode = DeployRules.ResolveMode(options.Mode, current!.Tags, out _);
                    if (mode == GuardMode.Off)
                    {
                        log.Info($"{name} is still a placeholder, but Guard is off for it", new LogContext(name, Verdict: "placeholder", Outcome: Outcomes.Skipped));
                        break;
                    }

                    var minutes = (int)age.TotalMinutes;
                    var alert = new SweepAlert(SweepAlert.OverduePlaceholderType, current.Configuration, mode, record, minutes);
                    var sent = await AlertOnce.SendAsync(store, alerts, pending.Function, AlertProblems.OverduePlaceholder, alert, time, cancellationToken).ConfigureAwait(false);
                    if (sent is { } count)
                    {
                        log.Warn($"{name} is still a placeholder after {minutes} minutes", new LogContext(name, Verdict: "placeholder", Outcome: Outcomes.Checked));
                        metrics = metrics with { AlertsSent = metrics.AlertsSent + count };
                    }

                    break;
            }
        }

        log.Metrics(metrics, ScheduledTasks.PlaceholderSweep);
        return new SweepSummary(Outcomes.Checked, ScheduledTasks.PlaceholderSweep, metrics);
    }
}
