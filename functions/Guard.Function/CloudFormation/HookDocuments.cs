using System.Text.Json;
using System.Text.Json.Serialization;

namespace Guard.Function.CloudFormation;

/// <summary>
/// A CloudFormation Lambda hook invocation for a resource operation (https://docs.aws.amazon.com/cloudformation-cli/latest/hooks-userguide/lambda-hooks-create-lambda-function.html). Every member optional:
/// a request Guard cannot read still gets an answer.
/// </summary>
/// <param name="ActionInvocationPoint"><c>CREATE_PRE_PROVISION</c>, <c>UPDATE_PRE_PROVISION</c> or <c>DELETE_PRE_PROVISION</c>.</param>
/// <param name="ClientRequestToken">Not in the documented input shape, but carried by every request and echoed in the answer.</param>
public sealed record HookRequest(
    string? AwsAccountId,
    string? StackId,
    string? ChangeSetId,
    string? HookTypeName,
    string? HookTypeVersion,
    HookModel? HookModel,
    string? ActionInvocationPoint,
    HookRequestData? RequestData,
    HookRequestContext? RequestContext,
    string? ClientRequestToken)
{
    public const string CreatePreProvision = "CREATE_PRE_PROVISION";
    public const string UpdatePreProvision = "UPDATE_PRE_PROVISION";
}

public sealed record HookModel([property: JsonPropertyName("LambdaFunction")] string? LambdaFunction);

/// <param name="TargetName">The resource type, e.g. <c>AWS::Lambda::Function</c>; <c>CHANGE_SET</c> or <c>STACK</c> for those targets.</param>
/// <param name="TargetType">The same for CloudFormation; <c>RESOURCE</c> for Cloud Control; <c>CHANGE_SET</c> or <c>STACK</c>.</param>
/// <param name="TargetLogicalId">The template's logical id (Cloud Control constructs one); the change set's ARN for a change set.</param>
/// <param name="Payload">
/// Change set and stack targets only: an S3 presigned URL to the <see cref="ChangeSetPayload"/>. A credential: it is
/// fetched, never logged or echoed.
/// </param>
public sealed record HookRequestData(
    string? TargetName,
    string? TargetType,
    string? TargetLogicalId,
    HookTargetModel? TargetModel,
    string? Payload = null)
{
    public const string ChangeSet = "CHANGE_SET";

    /// <summary>What <see cref="TargetType"/> says for a resource Cloud Control API provisions.</summary>
    public const string CloudControlResource = "RESOURCE";

    // The URL must not reach a log through a record's generated ToString.
    public override string ToString() => $"{TargetType} {TargetName} {TargetLogicalId}";
}

/// <summary>
/// What a change set hook's <c>requestData.payload</c> URL serves (same page, "Evaluating change set operations"): the
/// changes the set would make. The template it also carries is not read.
/// </summary>
public sealed record ChangeSetPayload(IReadOnlyList<ChangedResource>? ChangedResources);

/// <summary>One resource the change set changes.</summary>
/// <param name="Action"><c>CREATE</c>, <c>UPDATE</c> or <c>DELETE</c>.</param>
/// <param name="BeforeContext">
/// <c>{"Properties":{…}}</c> before the change, as a JSON string (null on create); every number and boolean in it is a
/// string. Read as an element so that an object is taken as well.
/// </param>
/// <param name="AfterContext">The same after the change (null on delete).</param>
public sealed record ChangedResource(
    string? Action,
    JsonElement BeforeContext,
    JsonElement AfterContext,
    int? LineNumber,
    string? LogicalResourceId,
    string? ResourceType)
{
    public const string Create = "CREATE";
    public const string Update = "UPDATE";
}

/// <param name="ResourceProperties">The proposed properties; empty on delete.</param>
/// <param name="PreviousResourceProperties">The current properties; empty on create.</param>
public sealed record HookTargetModel(JsonElement ResourceProperties, JsonElement PreviousResourceProperties);

/// <param name="Invocation">1 for the first call; counts up when an answer was <c>IN_PROGRESS</c>.</param>
/// <param name="CallbackContext">What the previous <c>IN_PROGRESS</c> answer carried.</param>
public sealed record HookRequestContext(int Invocation, JsonElement CallbackContext);

/// <summary>The hook's answer (same page): the Lambda's response body.</summary>
/// <param name="HookStatus"><c>SUCCESS</c>, <c>FAILED</c> or <c>IN_PROGRESS</c>.</param>
/// <param name="ErrorCode">Required when FAILED: <c>NonCompliant</c> or <c>InternalFailure</c>.</param>
/// <param name="Message">Shown in the stack's events; CloudFormation truncates it to 4096 characters, Cloud Control to 1024.</param>
public sealed record HookResponse(
    string HookStatus,
    [property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] string? ErrorCode,
    [property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] string? Message,
    string ClientRequestToken,
    [property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] HookCallbackContext? CallbackContext = null,
    [property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] int? CallbackDelaySeconds = null,
    [property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] IReadOnlyList<HookAnnotation>? Annotations = null)
{
    public const string Success = "SUCCESS";
    public const string Failed = "FAILED";
    public const string InProgress = "IN_PROGRESS";
    public const string NonCompliant = "NonCompliant";
    public const string InternalFailure = "InternalFailure";

    /// <summary>CloudFormation keeps 4096 characters of the message.</summary>
    public const int MaxMessageChars = 4096;
}

/// <summary>What an <c>IN_PROGRESS</c> answer hands the next invocation.</summary>
/// <param name="Retry">Why the check is tried again.</param>
/// <param name="Passed">
/// Change sets: the logical ids of functions already judged able to start, which the next invocation does not read
/// again, so that a set too large for one invocation's budget is judged over several.
/// </param>
public sealed record HookCallbackContext(
    string Retry,
    [property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] IReadOnlyList<string>? Passed = null);

/// <summary>One line of the hook's report in the console.</summary>
/// <param name="Status"><c>PASSED</c>, <c>FAILED</c> or <c>SKIPPED</c>.</param>
/// <param name="SeverityLevel"><c>INFORMATIONAL</c>, <c>LOW</c>, <c>MEDIUM</c>, <c>HIGH</c> or <c>CRITICAL</c>.</param>
public sealed record HookAnnotation(
    string AnnotationName,
    string Status,
    string StatusMessage,
    [property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] string? RemediationMessage = null,
    [property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] string? RemediationLink = null,
    [property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] string? SeverityLevel = null);
