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
/// checks the package its <c>Code</c> names in S3 — or the container image its <c>Code.ImageUri</c> names, under its
/// <c>Architectures</c> and <c>ImageConfig</c> (also an <c>AWS::Serverless::Function</c>'s <c>ImageUri</c>) — and answers
/// FAILED/<c>NonCompliant</c> when the function could not start. Everything else passes with a note: other resource
/// types, deletes, inline <c>ZipFile</c> code, managed runtimes, and updates that change neither code nor runtime facts.
/// </summary>
/// <remarks>
/// Timing: CloudFormation waits 30 seconds for the answer. A check is a few ranged reads (well under a
/// second), so Guard answers within <see cref="Budget"/> of the request: a check that is slower than that, or
/// that hit a transient failure (throttling, 5xx, a dropped connection), answers <c>IN_PROGRESS</c> so
/// CloudFormation calls again after <see cref="RetryDelaySeconds"/> — on the first two invocations only, since
/// a hook may say IN_PROGRESS at most three times. The last one answers FAILED/<c>InternalFailure</c>, which
/// the hook's FailureMode turns into a warning (WARN) or a stop (FAIL). There is no partial state worth
/// carrying between invocations, so the callback context only says why the check was retried.
/// </remarks>
public sealed class HookHandler : IRouteHandler
{
    public const string LambdaFunctionType = "AWS::Lambda::Function";

    /// <summary>SAM's function: its <c>ImageUri</c> and <c>ImageConfig</c> are top-level properties.</summary>
    public const string ServerlessFunctionType = "AWS::Serverless::Function";

    /// <summary>Calls after which no more IN_PROGRESS is given (CloudFormation allows three IN_PROGRESS answers in all).</summary>
    public const int LastRetriableInvocation = 2;

    public const int RetryDelaySeconds = 5;

    /// <summary>Within CloudFormation's 30-second wait, leaving room for a cold start and the network.</summary>
    public static readonly TimeSpan DefaultBudget = TimeSpan.FromSeconds(25);

    private const int CloudControlMessageChars = 1024;
    private const int MaxAnnotations = 10;
    private const int MaxAnnotationText = 1024;

    // Properties whose change can change what Lambda execs; an update touching none of them is not re-checked.
    private static readonly string[] PackageProperties = ["Code", "PackageType", "Runtime", "Architectures", "Layers", "Handler", "ImageUri", "ImageConfig"];

    private readonly Func<PackageCheck> _checks;
    private readonly RuntimeCatalog _runtimes;
    private readonly GuardLog _log;
    private readonly TimeProvider _time;

    public HookHandler(Func<PackageCheck> checks, RuntimeCatalog runtimes, GuardLog log, TimeProvider time, TimeSpan? budget = null)
    {
        ArgumentNullException.ThrowIfNull(checks);
        ArgumentNullException.ThrowIfNull(runtimes);
        ArgumentNullException.ThrowIfNull(log);
        ArgumentNullException.ThrowIfNull(time);
        _checks = checks;
        _runtimes = runtimes;
        _log = log;
        _time = time;
        Budget = budget ?? DefaultBudget;
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
            var token = TemplateProperties.Text(root, "clientRequestToken") ?? "";
            _log.Warn("hook request unreadable", new LogContext(Outcome: Outcomes.Ignored), e);
            return new HookResponse(HookResponse.Failed, HookResponse.InternalFailure, $"Guard could not read the hook request: {e.Message.ReplaceLineEndings(" ")}", token);
        }

        var target = request.RequestData?.TargetLogicalId ?? request.RequestData?.TargetName ?? "(no target)";
        var response = await DecideAsync(request, deadlineUtc, cancellationToken).ConfigureAwait(false);
        var limit = request.RequestData?.TargetType == "RESOURCE" ? CloudControlMessageChars : HookResponse.MaxMessageChars;
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

    /// <summary>What to check, or why the request passes without a check.</summary>
    public static PackageToCheck? Plan(HookRequest request, RuntimeCatalog runtimes, out string? passBecause)
    {
        ArgumentNullException.ThrowIfNull(request);
        ArgumentNullException.ThrowIfNull(runtimes);
        passBecause = null;
        var point = request.ActionInvocationPoint;
        if (point is not (HookRequest.CreatePreProvision or HookRequest.UpdatePreProvision))
        {
            passBecause = $"nothing to check on {point ?? "this invocation point"}: Guard checks creates and updates";
            return null;
        }

        var targetName = request.RequestData?.TargetName;
        if (targetName is not (LambdaFunctionType or ServerlessFunctionType))
        {
            passBecause = $"{targetName ?? "(no target)"} is not an {LambdaFunctionType}: nothing to check";
            return null;
        }

        var properties = request.RequestData?.TargetModel?.ResourceProperties ?? default;
        var code = TemplateProperties.Child(properties, "Code");
        var imageUri = TemplateProperties.Text(code, "ImageUri") ?? TemplateProperties.Text(properties, "ImageUri");
        if (string.Equals(TemplateProperties.Text(properties, "PackageType"), "Image", StringComparison.OrdinalIgnoreCase) || imageUri is not null)
        {
            return PlanImage(request, properties, imageUri, out passBecause);
        }

        if (targetName == ServerlessFunctionType)
        {
            passBecause = $"an {ServerlessFunctionType}'s package is checked as the {LambdaFunctionType} SAM's transform makes of it";
            return null;
        }

        if (TemplateProperties.Text(code, "ZipFile") is not null)
        {
            passBecause = "inline ZipFile code: only managed runtimes take it, and they supply the bootstrap";
            return null;
        }

        var runtime = TemplateProperties.Text(properties, "Runtime");
        if (runtime is null || !runtimes.TryFind(runtime, out _))
        {
            passBecause = $"the managed runtime {runtime ?? "(none)"} supplies its own bootstrap";
            return null;
        }

        var bucket = TemplateProperties.Text(code, "S3Bucket");
        var key = TemplateProperties.Text(code, "S3Key");
        if (bucket is null || key is null)
        {
            passBecause = "Code names no S3Bucket and S3Key: there is no package to read";
            return null;
        }

        if (point == HookRequest.UpdatePreProvision && PackageUnchanged(request.RequestData!.TargetModel!))
        {
            passBecause = "the update changes neither Code nor Runtime, Architectures, Layers, Handler or LD_LIBRARY_PATH: the package was judged when it was deployed";
            return null;
        }

        var architectures = TemplateProperties.StringList(properties, "Architectures");
        var architecture = ArchitectureNames.TryParse(architectures is { Count: > 0 } ? architectures[0] : null, out var parsed) ? parsed : Architecture.X8664;
        return new PackageToCheck(
            new PackageLocation.S3Object(bucket, key, TemplateProperties.Text(code, "S3ObjectVersion")),
            null,
            runtime,
            architecture,
            TemplateProperties.StringList(properties, "Layers") ?? [],
            TemplateProperties.Text(properties, "Handler"),
            TemplateProperties.LibraryEnvironment(properties));
    }

    /// <summary>An image function: the image is read where its URI points, and judged on the function's CPU with its ImageConfig.</summary>
    private static PackageToCheck? PlanImage(HookRequest request, JsonElement properties, string? imageUri, out string? passBecause)
    {
        passBecause = null;
        if (imageUri is null)
        {
            passBecause = "PackageType Image names no ImageUri: there is no image to read";
            return null;
        }

        if (request.ActionInvocationPoint == HookRequest.UpdatePreProvision && PackageUnchanged(request.RequestData!.TargetModel!))
        {
            passBecause = "the update changes neither the image nor its ImageConfig or Architectures: the image was judged when it was deployed";
            return null;
        }

        var architectures = TemplateProperties.StringList(properties, "Architectures");
        var architecture = ArchitectureNames.TryParse(architectures is { Count: > 0 } ? architectures[0] : null, out var parsed) ? parsed : Architecture.X8664;
        return new PackageToCheck(null, null, null, architecture, [], null, ImageUri: imageUri, ImageConfig: TemplateProperties.ImageConfig(properties));
    }

    private async Task<HookResponse> DecideAsync(HookRequest request, DateTimeOffset deadlineUtc, CancellationToken cancellationToken)
    {
        var token = request.ClientRequestToken ?? "";
        var target = Plan(request, _runtimes, out var passBecause);
        if (target is null)
        {
            return new HookResponse(HookResponse.Success, null, $"Guard: {passBecause}.", token);
        }

        var subject = $"{request.RequestData?.TargetLogicalId ?? "the function"} ({target.DisplayName})";
        using var budget = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        var untilDeadline = deadlineUtc == DateTimeOffset.MaxValue ? Budget : deadlineUtc - TimeSpan.FromSeconds(1) - _time.GetUtcNow();
        budget.CancelAfter(untilDeadline < Budget ? (untilDeadline > TimeSpan.Zero ? untilDeadline : TimeSpan.Zero) : Budget);

        FunctionInspection result;
        try
        {
            result = await _checks().CheckAsync(target, budget.Token).WaitAsync(budget.Token).ConfigureAwait(false);
        }
        catch (Exception) when (budget.IsCancellationRequested)
        {
            return Retry(request, token, $"the check of {subject} did not finish in time");
        }
        catch (Exception e) when (e is PackageUnavailableException { IsTransient: true } or AwsServiceException { IsTransient: true })
        {
            return Retry(request, token, $"could not read {subject}: {e.Message}");
        }
        catch (Exception e)
        {
            _log.Warn($"hook: check of {subject} failed", new LogContext(request.RequestData?.TargetLogicalId, token), e);
            return new HookResponse(HookResponse.Failed, HookResponse.InternalFailure, $"Guard could not check {subject}: {CustomResourceHandler.Cause(e)}", token);
        }

        if (result.Report is not { } report)
        {
            return new HookResponse(HookResponse.Success, null, $"Guard: {result.NotCheckedBecause}.", token);
        }

        var annotations = Annotations(report);
        return report.Verdict switch
        {
            Verdict.Broken => new HookResponse(HookResponse.Failed, HookResponse.NonCompliant, "Guard: " + CheckWording.Broken(report, subject), token, Annotations: annotations),
            Verdict.Placeholder => new HookResponse(HookResponse.Success, null,
                $"Guard: {subject} is a placeholder package; its real code is judged when it is deployed (Guard's deploy check sees UpdateFunctionCode).", token, Annotations: annotations),
            _ => new HookResponse(HookResponse.Success, null,
                $"Guard: {subject} will start on {CheckWording.Platform(report)}; {CheckWording.Bootstrap(report)}.{(CheckWording.Warnings(report) is { } w ? " " + w : "")}", token, Annotations: annotations),
        };
    }

    private static HookResponse Retry(HookRequest request, string token, string why)
    {
        var invocation = request.RequestContext?.Invocation is > 0 and var n ? n : 1;
        return invocation <= LastRetriableInvocation
            ? new HookResponse(HookResponse.InProgress, null, $"Guard: {why}; trying again.", token, new HookCallbackContext(why), RetryDelaySeconds)
            : new HookResponse(HookResponse.Failed, HookResponse.InternalFailure,
                string.Create(CultureInfo.InvariantCulture, $"Guard: {why} (after {invocation} attempts); nothing was judged. Retry the deployment."), token);
    }

    private static List<HookAnnotation> Annotations(Report report)
    {
        var judged = report.Findings.Where(f => f.Severity != Severity.Info).Take(MaxAnnotations).Select(f => new HookAnnotation(
            f.Code,
            f.Severity == Severity.Error ? "FAILED" : "PASSED",
            CheckWording.Truncate(f.Message, MaxAnnotationText),
            f.Hint is { Length: > 0 } hint ? CheckWording.Truncate(hint, MaxAnnotationText) : null,
            SeverityLevel: f.Severity == Severity.Error ? "CRITICAL" : "LOW")).ToList();
        if (judged.Count == 0)
        {
            var summary = CheckWording.Bootstrap(report) ?? $"verdict {VerdictNames.Of(report.Verdict)}";
            judged.Add(new HookAnnotation("BOOTSTRAP_CHECK", "PASSED", CheckWording.Truncate(summary, MaxAnnotationText), SeverityLevel: "INFORMATIONAL"));
        }

        return judged;
    }

    private static bool PackageUnchanged(HookTargetModel model)
    {
        var now = model.ResourceProperties;
        var before = model.PreviousResourceProperties;
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
