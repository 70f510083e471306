using System.Text.Json.Serialization;

namespace Guard.Function.Routing;

/// <summary>
/// An EventBridge "AWS API Call via CloudTrail" event (https://docs.aws.amazon.com/eventbridge/latest/ref/events-ref-lambda.html): the standard envelope around the
/// CloudTrail record in <see cref="Detail"/>. Only the members Guard reads are modelled.
/// </summary>
public sealed record CloudTrailEvent(
    [property: JsonPropertyName("id")] string? Id,
    [property: JsonPropertyName("detail-type")] string? DetailType,
    [property: JsonPropertyName("source")] string? Source,
    [property: JsonPropertyName("account")] string? Account,
    [property: JsonPropertyName("time")] string? Time,
    [property: JsonPropertyName("region")] string? Region,
    [property: JsonPropertyName("detail")] CloudTrailRecord? Detail)
{
    public const string ApiCallDetailType = "AWS API Call via CloudTrail";
    public const string LambdaSource = "aws.lambda";

    /// <summary>CloudTrail's eventID, else EventBridge's id: what log lines and alerts name the event by.</summary>
    [JsonIgnore]
    public string? EventId => Detail?.EventId ?? Id;
}

/// <summary>The CloudTrail record. Names as CloudTrail spells them (<c>eventID</c>, <c>recipientAccountId</c>).</summary>
public sealed record CloudTrailRecord(
    [property: JsonPropertyName("eventID")] string? EventId,
    [property: JsonPropertyName("eventName")] string? EventName,
    [property: JsonPropertyName("eventSource")] string? EventSource,
    [property: JsonPropertyName("eventTime")] string? EventTime,
    [property: JsonPropertyName("awsRegion")] string? AwsRegion,
    [property: JsonPropertyName("recipientAccountId")] string? RecipientAccountId,
    [property: JsonPropertyName("errorCode")] string? ErrorCode,
    [property: JsonPropertyName("errorMessage")] string? ErrorMessage,
    [property: JsonPropertyName("userIdentity")] UserIdentity? UserIdentity,
    [property: JsonPropertyName("requestParameters")] LambdaRequestParameters? RequestParameters,
    [property: JsonPropertyName("responseElements")] LambdaResponseElements? ResponseElements);

/// <summary>Who made the call; <c>invokedBy</c> names the AWS service (e.g. cloudformation.amazonaws.com) that made it for them.</summary>
/// <param name="SessionContext">Present for temporary credentials; for an assumed role it names the role behind the session.</param>
public sealed record UserIdentity(
    [property: JsonPropertyName("type")] string? Type,
    [property: JsonPropertyName("arn")] string? Arn,
    [property: JsonPropertyName("accountId")] string? AccountId,
    [property: JsonPropertyName("principalId")] string? PrincipalId,
    [property: JsonPropertyName("userName")] string? UserName,
    [property: JsonPropertyName("invokedBy")] string? InvokedBy,
    [property: JsonPropertyName("sessionContext"), JsonConverter(typeof(ObjectOrNullConverter<SessionContext>))] SessionContext? SessionContext);

public sealed record SessionContext(
    [property: JsonPropertyName("sessionIssuer"), JsonConverter(typeof(ObjectOrNullConverter<SessionIssuer>))] SessionIssuer? SessionIssuer);

/// <param name="Arn">For an assumed-role session, the role's ARN (with its path, which the session's own ARN drops).</param>
public sealed record SessionIssuer(
    [property: JsonPropertyName("arn")] string? Arn);

/// <param name="FunctionName">A name or an ARN (possibly qualified), as the caller gave it.</param>
/// <param name="S3Bucket">UpdateFunctionCode from S3 puts the source at the top level (https://docs.aws.amazon.com/lambda/latest/dg/logging-using-cloudtrail.html); absent for a ZipFile upload.</param>
/// <param name="Code">CreateFunction nests the source here instead: <c>{}</c> for a ZipFile create, or absent.</param>
public sealed record LambdaRequestParameters(
    [property: JsonPropertyName("functionName")] string? FunctionName,
    [property: JsonPropertyName("s3Bucket")] string? S3Bucket,
    [property: JsonPropertyName("s3Key")] string? S3Key,
    [property: JsonPropertyName("s3ObjectVersion")] string? S3ObjectVersion,
    [property: JsonPropertyName("code"), JsonConverter(typeof(ObjectOrNullConverter<FunctionCode>))] FunctionCode? Code);

/// <summary>CreateFunction's <c>Code</c> parameter (Lambda's FunctionCode), as CloudTrail records it: ZipFile is omitted.</summary>
public sealed record FunctionCode(
    [property: JsonPropertyName("s3Bucket")] string? S3Bucket,
    [property: JsonPropertyName("s3Key")] string? S3Key,
    [property: JsonPropertyName("s3ObjectVersion")] string? S3ObjectVersion);

/// <summary>The function's configuration after the call (camelCase FunctionConfiguration).</summary>
/// <param name="FunctionArn">Qualified with the version when the call published one (PublishVersion, or <c>publish: true</c>).</param>
/// <param name="Version">What the call left: <c>$LATEST</c>, or the version PublishVersion made (<c>3</c>, <c>$LATEST.PUBLISHED</c>).</param>
public sealed record LambdaResponseElements(
    [property: JsonPropertyName("functionName")] string? FunctionName,
    [property: JsonPropertyName("functionArn")] string? FunctionArn,
    [property: JsonPropertyName("codeSha256")] string? CodeSha256,
    [property: JsonPropertyName("runtime")] string? Runtime,
    [property: JsonPropertyName("revisionId")] string? RevisionId,
    [property: JsonPropertyName("version")] string? Version = null);
