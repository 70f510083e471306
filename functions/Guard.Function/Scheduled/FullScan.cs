using Guard.Aws.Http;
using Guard.Aws.Lambda;
using Guard.Aws.Scanning;
using Guard.Aws.Store;
using Guard.Function.Alerts;
using Guard.Function.Deploys;
using Guard.Function.Logging;
using Guard.Function.Routing;

namespace Guard.Function.Scheduled;

/// <summary>
/// The weekly scan (<c>detail.task = full-scan</c>, behind the template's EnableWeeklyScan): <see cref="FunctionScanner"/>
/// over Guard's own region, and one alert per broken function, once per CodeSha256 — next week's scan of the
/// same broken code is silent.
/// </summary>
/// <remarks>
/// One SNS message per function, not a digest: subscribers filter on <c>guard.function</c>, chat threads by
/// function ARN, and each alert is marked as sent on its own, so a run that fails half-way is retried without
/// repeating the alerts that already went out.
/// Failures: ListFunctions failing fails the run (the retry scans again); a function the scanner could not judge
/// is logged and counted; a transient error alerting propagates.
/// </remarks>
public sealed class FullScan(
    FunctionScanner scanner, ILambdaApi lambda, IGuardStore store, AlertSender alerts, GuardOptions options, string region, GuardLog log, TimeProvider time) : IScheduledTask
{
    public async Task<SweepSummary> RunAsync(CancellationToken cancellationToken)
    {
        var results = await scanner.ScanAsync(region, progress: null, cancellationToken).ConfigureAwait(false);
        var metrics = new SweepMetrics(Examined: results.Count);
        foreach (var result in results)
        {
            switch (result.Outcome)
            {
                case ScanOutcome.Unchecked:
                    log.Warn($"{result.FunctionName} not checked by the full scan: {result.Reason}", new LogContext(result.FunctionName, Outcome: Outcomes.Skipped));
                    metrics = metrics with { Errors = metrics.Errors + 1 };
                    continue;
                case ScanOutcome.Skipped:
                    continue;
            }

            if (result.Report!.Verdict == Inspection.Reporting.Verdict.Placeholder)
            {
                // The placeholder sweep owns placeholders and their grace period.
                metrics = metrics with { Placeholders = metrics.Placeholders + 1 };
                continue;
            }

            if (!result.IsBroken)
            {
                continue;
            }

            metrics = metrics with { Broken = metrics.Broken + 1 };
            // The scan result carries no CodeSha256 or tags; GetFunction (broken functions only) supplies both.
            FunctionDetails function;
            try
            {
                function = await lambda.GetFunctionAsync(result.FunctionArn, cancellationToken).ConfigureAwait(false);
            }
            catch (FunctionNotFoundException)
            {
                continue;
            }
            catch (AwsServiceException e) when (!e.IsTransient)
            {
                log.Error($"{result.FunctionName} is broken but could not be looked up to alert", new LogContext(result.FunctionName, Verdict: "broken", Outcome: Outcomes.Skipped), e);
                metrics = metrics with { Errors = metrics.Errors + 1 };
                continue;
            }

            var mode = DeployRules.ResolveMode(options.Mode, function.Tags, out _);
            var context = new LogContext(result.FunctionName, Verdict: "broken", Findings: [.. result.Report.Findings.Select(f => f.Code)], Outcome: Outcomes.Checked);
            if (mode == GuardMode.Off)
            {
                log.Info($"{result.FunctionName} will not start, but Guard is off for it", context with { Outcome = Outcomes.Skipped });
                continue;
            }

            var key = FunctionKey.FromArn(function.Configuration.FunctionArn, function.Configuration.FunctionName, null, region);
            if (await IsExcusedPlaceholderAsync(function, key, cancellationToken).ConfigureAwait(false))
            {
                log.Info($"{result.FunctionName} is tagged {DeployCheck.PlaceholderTag}=true and still holds the code it was tagged on", context with { Verdict = "placeholder", Outcome = Outcomes.Skipped });
                metrics = metrics with { Broken = metrics.Broken - 1, Placeholders = metrics.Placeholders + 1 };
                continue;
            }

            var alert = new SweepAlert(SweepAlert.ScanBrokenType, function.Configuration, mode, Report: result.Report);
            var sent = await AlertOnce.SendAsync(store, alerts, key, AlertProblems.Broken, alert, time, cancellationToken).ConfigureAwait(false);
            if (sent is { } count)
            {
                log.Warn($"{result.FunctionName} will not start: {result.Report.LeadingFinding?.Message}", context);
                metrics = metrics with { AlertsSent = metrics.AlertsSent + count };
            }
        }

        log.Metrics(metrics, ScheduledTasks.FullScan);
        return new SweepSummary(Outcomes.Checked, ScheduledTasks.FullScan, metrics);
    }

    /// <summary>As the deploy check does: a <c>guard:placeholder=true</c> function is excused while it holds the code first seen under the tag.</summary>
    private async Task<bool> IsExcusedPlaceholderAsync(FunctionDetails function, FunctionKey key, CancellationToken cancellationToken) =>
        function.Tags.TryGetValue(DeployCheck.PlaceholderTag, out var tag)
        && string.Equals(tag.Trim(), "true", StringComparison.OrdinalIgnoreCase)
        && await store.GetPlaceholderTagAsync(key, cancellationToken).ConfigureAwait(false) is { } first
        && string.Equals(first.CodeSha256, function.Configuration.CodeSha256, StringComparison.Ordinal);
}
