using System.Globalization;
using System.Text.Json;
using Guard.Aws;
using Guard.Aws.Functions;
using Guard.Aws.Http;
using Guard.Function.Logging;
using Guard.Function.Routing;
using Guard.Inspection.Reading;
using Guard.Inspection.Reporting;
using Guard.Inspection.Rules;

namespace Guard.Function.CloudFormation;

/// <summary>
/// The CloudFormation Lambda hook (https://docs.aws.amazon.com/cloudformation-cli/latest/hooks-userguide/lambda-hooks-create-lambda-function.html): before an <c>AWS::Lambda::Function</c> is created or updated,
/// by a stack (<c>RESOURCE</c> target) or by Cloud Control API (<c>CLOUD_CONTROL</c>), checks the package its
/// <c>Code</c> names in S3 and answers FAILED/<c>NonCompliant</c> when the function could not start; for a change set
/// (<c>CHANGE_SET</c>) it judges every function the set creates or updates the same way (<see cref="ChangeSetHook"/>).
/// Everything else passes with a note: other resource types, deletes, inline <c>ZipFile</c> code, container images,
/// managed runtimes without layers, and updates that change neither code nor runtime facts. On a managed runtime
/// with layers it judges the layers' extensions (without reading the code, inline or in S3).
/// </summary>
/// <remarks>
/// Timing: CloudFormation waits 30 seconds for the answer. A check is a few ranged reads (well under a
/// second), so Guard answers within <see cref="Budget"/> of the request: a check that is slower than that, or
/// that hit a transient failure (throttling, 5xx, a dropped connection), answers <c>IN_PROGRESS</c> so
/// CloudFormation calls again after <see cref="RetryDelaySeconds"/> — on the first two invocations only, since
/// a hook may say IN_PROGRESS at most three times. The last one answers FAILED/<c>InternalFailure</c>, which
/// the hook's FailureMode turns into a warning (WARN) or a stop (FAIL). One budget covers the whole invocation: a
/// change set's payload and all its functions together. For a resource there is no partial state worth carrying
/// between invocations, so the callback context only says why the check was retried; for a change set it also names
/// the functions already judged good, which the next invocation skips.
/// </remarks>
public sealed class HookHandler : IRouteHandler
{
    public const string LambdaFunctionType = "AWS::Lambda::Function";

    /// <summary>Calls after which no more IN_PROGRESS is given (CloudFormation allows three IN_PROGRESS answers in all).</summary>
    public const int LastRetriableInvocation = 2;

    public const int RetryDelaySeconds = 5;

    /// <summary>Within CloudFormation's 30-second wait, leaving room for a cold start and the network.</summary>
    public static readonly TimeSpan DefaultBudget = TimeSpan.FromSeconds(25);

    // A managed runtime's report has no bootstrap of the package's: Lambda's starts it, after the layers' extensions.
    private const string ManagedBootstrap = "Lambda supplies the bootstrap and every layer's extension can start";

    private const int CloudControlMessageChars = 1024;
    internal const int MaxAnnotations = 10;
    private const int MaxAnnotationText = 1024;

    // Properties whose change can change what Lambda execs; an update touching none of them is not re-checked.
    internal static readonly string[] PackageProperties = ["Code", "PackageType", "Runtime", "Architectures", "Layers", "Handler"];

    private readonly Func<PackageCheck> _checks;
    private readonly RuntimeCatalog _runtimes;
    private readonly GuardLog _log;
    private readonly TimeProvider _time;
    private readonly ChangeSetHook _changeSets;

    public HookHandler(Func<PackageCheck> checks, HookPayloadClient payloads, RuntimeCatalog runtimes, GuardLog log, TimeProvider time, TimeSpan? budget = null)
    {
        ArgumentNullException.ThrowIfNull(checks);
        ArgumentNullException.ThrowIfNull(payloads);
        ArgumentNullException.ThrowIfNull(runtimes);
        ArgumentNullException.ThrowIfNull(log);
        ArgumentNullException.ThrowIfNull(time);
        _checks = checks;
        _runtimes = runtimes;
        _log = log;
        _time = time;
        Budget = budget ?? DefaultBudget;
        _changeSets = new ChangeSetHook(payloads, runtimes, JudgeAsync);
    }

    public TimeSpan Budget { get; }

    /// <summary>Answers within <see cref="Budget"/> and before <see cref="RoutedEvent.DeadlineUtc"/>.</summary>
    public async Task<ReadOnlyMemory<byte>> HandleAsync(RoutedEvent routed, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(routed);
        var response = await AnswerAsync(routed.Root, routed.DeadlineUtc, cancellationToken).ConfigureAwait(false);
        return JsonSerializer.SerializeToUtf8Bytes(response, FunctionJsonContext.Default.HookResponse);
    }

    public async Task<HookResponse> AnswerAsync(JsonElement root, DateTimeOffset deadlineUtc, CancellationToken cancellationToken)
    {
        HookRequest request;
        try
        {
            request = root.Deserialize(FunctionJsonContext.Default.HookRequest) ?? throw new JsonException("null request");
        }
        catch (JsonException e)
        {
            _log.Warn("hook request unreadable", new LogContext(Outcome: Outcomes.Ignored), e);
            return new HookResponse(HookResponse.Failed, HookResponse.InternalFailure, $"Guard could not read the hook request: {e.Message.ReplaceLineEndings(" ")}", Token(root));
        }

        // The stack and change set input syntax spells it "clientRequesttoken" (their examples, "clientRequestToken"):
        // an answer without the token is not taken, so either is echoed.
        request = request with { ClientRequestToken = request.ClientRequestToken ?? Token(root) };

        var target = request.RequestData?.TargetLogicalId ?? request.RequestData?.TargetName ?? "(no target)";
        using var budget = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        budget.CancelAfter(TimeAllowed(deadlineUtc));
        var response = request.RequestData?.TargetType == HookRequestData.ChangeSet
            ? await _changeSets.AnswerAsync(request, budget.Token).ConfigureAwait(false)
            : await DecideAsync(request, budget.Token).ConfigureAwait(false);
        var limit = request.RequestData?.TargetType == HookRequestData.CloudControlResource ? CloudControlMessageChars : HookResponse.MaxMessageChars;
        response = response with { Message = response.Message is null ? null : CheckWording.Truncate(response.Message, limit) };

        var context = new LogContext(target, request.ClientRequestToken, Outcome: Outcomes.Checked,
            Findings: response.Annotations?.Where(a => a.Status == "FAILED").Select(a => a.AnnotationName).ToArray());
        var line = $"hook {request.ActionInvocationPoint} {request.RequestData?.TargetName} {target} in {request.StackId}: {response.HookStatus}{(response.ErrorCode is null ? "" : "/" + response.ErrorCode)}: {response.Message}";
        if (response.HookStatus == HookResponse.Success)
        {
            _log.Info(line, context);
        }
        else
        {
            _log.Warn(line, context);
        }

        return response;
    }

    private static string Token(JsonElement root) =>
        TemplateProperties.Text(root, "clientRequestToken") ?? TemplateProperties.Text(root, "clientRequesttoken") ?? "";

    /// <summary>What to check, or why the request passes without a check.</summary>
    public static PackageToCheck? Plan(HookRequest request, RuntimeCatalog runtimes, out string? passBecause)
    {
        ArgumentNullException.ThrowIfNull(request);
        return Plan(
            request.ActionInvocationPoint,
            request.RequestData?.TargetName,
            request.RequestData?.TargetModel?.ResourceProperties ?? default,
            request.RequestData?.TargetModel?.PreviousResourceProperties ?? default,
            runtimes,
            out passBecause);
    }

    /// <summary>
    /// What to check for one resource about to be created (<see cref="HookRequest.CreatePreProvision"/>) or updated
    /// (<see cref="HookRequest.UpdatePreProvision"/>) from <paramref name="previous"/> to <paramref name="properties"/>,
    /// or why it passes without a check: every target (resource, Cloud Control, each function of a change set) is
    /// planned here.
    /// </summary>
    public static PackageToCheck? Plan(string? point, string? targetName, JsonElement properties, JsonElement previous, RuntimeCatalog runtimes, out string? passBecause)
    {
        ArgumentNullException.ThrowIfNull(runtimes);
        passBecause = null;
        if (point is not (HookRequest.CreatePreProvision or HookRequest.UpdatePreProvision))
        {
            passBecause = $"nothing to check on {point ?? "this invocation point"}: Guard checks creates and updates";
            return null;
        }

        if (targetName != LambdaFunctionType)
        {
            passBecause = $"{targetName ?? "(no target)"} is not an {LambdaFunctionType}: nothing to check";
            return null;
        }

        var code = TemplateProperties.Child(properties, "Code");
        if (string.Equals(TemplateProperties.Text(properties, "PackageType"), "Image", StringComparison.OrdinalIgnoreCase)
            || TemplateProperties.Text(code, "ImageUri") is not null)
        {
            passBecause = "a container image: Lambda runs the image's entrypoint, not a bootstrap";
            return null;
        }

        var runtime = TemplateProperties.Text(properties, "Runtime");
        var layers = TemplateProperties.StringList(properties, "Layers") ?? [];
        // Inline code is no package, but a managed runtime's layers are judged without one.
        var inline = TemplateProperties.Text(code, "ZipFile") is not null;
        if (inline && !(layers.Count > 0 && FunctionEligibility.IsJudgedByLayersAlone(runtime, runtimes)))
        {
            passBecause = "inline ZipFile code: only managed runtimes take it, and they supply the bootstrap";
            return null;
        }

        if (FunctionEligibility.WhyNotChecked(packageType: null, runtime, runtimes, layers.Count) is { } notChecked)
        {
            passBecause = notChecked;
            return null;
        }

        var bucket = TemplateProperties.Text(code, "S3Bucket");
        var key = TemplateProperties.Text(code, "S3Key");
        if (!inline && (bucket is null || key is null))
        {
            passBecause = "Code names no S3Bucket and S3Key: there is no package to read";
            return null;
        }

        if (point == HookRequest.UpdatePreProvision && PackageUnchanged(properties, previous))
        {
            passBecause = "the update changes neither Code nor Runtime, Architectures, Layers, Handler or LD_LIBRARY_PATH: the package was judged when it was deployed";
            return null;
        }

        var architectures = TemplateProperties.StringList(properties, "Architectures");
        var architecture = ArchitectureNames.TryParse(architectures is { Count: > 0 } ? architectures[0] : null, out var parsed) ? parsed : Architecture.X8664;
        return new PackageToCheck(
            inline ? null : new PackageLocation.S3Object(bucket!, key!, TemplateProperties.Text(code, "S3ObjectVersion")),
            null,
            runtime,
            architecture,
            layers,
            TemplateProperties.Text(properties, "Handler"),
            TemplateProperties.LibraryEnvironment(properties))
        {
            InlineCode = inline,
        };
    }

    /// <summary>At most <see cref="Budget"/>, and one second short of Lambda's deadline, so the answer still gets out.</summary>
    private TimeSpan TimeAllowed(DateTimeOffset deadlineUtc)
    {
        var untilDeadline = deadlineUtc == DateTimeOffset.MaxValue ? Budget : deadlineUtc - TimeSpan.FromSeconds(1) - _time.GetUtcNow();
        return untilDeadline < Budget ? (untilDeadline > TimeSpan.Zero ? untilDeadline : TimeSpan.Zero) : Budget;
    }

    private async Task<HookResponse> DecideAsync(HookRequest request, CancellationToken budget)
    {
        var token = request.ClientRequestToken ?? "";
        var target = Plan(request, _runtimes, out var passBecause);
        if (target is null)
        {
            return new HookResponse(HookResponse.Success, null, $"Guard: {passBecause}.", token);
        }

        var subject = Subject(request.RequestData?.TargetLogicalId, target);
        var judged = await JudgeAsync(target, subject, budget).ConfigureAwait(false);
        if (judged.Unfinished is { } why)
        {
            return Retry(request, token, why);
        }

        if (judged.Failure is { } failure)
        {
            return new HookResponse(HookResponse.Failed, HookResponse.InternalFailure, failure, token);
        }

        if (judged.Result!.Report is not { } report)
        {
            return new HookResponse(HookResponse.Success, null, $"Guard: {judged.Result.NotCheckedBecause}.", token);
        }

        var annotations = Annotations(report);
        return report.Verdict switch
        {
            Verdict.Broken => new HookResponse(HookResponse.Failed, HookResponse.NonCompliant, "Guard: " + CheckWording.Broken(report, subject), token, Annotations: annotations),
            Verdict.Placeholder => new HookResponse(HookResponse.Success, null, "Guard: " + Placeholder(subject), token, Annotations: annotations),
            _ => new HookResponse(HookResponse.Success, null, "Guard: " + Starts(report, subject), token, Annotations: annotations),
        };
    }

    /// <summary>"OrdersFunction (s3://bucket/key)": how messages name a function and its package.</summary>
    internal static string Subject(string? logicalId, PackageToCheck target) => $"{logicalId ?? "the function"} ({target.Code?.DisplayName ?? PackageToCheck.InlineCodeName})";

    internal static string Placeholder(string subject) =>
        $"{subject} is a placeholder package; its real code is judged when it is deployed (Guard's deploy check sees UpdateFunctionCode).";

    internal static string Starts(Report report, string subject) =>
        $"{subject} will start on {report.Runtime} ({report.Architecture}); {CheckWording.Bootstrap(report) ?? ManagedBootstrap}.{(CheckWording.Warnings(report) is { } w ? " " + w : "")}";

    /// <summary>
    /// The one check every target runs for a function: never throws, never outlives <paramref name="budget"/> (a read
    /// that ignores cancellation is abandoned, not awaited).
    /// </summary>
    internal async Task<FunctionJudgement> JudgeAsync(PackageToCheck target, string subject, CancellationToken budget)
    {
        try
        {
            var result = await _checks().CheckAsync(target, budget).WaitAsync(budget).ConfigureAwait(false);
            return new FunctionJudgement(subject, result, null, null);
        }
        catch (Exception) when (budget.IsCancellationRequested)
        {
            return new FunctionJudgement(subject, null, $"the check of {subject} did not finish in time", null);
        }
        catch (Exception e) when (e is PackageUnavailableException { IsTransient: true } or AwsServiceException { IsTransient: true })
        {
            return new FunctionJudgement(subject, null, $"could not read {subject}: {e.Message}", null);
        }
        catch (Exception e)
        {
            _log.Warn($"hook: check of {subject} failed", new LogContext(subject), e);
            return new FunctionJudgement(subject, null, null, $"Guard could not check {subject}: {CustomResourceHandler.Cause(e)}");
        }
    }

    /// <summary>
    /// IN_PROGRESS while CloudFormation allows another call, then FAILED/<c>InternalFailure</c> (never
    /// <c>NonCompliant</c>: nothing was found wrong), which the hook's FailureMode turns into a warning or a stop.
    /// </summary>
    /// <param name="passed">Change sets: functions judged good so far, carried to the next call.</param>
    /// <param name="lastWords">What the final FAILED says; by default that nothing was judged.</param>
    internal static HookResponse Retry(HookRequest request, string token, string why, IReadOnlyList<string>? passed = null, string? lastWords = null)
    {
        var invocation = request.RequestContext?.Invocation is > 0 and var n ? n : 1;
        return invocation <= LastRetriableInvocation
            ? new HookResponse(HookResponse.InProgress, null, $"Guard: {why}; trying again.", token, new HookCallbackContext(why, passed), RetryDelaySeconds)
            : new HookResponse(HookResponse.Failed, HookResponse.InternalFailure,
                string.Create(CultureInfo.InvariantCulture, $"Guard: {why} (after {invocation} attempts); {lastWords ?? "nothing was judged"}. Retry the deployment."), token);
    }

    /// <param name="prefix">Change sets: the function's logical id, so each line says which function it is about.</param>
    internal static List<HookAnnotation> Annotations(Report report, string? prefix = null)
    {
        var lead = prefix is null ? "" : prefix + ": ";
        var judged = report.Findings.Where(f => f.Severity != Severity.Info).Take(MaxAnnotations).Select(f => new HookAnnotation(
            f.Code,
            f.Severity == Severity.Error ? "FAILED" : "PASSED",
            CheckWording.Truncate(lead + f.Message, MaxAnnotationText),
            f.Hint is { Length: > 0 } hint ? CheckWording.Truncate(hint, MaxAnnotationText) : null,
            SeverityLevel: f.Severity == Severity.Error ? "CRITICAL" : "LOW")).ToList();
        if (judged.Count == 0)
        {
            var summary = CheckWording.Bootstrap(report) ?? (report.Verdict == Verdict.Ok ? ManagedBootstrap : $"verdict {VerdictNames.Of(report.Verdict)}");
            judged.Add(new HookAnnotation("BOOTSTRAP_CHECK", "PASSED", CheckWording.Truncate(lead + summary, MaxAnnotationText), SeverityLevel: "INFORMATIONAL"));
        }

        return judged;
    }

    private static bool PackageUnchanged(JsonElement now, JsonElement before)
    {
        if (before.ValueKind != JsonValueKind.Object || now.ValueKind != JsonValueKind.Object)
        {
            return false;
        }

        foreach (var name in PackageProperties)
        {
            var hasNow = now.TryGetProperty(name, out var a);
            var hadBefore = before.TryGetProperty(name, out var b);
            if (hasNow != hadBefore || (hasNow && !JsonElement.DeepEquals(a, b)))
            {
                return false;
            }
        }

        // Of the environment, only LD_LIBRARY_PATH changes what ld.so finds.
        return TemplateProperties.LibraryEnvironment(now) == TemplateProperties.LibraryEnvironment(before);
    }
}

/// <summary>How one function's check ended: judged (<see cref="Result"/>), cut short by the budget or a transient failure
/// (<see cref="Unfinished"/>: worth another call), or failed for good (<see cref="Failure"/>, the message to show).</summary>
internal sealed record FunctionJudgement(string Subject, FunctionInspection? Result, string? Unfinished, string? Failure);
