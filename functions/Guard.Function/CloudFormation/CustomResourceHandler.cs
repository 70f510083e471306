using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using Guard.Aws.Functions;
using Guard.Aws.Http;
using Guard.Aws.Lambda;
using Guard.Function.Logging;
using Guard.Function.Routing;
using Guard.Inspection.Reading;
using Guard.Inspection.Reporting;
using Guard.Inspection.Rules;

namespace Guard.Function.CloudFormation;

/// <summary>
/// <c>Custom::BootstrapCheck</c> (https://docs.aws.amazon.com/AWSCloudFormation/latest/UserGuide/crpg-ref.html): Create and Update check the package and answer SUCCESS (with
/// the summary in Data, for <c>Fn::GetAtt</c>) or FAILED (the finding and its fix in Reason), so a resource that
/// <c>DependsOn</c> the check is never deployed from a broken package; Delete always answers SUCCESS. Guard
/// always answers: a failure of its own becomes FAILED with the cause, and a check still running when
/// <see cref="AnswerMargin"/> is left before Lambda's deadline is abandoned for a FAILED answer, so no stack
/// waits out CloudFormation's one-hour timeout.
/// </summary>
public sealed class CustomResourceHandler : IRouteHandler
{
    /// <summary>Time kept back from Lambda's deadline to build and PUT the answer.</summary>
    public static readonly TimeSpan DefaultAnswerMargin = TimeSpan.FromSeconds(5);

    private readonly Func<PackageCheck> _checks;
    private readonly ResponseUrlClient _responses;
    private readonly RuntimeCatalog _runtimes;
    private readonly GuardLog _log;
    private readonly TimeProvider _time;

    /// <param name="checks">Called per request (cache inside it): building AWS clients may fail, and that failure is answered too.</param>
    public CustomResourceHandler(Func<PackageCheck> checks, ResponseUrlClient responses, RuntimeCatalog runtimes, GuardLog log, TimeProvider time, TimeSpan? answerMargin = null)
    {
        ArgumentNullException.ThrowIfNull(checks);
        ArgumentNullException.ThrowIfNull(responses);
        ArgumentNullException.ThrowIfNull(runtimes);
        ArgumentNullException.ThrowIfNull(log);
        ArgumentNullException.ThrowIfNull(time);
        _checks = checks;
        _responses = responses;
        _runtimes = runtimes;
        _log = log;
        _time = time;
        AnswerMargin = answerMargin ?? DefaultAnswerMargin;
    }

    public TimeSpan AnswerMargin { get; }

    /// <summary>
    /// Answers on the ResponseURL before <see cref="RoutedEvent.DeadlineUtc"/>; returns the same body (it carries no
    /// secret) as the invocation's response.
    /// </summary>
    public async Task<ReadOnlyMemory<byte>> HandleAsync(RoutedEvent routed, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(routed);
        var deadlineUtc = routed.DeadlineUtc;
        var request = Read(routed.Root);
        var response = await DecideAsync(request, deadlineUtc, cancellationToken).ConfigureAwait(false);
        var body = CustomResourceResponseBody.Serialize(response);

        var context = new LogContext(request.LogicalResourceId, request.RequestId, response.Data?.GetValueOrDefault("Verdict"),
            response.Data?.GetValueOrDefault("FindingCodes")?.Split(',', StringSplitOptions.RemoveEmptyEntries), Outcomes.Checked);
        // The PUT gets the time left up to Lambda's own deadline: answering late is better than not at all.
        using var putLimit = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        if (deadlineUtc != DateTimeOffset.MaxValue)
        {
            putLimit.CancelAfter(Max(deadlineUtc - _time.GetUtcNow() - TimeSpan.FromMilliseconds(250), TimeSpan.FromSeconds(1)));
        }

        try
        {
            await _responses.PutAsync(request.ResponseUrl ?? "", body, putLimit.Token).ConfigureAwait(false);
        }
        catch (Exception e) when (e is CustomResourceAnswerException or ArgumentException or OperationCanceledException)
        {
            // Failing the invocation makes Lambda retry the event (CloudFormation invokes asynchronously): the
            // next attempt PUTs again, and CloudFormation takes the first answer it gets.
            _log.Error($"custom resource {request.RequestType} {request.LogicalResourceId}: answer {response.Status} not delivered", context, e);
            throw new CustomResourceAnswerException($"answer {response.Status} for {request.LogicalResourceId} not delivered: {e.Message}");
        }

        var message = $"custom resource {request.RequestType} {request.LogicalResourceId} in {StackName(request.StackId)}: answered {response.Status}";
        if (response.Status == CustomResourceResponse.Failed)
        {
            _log.Warn($"{message}: {response.Reason}", context);
        }
        else
        {
            _log.Info(message, context);
        }

        return body;
    }

    /// <summary>
    /// Stable for the resource's whole life (crpg-ref-responses.html: a different id on Update means replacement): the id
    /// CloudFormation already holds, else one derived from the stack and the logical id.
    /// </summary>
    public static string PhysicalResourceIdFor(CustomResourceRequest request)
    {
        ArgumentNullException.ThrowIfNull(request);
        if (request.RequestType != CustomResourceRequest.Create && !string.IsNullOrEmpty(request.PhysicalResourceId))
        {
            return request.PhysicalResourceId;
        }

        var digest = SHA256.HashData(Encoding.UTF8.GetBytes($"{request.StackId}|{request.LogicalResourceId}"));
        return $"{request.LogicalResourceId ?? "BootstrapCheck"}-{Convert.ToHexStringLower(digest)[..16]}";
    }

    /// <summary>The request as sent, read leniently: whatever else is wrong with it, an answer can still be PUT.</summary>
    public static CustomResourceRequest Read(JsonElement root) => new(
        TemplateProperties.Text(root, "RequestType"),
        TemplateProperties.Text(root, "ResponseURL"),
        TemplateProperties.Text(root, "StackId"),
        TemplateProperties.Text(root, "RequestId"),
        TemplateProperties.Text(root, "ResourceType"),
        TemplateProperties.Text(root, "LogicalResourceId"),
        TemplateProperties.Text(root, "PhysicalResourceId"),
        Detached(TemplateProperties.Child(root, "ResourceProperties")),
        Detached(TemplateProperties.Child(root, "OldResourceProperties")),
        TemplateProperties.Text(root, "ServiceToken"));

    // The router's document is disposed after routing; the properties outlive it (default stays default).
    private static JsonElement Detached(JsonElement element) => element.ValueKind == JsonValueKind.Undefined ? default : element.Clone();

    private async Task<CustomResourceResponse> DecideAsync(CustomResourceRequest request, DateTimeOffset deadlineUtc, CancellationToken cancellationToken)
    {
        var physicalId = PhysicalResourceIdFor(request);
        CustomResourceResponse Answer(string status, string? reason, IReadOnlyDictionary<string, string>? data = null) =>
            new(status, reason, physicalId, request.StackId ?? "", request.RequestId ?? "", request.LogicalResourceId ?? "", data);

        switch (request.RequestType)
        {
            case CustomResourceRequest.Delete:
                // Nothing was created, so nothing to remove; FAILED here would wedge the stack in DELETE_FAILED.
                return Answer(CustomResourceResponse.Success, null);
            case CustomResourceRequest.Create or CustomResourceRequest.Update:
                break;
            default:
                return Answer(CustomResourceResponse.Failed, $"Guard: unknown RequestType '{request.RequestType}'; expected Create, Update or Delete");
        }

        var properties = BootstrapCheckProperties.Parse(request.ResourceProperties, _runtimes, out var error);
        if (properties is null)
        {
            return Answer(CustomResourceResponse.Failed, $"Guard: {request.LogicalResourceId} ({request.ResourceType}): {error}");
        }

        using var budget = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        var left = deadlineUtc == DateTimeOffset.MaxValue ? Timeout.InfiniteTimeSpan : Max(deadlineUtc - AnswerMargin - _time.GetUtcNow(), TimeSpan.Zero);
        if (left != Timeout.InfiniteTimeSpan)
        {
            budget.CancelAfter(left);
        }

        if (left == TimeSpan.Zero)
        {
            return Answer(CustomResourceResponse.Failed, string.Create(CultureInfo.InvariantCulture,
                $"Guard: only {Math.Max(0, (deadlineUtc - _time.GetUtcNow()).TotalSeconds):0.#} s of the Guard function's timeout were left when the request arrived; nothing was judged. Update the stack to retry; if it keeps happening, raise the Guard function's Timeout."));
        }

        FunctionInspection result;
        try
        {
            // WaitAsync: a read that ignores cancellation is abandoned rather than awaited past the budget.
            result = await _checks().CheckAsync(properties.Target, budget.Token).WaitAsync(budget.Token).ConfigureAwait(false);
        }
        catch (Exception) when (budget.IsCancellationRequested)
        {
            var seconds = (deadlineUtc - _time.GetUtcNow()).TotalSeconds;
            return Answer(CustomResourceResponse.Failed, string.Create(CultureInfo.InvariantCulture,
                $"Guard: the check of {Subject(properties.Target)} did not finish in time ({Math.Max(0, seconds):0} s left of the Guard function's timeout); nothing was judged. Update the stack to retry; if it keeps happening, raise the Guard function's Timeout."));
        }
        catch (Exception e)
        {
            _log.Warn($"custom resource {request.LogicalResourceId}: check failed", new LogContext(request.LogicalResourceId, request.RequestId, Outcome: Outcomes.Checked), e);
            return Answer(CustomResourceResponse.Failed, $"Guard could not check {Subject(properties.Target)}: {Cause(e)}");
        }

        if (result.Report is not { } report)
        {
            return Answer(CustomResourceResponse.Success, $"Guard: nothing to check: {result.NotCheckedBecause}.", NotCheckedData(result.NotCheckedBecause!));
        }

        var data = Data(report);
        return report.Verdict switch
        {
            Verdict.Broken => Answer(CustomResourceResponse.Failed, "Guard: " + CheckWording.Broken(report), data),
            Verdict.Placeholder when !properties.AllowPlaceholder => Answer(
                CustomResourceResponse.Failed,
                $"Guard: {report.Source} is a placeholder package, not code that can run ({PlaceholderWhy(report)}). Deploy the real package, or set AllowPlaceholder: \"true\" on {request.LogicalResourceId} if this stack deploys a placeholder on purpose.",
                data),
            Verdict.Placeholder => Answer(CustomResourceResponse.Success, $"Guard: {report.Source} is a placeholder (allowed by AllowPlaceholder).", data),
            _ => Answer(CustomResourceResponse.Success, CheckWording.Warnings(report) is { } warnings ? "Guard: will start. " + warnings : null, data),
        };
    }

    /// <summary>Flat strings, always the same keys (a missing key would fail <c>Fn::GetAtt</c>): small enough for any report.</summary>
    private static Dictionary<string, string> Data(Report report)
    {
        var b = report.Bootstrap;
        return new Dictionary<string, string>(StringComparer.Ordinal)
        {
            ["Verdict"] = VerdictNames.Of(report.Verdict),
            ["FindingCodes"] = string.Join(",", report.Findings.Select(f => f.Code).Distinct()),
            ["Runtime"] = report.Runtime,
            ["Architecture"] = report.Architecture,
            ["BootstrapPath"] = b?.Path ?? "",
            ["BootstrapKind"] = b?.Kind ?? "",
            ["BootstrapMachine"] = b?.Machine ?? "",
            ["BootstrapLinkage"] = b?.Linkage ?? "",
            ["BootstrapMode"] = b?.Mode ?? "",
            ["BootstrapSize"] = b is null ? "" : b.Size.ToString(CultureInfo.InvariantCulture),
            ["GlibcRequired"] = b?.GlibcRequired ?? "",
            ["Source"] = report.Source,
        };
    }

    private static Dictionary<string, string> NotCheckedData(string because) => new(StringComparer.Ordinal)
    {
        ["Verdict"] = "skipped",
        ["FindingCodes"] = "",
        ["Note"] = because,
    };

    private static string PlaceholderWhy(Report report) =>
        report.Findings.FirstOrDefault(f => f.Code == FindingCodes.Placeholder)?.Message.TrimEnd('.') ?? "a known placeholder";

    private static string Subject(PackageToCheck target) => target.DisplayName;

    /// <summary>One line for a person: what failed and, where Guard knows it, what to grant or fix.</summary>
    internal static string Cause(Exception e) => e switch
    {
        FunctionNotFoundException notFound => $"function {notFound.FunctionName} does not exist.",
        PackageUnavailableException unavailable when unavailable.Message.Contains("access denied", StringComparison.Ordinal) =>
            $"{unavailable.Message}. Grant the Guard function's role read access to the package (the Guard stack's ArtifactObjectArns parameter).",
        PackageUnavailableException unavailable => unavailable.Message + ".",
        AwsServiceException { ErrorCode: "AccessDeniedException" or "AccessDenied" } denied => $"{denied.Message}. The Guard function's role needs {denied.Action ?? "this call"}.",
        AwsServiceException service => service.Message + (service.IsTransient ? " Update the stack to retry." : "."),
        _ => $"{e.GetType().Name}: {e.Message.ReplaceLineEndings(" ")}",
    };

    private static string StackName(string? stackId)
    {
        // arn:aws:cloudformation:region:account:stack/name/guid
        var parts = stackId?.Split('/');
        return parts is { Length: >= 2 } ? parts[1] : stackId ?? "(no stack)";
    }

    private static TimeSpan Max(TimeSpan a, TimeSpan b) => a > b ? a : b;
}
