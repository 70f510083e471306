using System.Globalization;
using System.Text.Json;
using Guard.Aws.Http;
using Guard.Aws.Lambda;
using Guard.Function.Alerts;
using Guard.Function.Logging;
using Guard.Function.Routing;
using Guard.Inspection;
using Guard.Inspection.Reading;
using Guard.Inspection.Reporting;
using Guard.Inspection.Rules;

namespace Guard.Function.Deploys;

/// <summary>What one deploy event came to: a report when the code was inspected, else why not.</summary>
public sealed record DeployOutcome(string Outcome, string Reason, string? FunctionName, Report? Report, DeployMetrics Metrics);

/// <summary>
/// Checks the code a CloudTrail deploy event left on a function, and alerts when it cannot start. Wiring
/// only: the decisions are <see cref="DeployRules"/>, the judgement is the engine's.
/// </summary>
/// <remarks>
/// Failures: a deleted function is logged and acknowledged; every other AWS or fetch failure propagates, so
/// the invocation fails and Lambda retries the event, then sends it to the dead-letter queue — a permanent
/// one such as AccessDenied included, so a missing permission is never silently dropped.
/// </remarks>
public sealed class DeployCheck : IRouteHandler
{
    private readonly ILambdaApi _lambda;
    private readonly IPackageOpener _packages;
    private readonly PackageInspector _inspector;
    private readonly RuntimeCatalog _runtimes;
    private readonly IDeployStore? _store;
    private readonly IAlertSender _alerts;
    private readonly GuardOptions _options;
    private readonly GuardLog _log;
    private readonly TimeProvider _time;

    /// <param name="store">Null when <c>GUARD_STORE_BUCKET</c> is unset: placeholders are then never judged against good code.</param>
    public DeployCheck(
        ILambdaApi lambda,
        IPackageOpener packages,
        PackageInspector inspector,
        RuntimeCatalog runtimes,
        IDeployStore? store,
        IAlertSender alerts,
        GuardOptions options,
        GuardLog log,
        TimeProvider time)
    {
        ArgumentNullException.ThrowIfNull(lambda);
        ArgumentNullException.ThrowIfNull(packages);
        ArgumentNullException.ThrowIfNull(inspector);
        ArgumentNullException.ThrowIfNull(runtimes);
        ArgumentNullException.ThrowIfNull(alerts);
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(log);
        ArgumentNullException.ThrowIfNull(time);
        _lambda = lambda;
        _packages = packages;
        _inspector = inspector;
        _runtimes = runtimes;
        _store = store;
        _alerts = alerts;
        _options = options;
        _log = log;
        _time = time;
    }

    public async Task<ReadOnlyMemory<byte>> HandleAsync(RoutedEvent routed, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(routed);
        var outcome = await CheckAsync(routed.CloudTrail ?? throw new ArgumentException("a deploy event carries its CloudTrail record", nameof(routed)), cancellationToken)
            .ConfigureAwait(false);
        return outcome.Report is { } report
            ? JsonSerializer.SerializeToUtf8Bytes(report, ReportJsonContext.Default.Report)
            : Acknowledgement.Serialize(new Acknowledgement(outcome.Outcome, outcome.Reason, outcome.FunctionName, routed.CloudTrail.EventId));
    }

    public async Task<DeployOutcome> CheckAsync(CloudTrailEvent deploy, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(deploy);
        var detail = deploy.Detail;
        var eventId = deploy.EventId;
        var call = DeployRules.CallOf(detail?.EventName);
        var target = DeployRules.FunctionToCheck(detail);
        if (call is null || target is null)
        {
            return Done(Outcomes.Ignored, $"{detail?.EventName ?? "event"} names no function to check", target, eventId);
        }

        FunctionDetails function;
        try
        {
            function = await _lambda.GetFunctionAsync(target, cancellationToken).ConfigureAwait(false);
        }
        catch (FunctionNotFoundException)
        {
            return Done(Outcomes.NotFound, $"{target} no longer exists (deleted after {detail!.EventName})", target, eventId);
        }

        var configuration = function.Configuration;
        var name = configuration.FunctionName;
        var mode = DeployRules.ResolveMode(_options.Mode, function.Tags, out var modeFromTag);
        if (mode == GuardMode.Off)
        {
            return Done(Outcomes.Skipped, $"Guard is off for this function ({(modeFromTag ? $"tag {DeployRules.ModeTag}" : "GUARD_MODE")})", name, eventId);
        }

        if (string.Equals(configuration.PackageType, "Image", StringComparison.OrdinalIgnoreCase))
        {
            return Done(Outcomes.Skipped, "container image: Lambda runs the image's entrypoint, not a bootstrap", name, eventId);
        }

        if (configuration.Runtime is not { } runtime || !_runtimes.TryFind(runtime, out _))
        {
            return Done(Outcomes.Skipped, $"managed runtime {configuration.Runtime ?? "(none)"}: Lambda supplies the bootstrap", name, eventId);
        }

        if (DeployRules.IsStale(detail!.ResponseElements?.CodeSha256, configuration.CodeSha256))
        {
            return Done(
                Outcomes.Stale,
                $"stale event: it deployed CodeSha256 {detail.ResponseElements!.CodeSha256} but the function now has {configuration.CodeSha256}; the newer deploy's event is checked instead",
                name, eventId);
        }

        if (function.CodeLocation is not { } location || !Uri.TryCreate(location, UriKind.Absolute, out var locationUri))
        {
            throw new PackageUnavailableException($"GetFunction gave no usable Code.Location for {name}");
        }

        var report = await InspectAsync(configuration, locationUri, cancellationToken).ConfigureAwait(false);
        var key = FunctionKey.FromArn(configuration.FunctionArn, name, deploy.Account ?? detail.RecipientAccountId, deploy.Region ?? detail.AwsRegion);
        var record = Record(configuration, report.Verdict, detail);
        var metrics = new DeployMetrics(DeploysChecked: 1);

        switch (report.Verdict)
        {
            case Verdict.Ok:
                if (_store is not null)
                {
                    await _store.PutGoodAsync(key, record, cancellationToken).ConfigureAwait(false);
                    await _store.DeletePendingAsync(key, cancellationToken).ConfigureAwait(false);
                }

                break;

            case Verdict.Placeholder:
                metrics = metrics with { Placeholders = 1 };
                var lastGood = _store is null ? null : await _store.GetGoodAsync(key, cancellationToken).ConfigureAwait(false);
                if (DeployRules.DecidePlaceholder(call.Value, lastGood, configuration.CodeSha256) == PlaceholderAction.AlertOverGood)
                {
                    var overGood = Findings.PlaceholderOverGood($"CodeSha256 {configuration.CodeSha256}", lastGood!.CodeSha256);
                    report = report with { Verdict = Verdict.Broken, Findings = [overGood, .. report.Findings] };
                }
                else if (_store is not null)
                {
                    await _store.PutPendingAsync(key, record, cancellationToken).ConfigureAwait(false);
                }

                break;
        }

        var context = new LogContext(name, eventId, VerdictName(report.Verdict), report.Findings.Select(f => f.Code).ToArray(), Outcomes.Checked);
        if (report.Verdict == Verdict.Broken)
        {
            metrics = metrics with { Broken = 1 };
            _log.Warn($"{name} will not start: {report.LeadingFinding?.Message}", context);
            if (mode == GuardMode.Rollback)
            {
                // Rollback is its own change; until then a rollback-mode function is alerted on like any other.
                _log.Warn("mode rollback is not implemented yet: alerting only", context);
            }

            var sent = await _alerts.SendAsync(new DeployAlert(report, configuration, deploy, mode), cancellationToken).ConfigureAwait(false);
            metrics = metrics with { AlertsSent = sent };
        }
        else
        {
            _log.Info(report.Verdict == Verdict.Placeholder ? $"{name} holds a placeholder; pending its real code" : $"{name} will start", context);
        }

        _log.Metrics(metrics, mode.ToName());
        return new DeployOutcome(Outcomes.Checked, VerdictName(report.Verdict), name, report, metrics);
    }

    private async Task<Report> InspectAsync(FunctionConfiguration configuration, Uri location, CancellationToken cancellationToken)
    {
        var sources = new List<IRangeSource>();
        try
        {
            var package = _packages.Open(location);
            sources.Add(package);
            var layers = new List<IRangeSource>();
            foreach (var layer in configuration.Layers)
            {
                var content = await _lambda.GetLayerVersionByArnAsync(layer.Arn, cancellationToken).ConfigureAwait(false);
                if (content.Location is not { } layerLocation || !Uri.TryCreate(layerLocation, UriKind.Absolute, out var layerUri))
                {
                    throw new PackageUnavailableException($"GetLayerVersionByArn gave no usable Content.Location for {layer.Arn}");
                }

                var source = _packages.Open(layerUri);
                sources.Add(source);
                layers.Add(source);
            }

            var architecture = ArchitectureNames.TryParse(configuration.Architectures.Count > 0 ? configuration.Architectures[0] : null, out var parsed) ? parsed : Architecture.X8664;
            return await _inspector.InspectAsync(
                new InspectionRequest(
                    package,
                    configuration.Runtime!,
                    architecture,
                    layers,
                    configuration.Handler,
                    configuration.CodeSha256,
                    _options.PlaceholderSha256),
                cancellationToken).ConfigureAwait(false);
        }
        finally
        {
            foreach (var source in sources)
            {
                await source.DisposeAsync().ConfigureAwait(false);
            }
        }
    }

    private DeployRecord Record(FunctionConfiguration configuration, Verdict verdict, CloudTrailRecord detail) => new(
        configuration.FunctionArn,
        configuration.CodeSha256,
        configuration.CodeSize,
        VerdictName(verdict),
        _time.GetUtcNow().ToString("yyyy-MM-dd'T'HH:mm:ss'Z'", CultureInfo.InvariantCulture),
        detail.EventName,
        detail.EventTime,
        detail.UserIdentity?.Arn);

    private DeployOutcome Done(string outcome, string reason, string? functionName, string? eventId)
    {
        _log.Info(reason, new LogContext(functionName, eventId, Outcome: outcome));
        return new DeployOutcome(outcome, reason, functionName, null, new DeployMetrics());
    }

    private static string VerdictName(Verdict verdict) => verdict switch
    {
        Verdict.Broken => "broken",
        Verdict.Placeholder => "placeholder",
        _ => "ok",
    };
}
