using System.Globalization;
using System.Text;
using System.Text.Json;
using Guard.Aws.Lambda;
using Guard.Aws.Notifications;
using Guard.Function.Routing;
using Guard.Inspection.Reporting;
using Guard.Inspection.Rules;

namespace Guard.Function.Alerts;

/// <summary>A broken deploy to tell people about: the verdict, the function as it was deployed, the call that deployed it, and what Guard did.</summary>
/// <param name="Action">Rollback mode's action (rolled back, quarantined, left alone, …); null in alert mode.</param>
/// <param name="AccountAlias">The account's IAM alias (Organization mode, member accounts), when it has one.</param>
public sealed record DeployAlert(Report Report, FunctionConfiguration Function, CloudTrailEvent Event, GuardMode Mode, GuardAction? Action = null, string? AccountAlias = null)
{
    public Deployer DeployedBy => new(Event.Detail?.UserIdentity?.Arn ?? Event.Detail?.UserIdentity?.PrincipalId, Event.Detail?.UserIdentity?.Type, Event.Detail?.UserIdentity?.InvokedBy);

    /// <summary>From the function's ARN (arn:partition:lambda:region:account:function:name), else the event's.</summary>
    public string? Region => ArnPart(3) ?? Event.Region ?? Event.Detail?.AwsRegion;

    public string? Account => ArnPart(4) ?? Event.Account ?? Event.Detail?.RecipientAccountId;

    public string ConsoleUrl
    {
        get
        {
            var region = Region ?? "us-east-1";
            return $"https://{region}.console.aws.amazon.com/lambda/home?region={region}#/functions/{Uri.EscapeDataString(Function.FunctionName)}";
        }
    }

    private string? ArnPart(int index)
    {
        var parts = Function.FunctionArn.Split(':');
        return parts.Length > index && parts[index].Length > 0 ? parts[index] : null;
    }
}

/// <summary>
/// Renders one broken deploy for every subscriber: plain text (email, default), the Chatbot custom
/// notification (https: Slack or Teams through AWS Chatbot), the full JSON report (SQS, Lambda), and a
/// Slack Block Kit message for a direct webhook.
/// </summary>
public static class AlertComposer
{
    /// <summary>SNS: "less than 100 characters long".</summary>
    public const int MaxSubjectLength = 99;

    /// <summary>Slack refuses a section text over 3000 characters and a header over 150.</summary>
    private const int MaxSlackSectionLength = 3000;
    private const int MaxSlackHeaderLength = 150;

    /// <summary>Chatbot documents no limit; kept well inside SNS's 256 KB and what a chat message shows.</summary>
    private const int MaxChatDescriptionLength = 3500;

    public static SnsPublishRequest ComposeSns(DeployAlert alert, string topicArn)
    {
        ArgumentNullException.ThrowIfNull(alert);
        ArgumentException.ThrowIfNullOrEmpty(topicArn);
        var attributes = new Dictionary<string, string>(StringComparer.Ordinal)
        {
            ["guard.verdict"] = VerdictNames.Of(alert.Report.Verdict),
            ["guard.function"] = alert.Function.FunctionName,
        };
        if (alert.Report.LeadingFinding is { } leading)
        {
            attributes["guard.finding"] = leading.Code;
        }

        if (alert.Action is { } action)
        {
            attributes["guard.action"] = action.Kind;
        }

        return SnsRequest(
            topicArn,
            Subject(alert),
            PlainText(alert),
            JsonSerializer.Serialize(Chatbot(alert), FunctionJsonContext.Default.ChatbotNotification),
            JsonSerializer.Serialize(Document(alert), FunctionJsonContext.Default.AlertDocument),
            attributes);
    }

    /// <summary>
    /// One Publish with a form per subscriber protocol (MessageStructure=json): plain text for e-mail and the
    /// default, the Chatbot custom notification for https (Slack through Chatbot), the JSON document for SQS and Lambda.
    /// </summary>
    internal static SnsPublishRequest SnsRequest(
        string topicArn, string subject, string text, string chatbotJson, string document, IReadOnlyDictionary<string, string> attributes)
    {
        var structure = new SnsMessageStructure(Default: text, Email: text, Https: chatbotJson, Sqs: document, Lambda: document);
        return new SnsPublishRequest(
            topicArn,
            JsonSerializer.Serialize(structure, FunctionJsonContext.Default.SnsMessageStructure),
            subject,
            MessageStructureJson: true,
            attributes);
    }

    /// <summary>
    /// "Guard: {function} will not start ({code})", under 100 characters and on one line: the function
    /// name is shortened (with …) when it does not fit, never the finding code.
    /// </summary>
    public static string Subject(string functionName, string? findingCode)
    {
        ArgumentNullException.ThrowIfNull(functionName);
        const string Prefix = "Guard: ";
        var suffix = findingCode is null ? " will not start" : $" will not start ({OneLine(findingCode)})";
        if (Prefix.Length + suffix.Length + 8 > MaxSubjectLength)
        {
            suffix = Truncate(suffix, MaxSubjectLength - Prefix.Length - 8);
        }

        var room = MaxSubjectLength - Prefix.Length - suffix.Length;
        return Prefix + Truncate(OneLine(functionName), room) + suffix;
    }

    /// <summary>The broken-deploy subject, or "Guard rolled back {function} ({code})" when Guard put good code back.</summary>
    public static string Subject(DeployAlert alert)
    {
        ArgumentNullException.ThrowIfNull(alert);
        if (alert.Action is not { Restored: true })
        {
            return Subject(alert.Function.FunctionName, alert.Report.LeadingFinding?.Code);
        }

        const string Prefix = "Guard rolled back ";
        var suffix = alert.Report.LeadingFinding?.Code is { } code ? $" ({OneLine(code)})" : string.Empty;
        suffix = Truncate(suffix, MaxSubjectLength - Prefix.Length - 8);
        return Prefix + Truncate(OneLine(alert.Function.FunctionName), MaxSubjectLength - Prefix.Length - suffix.Length) + suffix;
    }

    public static string PlainText(DeployAlert alert)
    {
        ArgumentNullException.ThrowIfNull(alert);
        var report = alert.Report;
        var function = alert.Function;
        var detail = alert.Event.Detail;
        var text = new StringBuilder();
        text.Append(CultureInfo.InvariantCulture, $"Guard: {function.FunctionName} will not start. Verdict: {VerdictNames.Of(report.Verdict)}.\n\n");
        if (alert.Action is { } action)
        {
            text.Append(CultureInfo.InvariantCulture, $"What Guard did ({action.Kind}): {action.Summary}\n\n");
        }

        text.Append(CultureInfo.InvariantCulture, $"Function:    {function.FunctionArn}\n");
        text.Append(CultureInfo.InvariantCulture, $"Runtime:     {report.Runtime} on {report.Architecture}\n");
        text.Append(CultureInfo.InvariantCulture, $"Deployed by: {alert.DeployedBy.Describe()}\n");
        text.Append(CultureInfo.InvariantCulture, $"When:        {detail?.EventTime ?? alert.Event.Time ?? "unknown"} ({detail?.EventName ?? "unknown call"})\n");
        text.Append(CultureInfo.InvariantCulture, $"Account:     {alert.Account ?? "unknown"}{(alert.AccountAlias is { } alias ? $" ({alias})" : "")}, region {alert.Region ?? "unknown"}\n");
        text.Append(CultureInfo.InvariantCulture, $"Code:        CodeSha256 {function.CodeSha256} ({function.CodeSize.ToString("N0", CultureInfo.InvariantCulture)} bytes)\n");
        if (report.Bootstrap is { } bootstrap)
        {
            text.Append(CultureInfo.InvariantCulture, $"bootstrap:   {Describe(bootstrap)}\n");
        }

        text.Append("\nFindings:\n");
        var number = 1;
        foreach (var finding in report.Findings)
        {
            text.Append(CultureInfo.InvariantCulture, $"{number++}. [{SeverityName(finding.Severity)}] {finding.Code}: {finding.Message}\n");
            if (finding.Hint is { } hint)
            {
                text.Append(CultureInfo.InvariantCulture, $"   Fix: {hint}\n");
            }
        }

        text.Append(CultureInfo.InvariantCulture, $"\nOpen in the console: {alert.ConsoleUrl}\n");
        text.Append(CultureInfo.InvariantCulture, $"Event {alert.Event.EventId ?? "unknown"}; Guard mode {alert.Mode.ToName()}.\n");
        return text.ToString();
    }

    public static ChatbotNotification Chatbot(DeployAlert alert)
    {
        ArgumentNullException.ThrowIfNull(alert);
        var report = alert.Report;
        var function = alert.Function;
        var leading = report.LeadingFinding;
        var description = new StringBuilder();
        foreach (var finding in report.Findings)
        {
            description.Append(CultureInfo.InvariantCulture, $"*{finding.Code}* ({SeverityName(finding.Severity)}): {finding.Message}\n");
            if (finding.Hint is { } hint)
            {
                description.Append(CultureInfo.InvariantCulture, $"> Fix: `{hint.Replace('`', '\'')}`\n");
            }
        }

        description.Append(CultureInfo.InvariantCulture, $"\nDeployed by {alert.DeployedBy.Describe()} at {alert.Event.Detail?.EventTime ?? alert.Event.Time ?? "an unknown time"}.");
        if (alert.Action is { } action)
        {
            description.Append(CultureInfo.InvariantCulture, $"\n*What Guard did* ({action.Kind}): {action.Summary}");
        }

        var nextSteps = report.Findings
            .Where(f => f.Severity == Severity.Error && f.Hint is not null)
            .Select(f => f.Hint!)
            .Distinct(StringComparer.Ordinal)
            .Append($"Open the function: {alert.ConsoleUrl}")
            .ToArray();
        var keywords = new List<string> { "guard", VerdictNames.Of(report.Verdict), report.Runtime, report.Architecture };
        keywords.AddRange(report.Findings.Where(f => f.Severity == Severity.Error).Select(f => f.Code).Distinct(StringComparer.Ordinal));

        var context = new Dictionary<string, string>(StringComparer.Ordinal)
        {
            ["functionName"] = function.FunctionName,
            ["runtime"] = report.Runtime,
            ["architecture"] = report.Architecture,
            ["codeSha256"] = function.CodeSha256,
            ["deployedBy"] = alert.DeployedBy.Describe(),
            ["eventName"] = alert.Event.Detail?.EventName ?? "unknown",
            ["eventTime"] = alert.Event.Detail?.EventTime ?? alert.Event.Time ?? "unknown",
            ["account"] = alert.AccountAlias is { } accountAlias ? $"{alert.Account} ({accountAlias})" : alert.Account ?? "unknown",
            ["region"] = alert.Region ?? "unknown",
            ["mode"] = alert.Mode.ToName(),
        };
        if (alert.Action is { } taken)
        {
            context["guardAction"] = taken.Kind;
        }

        return new ChatbotNotification(
            ChatbotNotification.SchemaVersion,
            ChatbotNotification.CustomSource,
            alert.Event.EventId ?? Guid.NewGuid().ToString(),
            new ChatbotContent(
                ChatbotContent.ClientMarkdown,
                (alert.Action is { Restored: true } ? $":leftwards_arrow_with_hook: Guard rolled back {function.FunctionName}" : $":rotating_light: {function.FunctionName} will not start")
                    + (leading is null ? string.Empty : $": {leading.Code}"),
                Truncate(description.ToString(), MaxChatDescriptionLength),
                nextSteps,
                keywords),
            new ChatbotMetadata(
                ThreadId: function.FunctionArn,
                Summary: $"{function.FunctionName} will not start: {leading?.Message ?? "see the findings"}",
                EventType: "GuardDeployBroken",
                RelatedResources: [function.FunctionArn],
                AdditionalContext: context));
    }

    public static AlertDocument Document(DeployAlert alert)
    {
        ArgumentNullException.ThrowIfNull(alert);
        var detail = alert.Event.Detail;
        return new AlertDocument(
            1,
            AlertDocument.BrokenDeployType,
            alert.Function.FunctionName,
            alert.Function.FunctionArn,
            alert.Account,
            alert.Region,
            alert.Event.EventId,
            detail?.EventName,
            detail?.EventTime ?? alert.Event.Time,
            alert.DeployedBy,
            alert.Mode.ToName(),
            alert.Function.CodeSha256,
            alert.Function.RevisionId,
            alert.ConsoleUrl,
            alert.Report,
            alert.Action,
            alert.AccountAlias);
    }

    public static SlackMessage Slack(DeployAlert alert)
    {
        ArgumentNullException.ThrowIfNull(alert);
        var chat = Chatbot(alert);
        var blocks = new List<SlackBlock>
        {
            new("header", new SlackText("plain_text", Truncate($"{alert.Function.FunctionName} will not start", MaxSlackHeaderLength))),
            new("section", new SlackText("mrkdwn", Truncate(chat.Content.Description, MaxSlackSectionLength))),
            new("context", Elements:
            [
                new SlackText("mrkdwn", Truncate($"{alert.Report.Runtime} on {alert.Report.Architecture} · {alert.Account ?? "?"} / {alert.Region ?? "?"} · <{alert.ConsoleUrl}|open in the console>", MaxSlackSectionLength)),
            ]),
        };
        return new SlackMessage(Subject(alert), blocks);
    }

    private static string Describe(BootstrapSummary bootstrap)
    {
        var parts = new List<string> { $"{bootstrap.Path} ({bootstrap.Origin})", bootstrap.Kind };
        if (bootstrap.Machine is { } machine)
        {
            parts.Add(machine);
        }

        if (bootstrap.Linkage is { } linkage)
        {
            parts.Add(linkage);
        }

        if (bootstrap.Mode is { } mode)
        {
            parts.Add("mode " + mode);
        }

        parts.Add(bootstrap.Size.ToString("N0", CultureInfo.InvariantCulture) + " bytes");
        return string.Join(", ", parts);
    }

    private static string SeverityName(Severity severity) => severity switch
    {
        Severity.Error => "error",
        Severity.Warning => "warning",
        _ => "info",
    };

    /// <summary>Control characters (line breaks included) become spaces: SNS refuses them in a subject.</summary>
    private static string OneLine(string text)
    {
        var builder = new StringBuilder(text.Length);
        foreach (var c in text)
        {
            builder.Append(char.IsControl(c) ? ' ' : c);
        }

        return builder.ToString();
    }

    /// <summary>At most <paramref name="length"/> characters, ending in … when cut, never splitting a surrogate pair.</summary>
    private static string Truncate(string text, int length)
    {
        if (text.Length <= length)
        {
            return text;
        }

        if (length <= 1)
        {
            return length == 1 ? "…" : string.Empty;
        }

        var cut = length - 1;
        if (char.IsHighSurrogate(text[cut - 1]))
        {
            cut--;
        }

        return text[..cut] + "…";
    }
}
