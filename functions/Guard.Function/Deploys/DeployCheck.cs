using System.Globalization;
using System.Text.Json;
using Guard.Aws.Functions;
using Guard.Aws.Http;
using Guard.Aws.Lambda;
using Guard.Aws.Rollback;
using Guard.Aws.Store;
using Guard.Function.Alerts;
using Guard.Function.Logging;
using Guard.Function.Rollback;
using Guard.Function.Routing;
using Guard.Inspection;
using Guard.Inspection.Reading;
using Guard.Inspection.Reporting;
using Guard.Inspection.Rules;

namespace Guard.Function.Deploys;

/// <summary>What one deploy event came to: a report when the code was inspected, else why not.</summary>
/// <param name="Action">What Guard did about a broken deploy in rollback mode; null otherwise.</param>
public sealed record DeployOutcome(string Outcome, string Reason, string? FunctionName, Report? Report, DeployMetrics Metrics, GuardAction? Action = null);

/// <summary>
/// Checks the code a CloudTrail deploy event left on a function, keeps good code in the store, and alerts when
/// it cannot start — after rolling it back in rollback mode. Wiring only: the decisions are
/// <see cref="DeployRules"/> and <see cref="RollbackRules"/>, the judgement is the engine's.
/// </summary>
/// <remarks>
/// Failures: a deleted function is logged and acknowledged; every other AWS or fetch failure propagates, so
/// the invocation fails and Lambda retries the event, then sends it to the dead-letter queue — a permanent
/// one such as AccessDenied included, so a missing permission is never silently dropped.
/// </remarks>
public sealed class DeployCheck : IRouteHandler
{
    /// <summary>Set to <c>true</c>, marks the function's current code as a placeholder (docs/design.md, "The Lambda's configuration").</summary>
    public const string PlaceholderTag = "guard:placeholder";

    /// <summary>Guard's build (version and commit): a verdict from another build's rules is not reused.</summary>
    private static readonly string GuardBuild =
        typeof(DeployCheck).Assembly.GetCustomAttributes(typeof(System.Reflection.AssemblyInformationalVersionAttribute), false)
            is [System.Reflection.AssemblyInformationalVersionAttribute { InformationalVersion: { } version }, ..] ? version : "unknown";

    private readonly ILambdaApi _lambda;
    private readonly DeployedFunctionInspector _functions;
    private readonly ICodeStore? _codes;
    private readonly FunctionRollback? _rollback;
    private readonly Func<CancellationToken, Task<string?>>? _accountAlias;
    private readonly GuardIdentity _identity;
    private readonly IGuardStore? _store;
    private readonly AlertSender _alerts;
    private readonly GuardOptions _options;
    private readonly GuardLog _log;
    private readonly TimeProvider _time;

    /// <param name="store">Null when <c>GUARD_STORE_BUCKET</c> is unset: placeholders are then never judged against good code.</param>
    /// <param name="codes">Where good code is copied; null (no store bucket) keeps records only.</param>
    /// <param name="rollback">Null when rollback cannot work (no store): rollback mode then alerts only, and says why.</param>
    /// <param name="accountAlias">The account's alias for alerts (Organization mode, member accounts); null when not looked up.</param>
    public DeployCheck(
        ILambdaApi lambda,
        DeployedFunctionInspector functions,
        IGuardStore? store,
        AlertSender alerts,
        GuardOptions options,
        GuardLog log,
        TimeProvider time,
        ICodeStore? codes = null,
        FunctionRollback? rollback = null,
        Func<CancellationToken, Task<string?>>? accountAlias = null)
    {
        ArgumentNullException.ThrowIfNull(lambda);
        ArgumentNullException.ThrowIfNull(functions);
        ArgumentNullException.ThrowIfNull(alerts);
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(log);
        ArgumentNullException.ThrowIfNull(time);
        _lambda = lambda;
        _functions = functions;
        _codes = codes;
        _rollback = rollback;
        _accountAlias = accountAlias;
        _identity = new GuardIdentity(options.RoleArn, options.MemberRole, options.Partition);
        _store = store;
        _alerts = alerts;
        _options = options;
        _log = log;
        _time = time;
    }

    public async Task<ReadOnlyMemory<byte>> HandleAsync(RoutedEvent routed, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(routed);
        var outcome = await CheckAsync(
            routed.CloudTrail ?? throw new ArgumentException("a deploy event carries its CloudTrail record", nameof(routed)),
            cancellationToken).ConfigureAwait(false);
        return outcome.Report is { } report
            ? JsonSerializer.SerializeToUtf8Bytes(report, ReportJsonContext.Default.Report)
            : Acknowledgement.Serialize(new Acknowledgement(outcome.Outcome, outcome.Reason, outcome.FunctionName, routed.CloudTrail.EventId));
    }

    /// <param name="deploy">The event as the router parsed it: the caller's session and the code's S3 origin included.</param>
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

        var version = DeployRules.VersionToCheck(call.Value, detail);
        FunctionDetails function;
        try
        {
            function = await _lambda.GetFunctionAsync(target, cancellationToken).ConfigureAwait(false);
            if (version is not null)
            {
                // The published version's own code and state. Tags belong to the function, and what a qualified GetFunction
                // returns of them is not documented: guard:mode and guard:placeholder are read from the function's.
                var published = await _lambda.GetFunctionAsync(target, version, cancellationToken).ConfigureAwait(false);
                function = published with { Tags = function.Tags };
            }
        }
        catch (FunctionNotFoundException)
        {
            return Done(Outcomes.NotFound, $"{(version is null ? target : $"{target}:{version}")} no longer exists (deleted after {detail!.EventName})", target, eventId);
        }

        var configuration = function.Configuration;
        var name = configuration.FunctionName;
        var mode = DeployRules.ResolveMode(_options.Mode, function.Tags, out var modeFromTag);
        if (mode == GuardMode.Off)
        {
            return Done(Outcomes.Skipped, $"Guard is off for this function ({(modeFromTag ? $"tag {DeployRules.ModeTag}" : "GUARD_MODE")})", name, eventId);
        }

        if (_functions.WhyNotChecked(configuration) is { } notChecked)
        {
            return Done(Outcomes.Skipped, notChecked, name, eventId);
        }

        if (DeployRules.IsStale(detail!.ResponseElements?.CodeSha256, configuration.CodeSha256))
        {
            return Done(
                Outcomes.Stale,
                $"stale event: it deployed CodeSha256 {detail.ResponseElements!.CodeSha256} but the function now has {configuration.CodeSha256}; the newer deploy's event is checked instead",
                name, eventId);
        }

        var key = FunctionKey.FromArn(configuration.FunctionArn, name, deploy.Account ?? detail.RecipientAccountId, deploy.Region ?? detail.AwsRegion);
        var inspection = await JudgeAsync(function, key, eventId, cancellationToken).ConfigureAwait(false);
        if (inspection.Report is not { } report)
        {
            return Done(Outcomes.Skipped, inspection.NotCheckedBecause!, name, eventId);
        }

        if (report.Verdict != Verdict.Placeholder && await IsTaggedPlaceholderAsync(function, key, cancellationToken).ConfigureAwait(false))
        {
            report = report with
            {
                Verdict = Verdict.Placeholder,
                Findings = [Findings.Placeholder($"tagged {PlaceholderTag}=true, CodeSha256 {configuration.CodeSha256}"), .. report.Findings],
            };
        }

        // An image's record keeps the ImageConfig it was judged under with its digest: a later broken ImageConfig is put back too.
        var pinned = RollbackRules.PinnedImage(function);
        var record = Record(configuration, report.Verdict, detail, key) with
        {
            ImageUri = pinned,
            ImageConfig = pinned is null ? null : RollbackRules.RecordedImageConfig(configuration.ImageConfig),
        };
        var metrics = new DeployMetrics(DeploysChecked: 1);
        // Guard's records describe $LATEST; a published version is only judged and alerted on.
        var store = DeployRules.ChangesLatest(call.Value) ? _store : null;

        switch (report.Verdict)
        {
            case Verdict.Ok:
                if (store is not null)
                {
                    if (await KeepCodeAsync(key, function, record, detail, eventId, cancellationToken).ConfigureAwait(false) is { } kept)
                    {
                        await store.PutGoodAsync(key, kept, cancellationToken).ConfigureAwait(false);
                    }

                    await store.DeletePendingAsync(key, cancellationToken).ConfigureAwait(false);
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
                else if (store is not null)
                {
                    await store.PutPendingAsync(key, record, cancellationToken).ConfigureAwait(false);
                }

                break;
        }

        var context = new LogContext(name, eventId, VerdictNames.Of(report.Verdict), report.Findings.Select(f => f.Code).ToArray(), Outcomes.Checked);
        GuardAction? action = null;
        var lambdaFailure = configuration.Failure;
        if (report.Verdict == Verdict.Broken || lambdaFailure is not null)
        {
            if (report.Verdict == Verdict.Broken)
            {
                metrics = metrics with { Broken = 1 };
                _log.Warn($"{name} will not start: {report.LeadingFinding?.Message}", context);
            }

            if (lambdaFailure is not null)
            {
                // Lambda's verdict is told beside Guard's, never acted on: Guard rolls back only what it judged broken.
                _log.Warn($"{name}: Lambda failed it ({lambdaFailure.Code ?? "no reason code"})", context);
            }

            if (mode == GuardMode.Rollback && report.Verdict == Verdict.Broken)
            {
                action = await RollBackAsync(key, function, report, detail, eventId, cancellationToken).ConfigureAwait(false);
                metrics = metrics with { RolledBack = action.Restored ? 1 : 0 };
            }

            var alias = _accountAlias is null ? null : await _accountAlias(cancellationToken).ConfigureAwait(false);
            var sent = await _alerts.SendAsync(DeployAlertComposer.Compose(new DeployAlert(report, configuration, deploy, mode, action, alias)), cancellationToken).ConfigureAwait(false);
            metrics = metrics with { AlertsSent = sent };
        }
        else
        {
            _log.Info(report.Verdict == Verdict.Placeholder ? $"{name} holds a placeholder; pending its real code" : $"{name} will start", context);
            // Nobody is alerted, but Security Hub archives what this function's fix resolved, and EventBridge hears every verdict.
            await _alerts.RecordAsync(DeployAlertComposer.Verdict(report, configuration, deploy, mode), cancellationToken).ConfigureAwait(false);
        }

        _log.Metrics(metrics, mode.ToName());
        return new DeployOutcome(Outcomes.Checked, VerdictNames.Of(report.Verdict), name, report, metrics, action);
    }

    /// <summary>
    /// The engine's report on the function's code, or the one it gave before on the same package under the same
    /// settings (<see cref="IGuardStore.GetVerdictAsync"/>): a redeploy, a configuration change that leaves the code
    /// alone, the same artifact on another function or Lambda's retry of the event then neither fetches nor judges
    /// the package again.
    /// </summary>
    private async Task<FunctionInspection> JudgeAsync(FunctionDetails function, FunctionKey key, string? eventId, CancellationToken cancellationToken)
    {
        var configuration = function.Configuration;
        // A REFERENCE function's verdict also depends on its object version still existing: judged afresh every time.
        var verdictKey = _store is null || function.CodeObject is not null ? null : VerdictKeyOf(function, key);
        if (verdictKey is not null && await _store!.GetVerdictAsync(verdictKey, cancellationToken).ConfigureAwait(false) is { } known)
        {
            _log.Info($"CodeSha256 {configuration.CodeSha256} was judged before under the same settings: {VerdictNames.Of(known.Verdict)}", new LogContext(configuration.FunctionName, eventId));
            // This function's package, and nothing read to judge it.
            return FunctionInspection.Of(known with { Source = configuration.FunctionArn, Stats = new ReadStats(0, 0, 0) });
        }

        var inspection = await _functions.InspectAsync(function, target: null, cancellationToken).ConfigureAwait(false);
        // A finding that names the package it was read from (an unreadable zip) would name the wrong function later.
        if (verdictKey is not null && inspection.Report is { } report && !report.Findings.Any(f => f.Message.Contains(report.Source, StringComparison.Ordinal)))
        {
            await _store!.PutVerdictAsync(verdictKey, report, cancellationToken).ConfigureAwait(false);
        }

        return inspection;
    }

    /// <summary>
    /// Where a verdict on this code under these settings is kept: every input of the judgement besides the bytes —
    /// the function's runtime, architecture, layers, handler and LD_LIBRARY_PATH, Guard's placeholder list, whether
    /// the runtime is deprecated today, and Guard's own build (new rules judge again). Null when the CodeSha256 is
    /// not one (nothing to key by).
    /// </summary>
    private string? VerdictKeyOf(FunctionDetails function, FunctionKey key)
    {
        var configuration = function.Configuration;
        if (FunctionEligibility.IsImage(configuration.PackageType))
        {
            return ImageVerdictKeyOf(function, key);
        }

        var target = FunctionTarget.Of(configuration);
        var deprecated = _functions.Runtimes.TryFind(target.Runtime, out var runtime)
            && runtime.IsDeprecatedOn(DateOnly.FromDateTime(_time.GetUtcNow().UtcDateTime));
        string?[] settings =
        [
            GuardBuild,
            target.Runtime,
            target.Architecture.ToApiName(),
            target.Handler,
            target.Environment?.LdLibraryPath,
            deprecated ? "deprecated" : "supported",
            string.Join(',', _options.PlaceholderSha256.Order(StringComparer.Ordinal)),
            target.LayerArns.Count.ToString(CultureInfo.InvariantCulture),
            .. target.LayerArns,
        ];
        try
        {
            return VerdictKeys.For(key.Account, configuration.CodeSha256, settings);
        }
        catch (FormatException)
        {
            return null;
        }
    }

    /// <summary>
    /// An image's verdict, kept by the digest that runs (which no push can move) under everything else it is judged by:
    /// the function's architecture and ImageConfig, and Guard's own build. An image is read layer by layer, a 210 MB one
    /// in a third of a second of CPU and every byte of it fetched from ECR: a configuration change or the same image on
    /// another function must not fetch it again. Null when the image is not pinned by a digest.
    /// </summary>
    private static string? ImageVerdictKeyOf(FunctionDetails function, FunctionKey key)
    {
        if (RollbackRules.PinnedImage(function) is not { } pinned)
        {
            return null;
        }

        // As Lambda reads it: an empty list or WorkingDirectory is no override.
        var config = RollbackRules.RecordedImageConfig(function.Configuration.ImageConfig);
        string?[] settings =
        [
            GuardBuild,
            FunctionTarget.Of(function.Configuration).Architecture.ToApiName(),
            config.EntryPoint?.Count.ToString(CultureInfo.InvariantCulture), .. config.EntryPoint ?? [],
            config.Command?.Count.ToString(CultureInfo.InvariantCulture), .. config.Command ?? [],
            config.WorkingDirectory,
        ];
        try
        {
            return VerdictKeys.ForImage(key.Account, pinned[(pinned.LastIndexOf('@') + 1)..], settings);
        }
        catch (FormatException)
        {
            return null;
        }
    }

    /// <summary>
    /// A function tagged <c>guard:placeholder=true</c> is a placeholder until its code changes: the CodeSha256 it had
    /// when the tag was first seen is recorded, and only that code is excused. Needs the store to remember it.
    /// </summary>
    private async Task<bool> IsTaggedPlaceholderAsync(FunctionDetails function, FunctionKey key, CancellationToken cancellationToken)
    {
        if (!(function.Tags.TryGetValue(PlaceholderTag, out var tag) && string.Equals(tag.Trim(), "true", StringComparison.OrdinalIgnoreCase)) || _store is not { } tags)
        {
            return false;
        }

        var configuration = function.Configuration;
        if (await tags.GetPlaceholderTagAsync(key, cancellationToken).ConfigureAwait(false) is { } first)
        {
            return string.Equals(first.CodeSha256, configuration.CodeSha256, StringComparison.Ordinal);
        }

        var seen = new PlaceholderTagRecord(configuration.FunctionArn, configuration.CodeSha256, _time.GetUtcNow().ToString("yyyy-MM-dd'T'HH:mm:ss'Z'", CultureInfo.InvariantCulture));
        await tags.PutPlaceholderTagAsync(key, seen, cancellationToken).ConfigureAwait(false);
        return true;
    }

    private async Task<GuardAction> RollBackAsync(
        FunctionKey key, FunctionDetails function, Report report, CloudTrailRecord detail, string? eventId, CancellationToken cancellationToken)
    {
        if (RollbackRules.WhyOnlyAlert(function.Configuration) is { } onlyAlert)
        {
            return new GuardAction(GuardAction.NotRolledBack, onlyAlert);
        }

        if (_identity.IsGuardsRole(detail.UserIdentity, key.Account, key.Region))
        {
            if (await GuardMadeAsync(key, detail.ResponseElements, cancellationToken).ConfigureAwait(false) is { } made)
            {
                // Guard's own rollback produced this event: acting on it again could loop.
                return new GuardAction(
                    GuardAction.NotRolledBack,
                    $"This deploy was made by Guard itself (its {made.Call}, revision {made.RevisionId}), so Guard only checked it.",
                    RevisionId: made.RevisionId);
            }

            // Guard's role, but not an update Guard made: whoever runs code as that role is judged like anyone.
            _log.Warn(
                $"{key.FunctionName}: deployed as Guard's role ({detail.UserIdentity!.SessionContext!.SessionIssuer!.Arn}) but revision {detail.ResponseElements?.RevisionId ?? "(none)"} is no update Guard recorded making; acting on it",
                new LogContext(key.FunctionName, eventId, Outcome: Outcomes.Checked));
        }

        if (_rollback is null)
        {
            return new GuardAction(GuardAction.NotRolledBack, "Rollback mode needs GUARD_STORE_BUCKET (where good code is kept); Guard only alerted.");
        }

        return await _rollback.RunAsync(new RollbackRequest(key, function, report, eventId), cancellationToken).ConfigureAwait(false);
    }

    /// <summary>The update Guard recorded making that this event reports (same revision, same code); null for any other.</summary>
    private async Task<GuardUpdate?> GuardMadeAsync(FunctionKey key, LambdaResponseElements? response, CancellationToken cancellationToken) =>
        _store is not null
        && response?.RevisionId is { Length: > 0 } revision
        && await _store.GetGuardUpdateAsync(key, revision, cancellationToken).ConfigureAwait(false) is { } made
        && (response.CodeSha256 is null || string.Equals(made.CodeSha256, response.CodeSha256, StringComparison.Ordinal))
            ? made
            : null;

    /// <summary>The good record with where its code copy is; null when the code changed under the copy (a newer deploy's event follows).</summary>
    private async Task<DeployRecord?> KeepCodeAsync(FunctionKey key, FunctionDetails function, DeployRecord record, CloudTrailRecord detail, string? eventId, CancellationToken cancellationToken)
    {
        if (_codes is null || function.CodeLocation is not { } location || !Uri.TryCreate(location, UriKind.Absolute, out var locationUri))
        {
            return record;
        }

        try
        {
            var stored = await _codes.KeepAsync(key.Account, record.CodeSha256, locationUri, DeployRules.CodeOriginOf(detail.RequestParameters), cancellationToken).ConfigureAwait(false);
            return record with { CodeBucket = stored.Bucket, CodeKey = stored.Key };
        }
        catch (CodeCopyException e)
        {
            _log.Warn($"good code not kept: {e.Message}", new LogContext(record.FunctionName, eventId, Outcome: Outcomes.Checked));
            return null;
        }
    }

    private DeployRecord Record(FunctionConfiguration configuration, Verdict verdict, CloudTrailRecord detail, FunctionKey key) => new(
        configuration.FunctionArn,
        configuration.CodeSha256,
        configuration.CodeSize,
        VerdictNames.Of(verdict),
        _time.GetUtcNow().ToString("yyyy-MM-dd'T'HH:mm:ss'Z'", CultureInfo.InvariantCulture),
        detail.EventName,
        detail.EventTime,
        detail.UserIdentity?.Arn,
        key.Account,
        key.Region,
        configuration.FunctionName,
        configuration.Runtime,
        configuration.Handler,
        configuration.Architectures,
        [.. configuration.Layers.Select(l => l.Arn)]);

    private DeployOutcome Done(string outcome, string reason, string? functionName, string? eventId)
    {
        _log.Info(reason, new LogContext(functionName, eventId, Outcome: outcome));
        return new DeployOutcome(outcome, reason, functionName, null, new DeployMetrics());
    }
}
