using System.Globalization;
using System.Text;
using System.Text.Json;
using Guard.Aws.Lambda;
using Guard.Aws.Notifications;
using Guard.Aws.Store;
using Guard.Function.Alerts;
using Guard.Function.Logging;
using Guard.Inspection.Reporting;

namespace Guard.Function.Scheduled;

/// <summary>
/// A problem a scheduled sweep found: a placeholder left past its grace period, or a function the full scan
/// judged broken. Unlike a <see cref="DeployAlert"/> there is no deploy event behind it; a pending record
/// says which deploy left the placeholder.
/// </summary>
/// <param name="Pending">The placeholder's pending record (who deployed it, when); null for the full scan.</param>
/// <param name="PendingMinutes">How long the placeholder has stayed; null for the full scan.</param>
/// <param name="Report">The full scan's verdict; null for a placeholder.</param>
public sealed record SweepAlert(string Type, FunctionConfiguration Function, GuardMode Mode, DeployRecord? Pending = null, int? PendingMinutes = null, Report? Report = null)
{
    public const string OverduePlaceholderType = "guard.placeholder.overdue";
    public const string ScanBrokenType = "guard.scan.broken";

    public string? Region => ArnPart(3);

    public string? Account => ArnPart(4);

    public string ConsoleUrl
    {
        get
        {
            var region = Region ?? "us-east-1";
            return $"https://{region}.console.aws.amazon.com/lambda/home?region={region}#/functions/{Uri.EscapeDataString(Function.FunctionName)}";
        }
    }

    /// <summary>One line: what is wrong.</summary>
    public string Summary => Type == OverduePlaceholderType
        ? $"{Function.FunctionName} is still a placeholder after {PendingMinutes} minutes"
        : $"{Function.FunctionName} will not start: {Report?.LeadingFinding?.Message ?? "see the findings"}";

    private string? ArnPart(int index)
    {
        var parts = Function.FunctionArn.Split(':');
        return parts.Length > index && parts[index].Length > 0 ? parts[index] : null;
    }
}

/// <summary>What SQS and Lambda subscribers receive for a <see cref="SweepAlert"/>.</summary>
public sealed record SweepAlertDocument(
    int SchemaVersion,
    string Type,
    string FunctionName,
    string FunctionArn,
    string? Account,
    string? Region,
    string Mode,
    string CodeSha256,
    string Summary,
    string ConsoleUrl,
    int? PendingMinutes,
    string? DeployedBy,
    string? DeployedAt,
    string? DeployEventName,
    Report? Report);

/// <summary>Renders a <see cref="SweepAlert"/> for every SNS subscriber protocol and for Slack, as <see cref="AlertComposer"/> does for deploys.</summary>
public static class SweepAlertComposer
{
    public static SnsPublishRequest ComposeSns(SweepAlert alert, string topicArn)
    {
        ArgumentNullException.ThrowIfNull(alert);
        ArgumentException.ThrowIfNullOrEmpty(topicArn);
        var attributes = new Dictionary<string, string>(StringComparer.Ordinal)
        {
            ["guard.verdict"] = alert.Report is null ? "placeholder" : "broken",
            ["guard.function"] = alert.Function.FunctionName,
            ["guard.sweep"] = alert.Type,
        };
        if (alert.Report?.LeadingFinding is { } leading)
        {
            attributes["guard.finding"] = leading.Code;
        }

        return AlertComposer.SnsRequest(
            topicArn,
            Subject(alert),
            PlainText(alert),
            JsonSerializer.Serialize(Chatbot(alert), FunctionJsonContext.Default.ChatbotNotification),
            JsonSerializer.Serialize(Document(alert), FunctionJsonContext.Default.SweepAlertDocument),
            attributes);
    }

    /// <summary>Under SNS's 100 characters: the broken subject matches a deploy alert's; the other names the wait.</summary>
    public static string Subject(SweepAlert alert)
    {
        ArgumentNullException.ThrowIfNull(alert);
        if (alert.Type != SweepAlert.OverduePlaceholderType)
        {
            return AlertComposer.Subject(alert.Function.FunctionName, alert.Report?.LeadingFinding?.Code);
        }

        const string Prefix = "Guard: ";
        var suffix = $" still a placeholder after {alert.PendingMinutes} min";
        var room = AlertComposer.MaxSubjectLength - Prefix.Length - suffix.Length;
        var name = OneLine(alert.Function.FunctionName);
        return Prefix + (name.Length <= room ? name : name[..(room - 1)] + "…") + suffix;
    }

    public static string PlainText(SweepAlert alert)
    {
        ArgumentNullException.ThrowIfNull(alert);
        var function = alert.Function;
        var text = new StringBuilder();
        if (alert.Pending is { } pending)
        {
            text.Append(CultureInfo.InvariantCulture, $"Guard: {function.FunctionName} is still a placeholder after {alert.PendingMinutes} minutes.\n\n");
            text.Append("Its code is a placeholder package, and no real code has replaced it within the grace period (GUARD_PLACEHOLDER_GRACE_MINUTES). ");
            text.Append("Invocations run the placeholder, not the application: deploy the real code, or delete the function if it is no longer wanted.\n\n");
            text.Append(CultureInfo.InvariantCulture, $"Deployed by: {pending.DeployedBy ?? "unknown"}\n");
            text.Append(CultureInfo.InvariantCulture, $"When:        {pending.EventTime ?? pending.CheckedAt} ({pending.EventName ?? "unknown call"})\n");
        }
        else
        {
            text.Append(CultureInfo.InvariantCulture, $"Guard: {function.FunctionName} will not start (found by the scheduled full scan).\n\n");
        }

        text.Append(CultureInfo.InvariantCulture, $"Function:    {function.FunctionArn}\n");
        text.Append(CultureInfo.InvariantCulture, $"Runtime:     {function.Runtime ?? "unknown"}\n");
        text.Append(CultureInfo.InvariantCulture, $"Account:     {alert.Account ?? "unknown"}, region {alert.Region ?? "unknown"}\n");
        text.Append(CultureInfo.InvariantCulture, $"Code:        CodeSha256 {function.CodeSha256} ({function.CodeSize.ToString("N0", CultureInfo.InvariantCulture)} bytes)\n");
        if (alert.Report is { } report)
        {
            text.Append("\nFindings:\n");
            var number = 1;
            foreach (var finding in report.Findings)
            {
                text.Append(CultureInfo.InvariantCulture, $"{number++}. [{finding.Severity.ToString().ToLowerInvariant()}] {finding.Code}: {finding.Message}\n");
                if (finding.Hint is { } hint)
                {
                    text.Append(CultureInfo.InvariantCulture, $"   Fix: {hint}\n");
                }
            }
        }

        text.Append(CultureInfo.InvariantCulture, $"\nOpen in the console: {alert.ConsoleUrl}\n");
        text.Append("Guard alerts once about this code; the next deploy is checked as usual.\n");
        return text.ToString();
    }

    public static ChatbotNotification Chatbot(SweepAlert alert)
    {
        ArgumentNullException.ThrowIfNull(alert);
        var function = alert.Function;
        var description = new StringBuilder();
        if (alert.Pending is { } pending)
        {
            description.Append(CultureInfo.InvariantCulture, $"Placeholder code deployed by {pending.DeployedBy ?? "an unknown principal"} at {pending.EventTime ?? pending.CheckedAt} has not been replaced.");
        }

        foreach (var finding in alert.Report?.Findings ?? [])
        {
            description.Append(CultureInfo.InvariantCulture, $"*{finding.Code}*: {finding.Message}\n");
        }

        var title = alert.Report is null
            ? $":hourglass: {function.FunctionName} is still a placeholder"
            : $":rotating_light: {function.FunctionName} will not start" + (alert.Report.LeadingFinding is { } leading ? $": {leading.Code}" : string.Empty);
        return new ChatbotNotification(
            ChatbotNotification.SchemaVersion,
            ChatbotNotification.CustomSource,
            $"{alert.Type}:{function.FunctionArn}:{function.CodeSha256}",
            new ChatbotContent(ChatbotContent.ClientMarkdown, title, description.ToString(), [$"Open the function: {alert.ConsoleUrl}"], ["guard", alert.Type]),
            new ChatbotMetadata(
                ThreadId: function.FunctionArn,
                Summary: alert.Summary,
                EventType: alert.Report is null ? "GuardPlaceholderOverdue" : "GuardScanBroken",
                RelatedResources: [function.FunctionArn],
                AdditionalContext: new Dictionary<string, string>(StringComparer.Ordinal)
                {
                    ["functionName"] = function.FunctionName,
                    ["codeSha256"] = function.CodeSha256,
                    ["account"] = alert.Account ?? "unknown",
                    ["region"] = alert.Region ?? "unknown",
                }));
    }

    public static SweepAlertDocument Document(SweepAlert alert)
    {
        ArgumentNullException.ThrowIfNull(alert);
        return new SweepAlertDocument(
            1,
            alert.Type,
            alert.Function.FunctionName,
            alert.Function.FunctionArn,
            alert.Account,
            alert.Region,
            alert.Mode.ToName(),
            alert.Function.CodeSha256,
            alert.Summary,
            alert.ConsoleUrl,
            alert.PendingMinutes,
            alert.Pending?.DeployedBy,
            alert.Pending?.EventTime,
            alert.Pending?.EventName,
            alert.Report);
    }

    public static SlackMessage Slack(SweepAlert alert)
    {
        ArgumentNullException.ThrowIfNull(alert);
        var text = PlainText(alert);
        return new SlackMessage(Subject(alert),
        [
            new SlackBlock("section", new SlackText("mrkdwn", text.Length <= 3000 ? text : text[..2999] + "…")),
        ]);
    }

    private static string OneLine(string text) => string.Create(text.Length, text, (span, source) =>
    {
        for (var i = 0; i < source.Length; i++)
        {
            span[i] = char.IsControl(source[i]) ? ' ' : source[i];
        }
    });
}

/// <summary>
/// Sends a <see cref="SweepAlert"/> as <see cref="AlertSender"/> sends deploy alerts: SNS (a failure propagates,
/// so the run is retried), then the optional Slack webhook (a failure is logged only).
/// </summary>
public sealed class SweepAlertSender(ISnsPublisher? sns, string? topicArn, ISlackPoster? slack, GuardLog log)
{
    /// <returns>How many alerts went out.</returns>
    public async Task<int> SendAsync(SweepAlert alert, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(alert);
        var context = new LogContext(alert.Function.FunctionName, Outcome: Routing.Outcomes.Checked);
        var sent = 0;
        if (sns is not null && !string.IsNullOrEmpty(topicArn))
        {
            var messageId = await sns.PublishAsync(SweepAlertComposer.ComposeSns(alert, topicArn), cancellationToken).ConfigureAwait(false);
            log.Info($"{alert.Type} alert published to SNS (MessageId {messageId})", context);
            sent++;
        }

        if (slack is not null && await slack.PostAsync(SweepAlertComposer.Slack(alert), cancellationToken).ConfigureAwait(false))
        {
            sent++;
        }

        if (sent == 0)
        {
            log.Warn($"{alert.Summary}, but no alert channel is configured (GUARD_TOPIC_ARN, GUARD_SLACK_WEBHOOK_PARAMETER)", context);
        }

        return sent;
    }
}
