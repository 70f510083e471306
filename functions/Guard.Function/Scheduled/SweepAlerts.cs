using System.Globalization;
using System.Text;
using System.Text.Json;
using Guard.Aws.Lambda;
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

    public string ConsoleUrl => AlertText.ConsoleUrl(Function.FunctionName, Region);

    /// <summary>One line: what is wrong.</summary>
    public string Summary => Type == OverduePlaceholderType
        ? $"{Function.FunctionName} is still a placeholder after {PendingMinutes} minutes"
        : $"{Function.FunctionName} will not start: {Report?.LeadingFinding?.Message ?? "see the findings"}";

    private string? ArnPart(int index) => AlertText.ArnPart(Function.FunctionArn, index);
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

/// <summary>Makes the <see cref="Alert"/> for a <see cref="SweepAlert"/>, worded as a deploy alert is where the two meet.</summary>
public static class SweepAlertComposer
{
    public static Alert Compose(SweepAlert alert)
    {
        ArgumentNullException.ThrowIfNull(alert);
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

        var verdict = Verdict(alert);
        return new Alert(
            alert.Type,
            Subject(alert),
            PlainText(alert),
            Chatbot(alert),
            JsonSerializer.Serialize(Document(alert), FunctionJsonContext.Default.SweepAlertDocument),
            attributes,
            new LogContext(alert.Function.FunctionName, Verdict: verdict.Verdict, Findings: [.. verdict.Findings.Select(f => f.Code)], Outcome: Routing.Outcomes.Checked),
            alert.ConsoleUrl,
            verdict);
    }

    /// <summary>Under SNS's 100 characters: the broken subject matches a deploy alert's; the other names the wait.</summary>
    public static string Subject(SweepAlert alert)
    {
        ArgumentNullException.ThrowIfNull(alert);
        return alert.Type != SweepAlert.OverduePlaceholderType
            ? DeployAlertComposer.Subject(alert.Function.FunctionName, alert.Report?.LeadingFinding?.Code)
            : AlertText.Subject("Guard: ", alert.Function.FunctionName, $" still a placeholder after {alert.PendingMinutes} min");
    }

    /// <summary>The function's verdict as the sweep found it: the scan's report, or a placeholder still waiting for its code.</summary>
    public static FunctionVerdict Verdict(SweepAlert alert)
    {
        ArgumentNullException.ThrowIfNull(alert);
        var function = alert.Function;
        return new FunctionVerdict(
            function.FunctionArn,
            function.FunctionName,
            alert.Account,
            alert.Region,
            alert.Report is { } report ? VerdictNames.Of(report.Verdict) : "placeholder",
            alert.Type == SweepAlert.OverduePlaceholderType ? FunctionVerdict.PlaceholderSweepOrigin : FunctionVerdict.ScanOrigin,
            alert.Mode.ToName(),
            alert.Report?.Runtime ?? function.Runtime,
            alert.Report?.Architecture ?? (function.Architectures.Count > 0 ? function.Architectures[0] : null),
            function.CodeSha256,
            alert.Report?.Findings ?? [],
            alert.Pending?.EventTime,
            EventName: alert.Pending?.EventName,
            DeployedBy: alert.Pending?.DeployedBy,
            ConsoleUrl: alert.ConsoleUrl);
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

        AlertText.AppendFunction(text, function, function.Runtime ?? "unknown", alert.Account, alert.Region);
        if (alert.Report is { } report)
        {
            AlertText.AppendFindings(text, report.Findings);
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

        AlertText.AppendMarkdown(description, alert.Report?.Findings ?? []);
        var title = alert.Report is null
            ? $":hourglass: {function.FunctionName} is still a placeholder"
            : $":rotating_light: {function.FunctionName} will not start" + (alert.Report.LeadingFinding is { } leading ? $": {leading.Code}" : string.Empty);
        return new ChatbotNotification(
            ChatbotNotification.SchemaVersion,
            ChatbotNotification.CustomSource,
            $"{alert.Type}:{function.FunctionArn}:{function.CodeSha256}",
            new ChatbotContent(ChatbotContent.ClientMarkdown, title, AlertText.Truncate(description.ToString(), AlertText.MaxChatDescriptionLength), [$"Open the function: {alert.ConsoleUrl}"], ["guard", alert.Type]),
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
}
