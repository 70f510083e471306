namespace Guard.Aws.Notifications;

/// <summary>One SNS Publish (https://docs.aws.amazon.com/sns/latest/api/API_Publish.html).</summary>
/// <param name="Subject">E-mail subject and the <c>Subject</c> of JSON deliveries: under 100 characters, one line.</param>
/// <param name="MessageStructureJson">
/// When true, <paramref name="Message"/> is a JSON object of per-protocol messages and must have a
/// <c>default</c> string (SNS rejects it otherwise).
/// </param>
/// <param name="StringAttributes">Sent as <c>String</c> message attributes (filter policies match on them).</param>
public sealed record SnsPublishRequest(
    string TopicArn,
    string Message,
    string? Subject = null,
    bool MessageStructureJson = false,
    IReadOnlyDictionary<string, string>? StringAttributes = null);
