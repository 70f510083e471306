using Guard.Function.Logging;
using Guard.Inspection.Rules;

namespace Guard.Function.Alerts;

/// <summary>
/// One thing Guard tells people and systems, rendered once for every channel: a broken deploy, a sweep's find, an
/// account Guard cannot reach. A per-kind composer (<see cref="DeployAlertComposer"/>, <c>SweepAlertComposer</c>,
/// <see cref="AccountAlertComposer"/>) makes it; <see cref="AlertSender"/> hands it to every configured channel.
/// </summary>
/// <param name="Type">The document's <c>type</c>, e.g. <c>guard.deploy.broken</c>.</param>
/// <param name="Subject">One line under SNS's 100 characters (e-mail subject, Slack fallback text).</param>
/// <param name="Text">Plain text for e-mail and SNS's default.</param>
/// <param name="Chat">The AWS Chatbot custom notification; its content is also what Slack's webhook shows.</param>
/// <param name="Document">JSON for programs (SNS's SQS and Lambda subscribers).</param>
/// <param name="Attributes">SNS message attributes, for subscription filter policies.</param>
/// <param name="Log">How the sender's log lines name the alert.</param>
/// <param name="Link">The function in the console, when there is one.</param>
/// <param name="Verdict">The function's verdict behind the alert, for the channels that record verdicts (Security Hub, EventBridge).</param>
public sealed record Alert(
    string Type,
    string Subject,
    string Text,
    ChatbotNotification Chat,
    string Document,
    IReadOnlyDictionary<string, string> Attributes,
    LogContext Log,
    string? Link = null,
    FunctionVerdict? Verdict = null);

/// <summary>
/// A verdict on one function, as the systems security teams watch receive it: the EventBridge event's <c>detail</c>
/// (schemas/guard-verdict.schema.json) and the source of Security Hub findings.
/// </summary>
/// <param name="Verdict"><c>ok</c>, <c>broken</c> or <c>placeholder</c>.</param>
/// <param name="Origin"><see cref="DeployOrigin"/>, <see cref="ScanOrigin"/> or <see cref="PlaceholderSweepOrigin"/>.</param>
/// <param name="Findings">Every finding of the report (errors, warnings and notes).</param>
/// <param name="ObservedAt">When the code was deployed (the event's time), else when Guard judged it.</param>
/// <param name="Action">Rollback mode: <see cref="GuardAction.Kind"/>.</param>
/// <param name="SchemaVersion">Of the <c>detail</c> document; raised only when a field changes meaning or goes away.</param>
public sealed record FunctionVerdict(
    string FunctionArn,
    string FunctionName,
    string? Account,
    string? Region,
    string Verdict,
    string Origin,
    string Mode,
    string? Runtime,
    string? Architecture,
    string CodeSha256,
    IReadOnlyList<Finding> Findings,
    string? ObservedAt = null,
    string? EventId = null,
    string? EventName = null,
    string? DeployedBy = null,
    string? Action = null,
    string? ConsoleUrl = null,
    int SchemaVersion = 1)
{
    public const string DeployOrigin = "deploy";
    public const string ScanOrigin = "full-scan";
    public const string PlaceholderSweepOrigin = "placeholder-sweep";

    /// <summary>The problems the verdict stands on: its errors and warnings (notes are not problems).</summary>
    public IEnumerable<Finding> Problems() => Findings.Where(f => f.Severity != Severity.Info);
}
