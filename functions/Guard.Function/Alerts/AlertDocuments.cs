using System.Text.Json.Serialization;
using Guard.Inspection.Reporting;

namespace Guard.Function.Alerts;

/// <summary>
/// SNS <c>MessageStructure=json</c>: one message per subscriber protocol (https://docs.aws.amazon.com/sns/latest/api/API_Publish.html). SNS requires
/// <c>default</c>; the others override it for their protocol.
/// </summary>
public sealed record SnsMessageStructure(
    [property: JsonPropertyName("default")] string Default,
    [property: JsonPropertyName("email")] string Email,
    [property: JsonPropertyName("https")] string Https,
    [property: JsonPropertyName("sqs")] string Sqs,
    [property: JsonPropertyName("lambda")] string Lambda);

/// <summary>
/// The AWS Chatbot (Amazon Q Developer in chat applications) custom notification (https://docs.aws.amazon.com/chatbot/latest/adminguide/custom-notifs.html):
/// <c>version</c> must be "1.0", <c>source</c> must be "custom".
/// </summary>
public sealed record ChatbotNotification(
    [property: JsonPropertyName("version")] string Version,
    [property: JsonPropertyName("source")] string Source,
    [property: JsonPropertyName("id")] string Id,
    [property: JsonPropertyName("content")] ChatbotContent Content,
    [property: JsonPropertyName("metadata")] ChatbotMetadata Metadata)
{
    public const string SchemaVersion = "1.0";
    public const string CustomSource = "custom";
}

/// <param name="TextType">Only <c>client-markdown</c> is supported.</param>
public sealed record ChatbotContent(
    [property: JsonPropertyName("textType")] string TextType,
    [property: JsonPropertyName("title")] string Title,
    [property: JsonPropertyName("description")] string Description,
    [property: JsonPropertyName("nextSteps")] IReadOnlyList<string> NextSteps,
    [property: JsonPropertyName("keywords")] IReadOnlyList<string> Keywords)
{
    public const string ClientMarkdown = "client-markdown";
}

/// <param name="ThreadId">The function ARN: every alert about one function lands in one chat thread.</param>
public sealed record ChatbotMetadata(
    [property: JsonPropertyName("threadId")] string ThreadId,
    [property: JsonPropertyName("summary")] string Summary,
    [property: JsonPropertyName("eventType")] string EventType,
    [property: JsonPropertyName("relatedResources")] IReadOnlyList<string> RelatedResources,
    [property: JsonPropertyName("additionalContext")] IReadOnlyDictionary<string, string> AdditionalContext);

/// <summary>
/// What SQS and Lambda subscribers receive: the full report with the function and the deploy it judged, so
/// a program can act on it without another call.
/// </summary>
/// <param name="Action">What Guard did in rollback mode (kind, summary, restored digest); null in alert mode.</param>
/// <param name="LambdaSays">Lambda's own verdict when it failed the function, the version or the update: "{reason code}: {reason}", bounded.</param>
public sealed record AlertDocument(
    int SchemaVersion,
    string Type,
    string FunctionName,
    string FunctionArn,
    string? Account,
    string? Region,
    string? EventId,
    string? EventName,
    string? EventTime,
    Deployer DeployedBy,
    string Mode,
    string CodeSha256,
    string? RevisionId,
    string ConsoleUrl,
    Report Report,
    GuardAction? Action = null,
    string? AccountAlias = null,
    string? LambdaSays = null)
{
    public const string BrokenDeployType = "guard.deploy.broken";

    /// <summary>Lambda failed the deploy though Guard's verdict on its code is not broken (<see cref="LambdaSays"/> says why).</summary>
    public const string LambdaFailedDeployType = "guard.deploy.lambda-failed";
}

/// <summary>Who made the deploy call (CloudTrail <c>userIdentity</c>).</summary>
public sealed record Deployer(string? Arn, string? Type, string? InvokedBy)
{
    public string Describe() =>
        (Arn ?? "an unknown principal") + (Type is null ? string.Empty : $" ({Type})") + (InvokedBy is null ? string.Empty : $" via {InvokedBy}");
}

/// <summary>A Slack incoming-webhook message: <c>text</c> is the notification fallback, <c>blocks</c> the layout.</summary>
public sealed record SlackMessage(
    [property: JsonPropertyName("text")] string Text,
    [property: JsonPropertyName("blocks")] IReadOnlyList<SlackBlock> Blocks);

/// <summary>A Block Kit block: <c>header</c> and <c>section</c> carry <see cref="Text"/>, <c>context</c> carries <see cref="Elements"/>.</summary>
public sealed record SlackBlock(
    [property: JsonPropertyName("type")] string Type,
    [property: JsonPropertyName("text"), JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] SlackText? Text = null,
    [property: JsonPropertyName("elements"), JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] IReadOnlyList<SlackText>? Elements = null);

/// <param name="Type"><c>plain_text</c> or <c>mrkdwn</c>.</param>
public sealed record SlackText(
    [property: JsonPropertyName("type")] string Type,
    [property: JsonPropertyName("text")] string Text);
