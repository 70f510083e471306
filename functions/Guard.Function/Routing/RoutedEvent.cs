using System.Text.Json;

namespace Guard.Function.Routing;

/// <summary>What an event is, told by its shape.</summary>
public enum EventKind
{
    /// <summary>CreateFunction*, UpdateFunctionCode*, UpdateFunctionConfiguration* or PublishVersion* that succeeded.</summary>
    Deploy,

    /// <summary>A Lambda API call Guard does not check (TagResource, AddPermission, …).</summary>
    OtherLambdaCall,

    /// <summary>A Lambda API call that failed (<c>detail.errorCode</c> set): nothing changed.</summary>
    FailedCall,

    /// <summary>A CloudFormation custom resource request (<c>RequestType</c> + <c>ResponseURL</c>).</summary>
    CustomResource,

    /// <summary>A CloudFormation Lambda hook request (<c>hookTypeName</c> / <c>actionInvocationPoint</c>).</summary>
    Hook,

    /// <summary>An EventBridge scheduled event (the placeholder sweep).</summary>
    Scheduled,

    /// <summary>Valid JSON of a shape Guard does not know.</summary>
    Unknown,

    /// <summary>Not JSON at all.</summary>
    Malformed,
}

/// <summary>An event after routing: its kind, and for deploys the parsed CloudTrail event.</summary>
/// <param name="Description">Short, for the log: e.g. the event name or why it was not recognised.</param>
/// <param name="Root">The whole payload (valid while the router handles it), for handlers of other kinds.</param>
public sealed record RoutedEvent(EventKind Kind, string Description, CloudTrailEvent? CloudTrail, JsonElement Root)
{
    /// <summary>
    /// Lambda's deadline for the invocation (<see cref="DateTimeOffset.MaxValue"/> when there is none): handlers whose
    /// caller waits on an answer with a clock of its own (CloudFormation) answer before it rather than be cut off.
    /// </summary>
    public DateTimeOffset DeadlineUtc { get; init; } = DateTimeOffset.MaxValue;
}
