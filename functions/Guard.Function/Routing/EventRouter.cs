using System.Text.Json;
using Guard.Function.Logging;
using Guard.Function.RuntimeApi;

namespace Guard.Function.Routing;

/// <summary>Handles one kind of event; returns the invocation's response body.</summary>
public interface IRouteHandler
{
    Task<ReadOnlyMemory<byte>> HandleAsync(RoutedEvent routed, CancellationToken cancellationToken);
}

/// <summary>
/// The function's one entry point: tells events apart by shape and hands each to its handler. Events it
/// does not know, and payloads that are not JSON, are logged and acknowledged: failing them would only make
/// Lambda retry something that can never succeed.
/// </summary>
public sealed class EventRouter : IInvocationHandler
{
    /// <summary>
    /// The calls that put code where it runs. PublishVersion is the deploy that matters on Lambda Managed Instances
    /// (a capacity provider runs <c>$LATEST.PUBLISHED</c> or a numbered version, never <c>$LATEST</c>); the prefix does
    /// not match PublishLayerVersion.
    /// </summary>
    private static readonly string[] DeployEventPrefixes = ["CreateFunction", "UpdateFunctionCode", "UpdateFunctionConfiguration", "PublishVersion"];

    private readonly IRouteHandler _deploys;
    private readonly IRouteHandler _customResources;
    private readonly IRouteHandler _hooks;
    private readonly IRouteHandler _scheduled;
    private readonly GuardLog _log;

    /// <param name="deploys">CloudTrail deploy events (<see cref="EventKind.Deploy"/>).</param>
    /// <param name="customResources">CloudFormation custom resource requests (Custom::BootstrapCheck); given the deadline when it is an <see cref="IDeadlineRouteHandler"/>.</param>
    /// <param name="hooks">CloudFormation Lambda hook requests; given the deadline when it is an <see cref="IDeadlineRouteHandler"/>.</param>
    /// <param name="scheduled">Scheduled events: the placeholder sweep and the weekly full scan, told apart by <c>detail.task</c>.</param>
    public EventRouter(IRouteHandler deploys, IRouteHandler customResources, IRouteHandler hooks, IRouteHandler scheduled, GuardLog log)
    {
        ArgumentNullException.ThrowIfNull(deploys);
        ArgumentNullException.ThrowIfNull(customResources);
        ArgumentNullException.ThrowIfNull(hooks);
        ArgumentNullException.ThrowIfNull(scheduled);
        ArgumentNullException.ThrowIfNull(log);
        _deploys = deploys;
        _customResources = customResources;
        _hooks = hooks;
        _scheduled = scheduled;
        _log = log;
    }

    public async Task<ReadOnlyMemory<byte>> HandleAsync(Invocation invocation, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(invocation);
        EventShape shape;
        try
        {
            shape = EventShape.Read(invocation.Payload.Span);
        }
        catch (JsonException e)
        {
            _log.Warn("event is not JSON; acknowledged", new LogContext(Outcome: Outcomes.Ignored), e);
            return Acknowledgement.Serialize(new Acknowledgement(Outcomes.Ignored, "event is not JSON"));
        }

        // An event that is none of Guard's by its top-level members is acknowledged from those alone: parsing
        // it into a document would cost memory in proportion to it (up to Lambda's 6 MB) for nothing. CloudTrail
        // events need their detail read, and arrive through EventBridge, which caps them at 256 KB.
        if (ClassifyByShape(shape, default) is { Kind: EventKind.Unknown } notGuards)
        {
            return Ignore(notGuards);
        }

        using var document = JsonDocument.Parse(invocation.Payload);
        var root = document.RootElement;
        var routed = (ClassifyByShape(shape, root) ?? ClassifyApiCall(root, shape.Source)) with { DeadlineUtc = invocation.DeadlineUtc };
        switch (routed.Kind)
        {
            case EventKind.Deploy:
                return await _deploys.HandleAsync(routed, cancellationToken).ConfigureAwait(false);
            case EventKind.CustomResource:
                return await _customResources.HandleAsync(routed, cancellationToken).ConfigureAwait(false);
            case EventKind.Hook:
                return await _hooks.HandleAsync(routed, cancellationToken).ConfigureAwait(false);
            case EventKind.Scheduled:
                return await _scheduled.HandleAsync(routed, cancellationToken).ConfigureAwait(false);
            default:
                return Ignore(routed);
        }
    }

    /// <summary>Tells what <paramref name="root"/> is from its shape alone.</summary>
    public static RoutedEvent Classify(JsonElement root)
    {
        var shape = EventShape.Of(root);
        return ClassifyByShape(shape, root) ?? ClassifyApiCall(root, shape.Source);
    }

    /// <summary>
    /// True for the deploy calls, whatever version suffix CloudTrail adds (<c>UpdateFunctionCode20150331v2</c>),
    /// but not for other calls that share the prefix (<c>CreateFunctionUrlConfig</c>): the suffix starts with a digit.
    /// </summary>
    public static bool IsDeployEventName(string? eventName)
    {
        if (eventName is null)
        {
            return false;
        }

        foreach (var prefix in DeployEventPrefixes)
        {
            if (eventName.StartsWith(prefix, StringComparison.Ordinal)
                && (eventName.Length == prefix.Length || char.IsAsciiDigit(eventName[prefix.Length])))
            {
                return true;
            }
        }

        return false;
    }

    /// <summary>Every kind but CloudTrail API calls, which need <c>detail</c> (null for them); <paramref name="root"/> is only passed on.</summary>
    private static RoutedEvent? ClassifyByShape(EventShape shape, JsonElement root)
    {
        if (shape.ValueKind != JsonValueKind.Object)
        {
            return new RoutedEvent(EventKind.Unknown, $"a JSON {shape.ValueKind.ToString().ToLowerInvariant()}, not an object", null, root);
        }

        if (shape.DetailType == CloudTrailEvent.ApiCallDetailType)
        {
            return null;
        }

        if (shape.DetailType == "Scheduled Event" && shape.Source == "aws.events")
        {
            return new RoutedEvent(EventKind.Scheduled, "scheduled event", null, root);
        }

        if (shape.RequestType is { } requestType && shape.HasResponseUrl)
        {
            return new RoutedEvent(EventKind.CustomResource, $"CloudFormation custom resource {requestType}", null, root);
        }

        if (shape.HasHookTypeName || shape.HasActionInvocationPoint)
        {
            return new RoutedEvent(EventKind.Hook, $"CloudFormation hook {shape.ActionInvocationPoint ?? "request"}", null, root);
        }

        return new RoutedEvent(EventKind.Unknown, shape.DetailType is null ? "unknown event shape" : $"unknown event: {shape.Source}/{shape.DetailType}", null, root);
    }

    private ReadOnlyMemory<byte> Ignore(RoutedEvent routed)
    {
        _log.Info($"event ignored: {routed.Description}", new LogContext(EventId: routed.CloudTrail?.EventId, Outcome: Outcomes.Ignored));
        return Acknowledgement.Serialize(new Acknowledgement(Outcomes.Ignored, routed.Description, EventId: routed.CloudTrail?.EventId));
    }

    private static RoutedEvent ClassifyApiCall(JsonElement root, string? source)
    {
        CloudTrailEvent? cloudTrail;
        try
        {
            cloudTrail = root.Deserialize(FunctionJsonContext.Default.CloudTrailEvent);
        }
        catch (JsonException e)
        {
            return new RoutedEvent(EventKind.Unknown, $"malformed CloudTrail event: {e.Message.ReplaceLineEndings(" ")}", null, root);
        }

        var detail = cloudTrail?.Detail;
        var name = detail?.EventName ?? "(no eventName)";
        if (source != CloudTrailEvent.LambdaSource || detail is null)
        {
            return new RoutedEvent(EventKind.Unknown, $"CloudTrail event {name} from {source ?? "no source"}", cloudTrail, root);
        }

        if (!string.IsNullOrEmpty(detail.ErrorCode))
        {
            return new RoutedEvent(EventKind.FailedCall, $"{name} failed with {detail.ErrorCode}: nothing was deployed", cloudTrail, root);
        }

        return IsDeployEventName(detail.EventName)
            ? new RoutedEvent(EventKind.Deploy, name, cloudTrail, root)
            : new RoutedEvent(EventKind.OtherLambdaCall, $"{name} is not a deploy", cloudTrail, root);
    }
}

/// <summary>Acknowledges events whose handling belongs to a later change, so they are not retried meanwhile.</summary>
public sealed class NotHandledYet(GuardLog log) : IRouteHandler
{
    public Task<ReadOnlyMemory<byte>> HandleAsync(RoutedEvent routed, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(routed);
        log.Warn($"{routed.Description}: not handled yet; acknowledged", new LogContext(Outcome: Outcomes.NotHandled));
        return Task.FromResult(Acknowledgement.Serialize(new Acknowledgement(Outcomes.NotHandled, $"{routed.Description}: not handled yet")));
    }
}

/// <summary>The response to an event that was not (fully) checked: what happened and why.</summary>
public sealed record Acknowledgement(
    string Outcome,
    string Reason,
    [property: System.Text.Json.Serialization.JsonIgnore(Condition = System.Text.Json.Serialization.JsonIgnoreCondition.WhenWritingNull)] string? FunctionName = null,
    [property: System.Text.Json.Serialization.JsonIgnore(Condition = System.Text.Json.Serialization.JsonIgnoreCondition.WhenWritingNull)] string? EventId = null)
{
    public static ReadOnlyMemory<byte> Serialize(Acknowledgement acknowledgement) =>
        JsonSerializer.SerializeToUtf8Bytes(acknowledgement, FunctionJsonContext.Default.Acknowledgement);
}

/// <summary>The outcomes an invocation reports in logs and responses.</summary>
public static class Outcomes
{
    public const string Checked = "checked";
    public const string Ignored = "ignored";
    public const string Skipped = "skipped";
    public const string Stale = "stale";
    public const string NotFound = "not-found";
    public const string NotHandled = "not-handled";
}
