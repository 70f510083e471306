using System.Globalization;
using System.Text;
using System.Text.Json;
using Guard.Aws.Lambda;
using Guard.Function.Logging;
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

    public string ConsoleUrl => AlertText.ConsoleUrl(Function.FunctionName, Region);

    /// <summary>Lambda's own verdict, "{reason code}: {reason}", when it failed the function, the version or the update.</summary>
    public string? LambdaSays => AlertText.LambdaSays(Function.Failure);

    /// <summary>Guard found the code broken; when false, the alert is only for Lambda's failure (<see cref="LambdaSays"/>).</summary>
    public bool GuardSaysBroken => Report.Verdict == Verdict.Broken;

    private string? ArnPart(int index) => AlertText.ArnPart(Function.FunctionArn, index);
}

/// <summary>Makes the <see cref="Alert"/> for a broken deploy.</summary>
public static class DeployAlertComposer
{
    public static Alert Compose(DeployAlert alert)
    {
        ArgumentNullException.ThrowIfNull(alert);
        var report = alert.Report;
        var attributes = new Dictionary<string, string>(StringComparer.Ordinal)
        {
            ["guard.verdict"] = VerdictNames.Of(report.Verdict),
            ["guard.function"] = alert.Function.FunctionName,
        };
        if (report.LeadingFinding is { } leading)
        {
            attributes["guard.finding"] = leading.Code;
        }

        if (alert.Action is { } action)
        {
            attributes["guard.action"] = action.Kind;
        }

        if (alert.Function.Failure is { } failure)
        {
            attributes["guard.lambda"] = AlertText.Truncate(AlertText.OneLine(failure.Code ?? "Failed"), 64);
        }

        var context = new LogContext(alert.Function.FunctionName, alert.Event.EventId, VerdictNames.Of(report.Verdict), [.. report.Findings.Select(f => f.Code)], Outcomes.Checked);
        return new Alert(
            TypeOf(alert),
            Subject(alert),
            PlainText(alert),
            Chatbot(alert),
            JsonSerializer.Serialize(Document(alert), FunctionJsonContext.Default.AlertDocument),
            attributes,
            context,
            alert.ConsoleUrl,
            Verdict(alert));
    }

    /// <summary>
    /// "Guard: {function} will not start ({code})", under 100 characters and on one line: the function
    /// name is shortened (with …) when it does not fit, never the finding code.
    /// </summary>
    public static string Subject(string functionName, string? findingCode) =>
        AlertText.Subject("Guard: ", functionName, findingCode is null ? " will not start" : $" will not start ({findingCode})");

    /// <summary>The broken-deploy subject, or "Guard rolled back {function} ({code})" when Guard put good code back.</summary>
    public static string Subject(DeployAlert alert)
    {
        ArgumentNullException.ThrowIfNull(alert);
        var code = alert.Report.LeadingFinding?.Code;
        if (!alert.GuardSaysBroken && alert.Function.Failure is { } failure)
        {
            return AlertText.Subject("Guard: ", alert.Function.FunctionName, $" failed in Lambda ({AlertText.Truncate(failure.Code ?? "Failed", 48)})");
        }

        return alert.Action is { Restored: true }
            ? AlertText.Subject("Guard rolled back ", alert.Function.FunctionName, code is null ? string.Empty : $" ({code})")
            : Subject(alert.Function.FunctionName, code);
    }

    /// <summary>The verdict behind the alert, for Security Hub and EventBridge.</summary>
    public static FunctionVerdict Verdict(DeployAlert alert)
    {
        ArgumentNullException.ThrowIfNull(alert);
        return Verdict(alert.Report, alert.Function, alert.Event, alert.Mode, alert.Action);
    }

    /// <summary>Any deploy's verdict (an OK one included), as Security Hub and EventBridge receive it.</summary>
    public static FunctionVerdict Verdict(Report report, FunctionConfiguration function, CloudTrailEvent deploy, GuardMode mode, GuardAction? action = null)
    {
        ArgumentNullException.ThrowIfNull(report);
        ArgumentNullException.ThrowIfNull(function);
        ArgumentNullException.ThrowIfNull(deploy);
        var alert = new DeployAlert(report, function, deploy, mode, action);
        return new FunctionVerdict(
            function.FunctionArn,
            function.FunctionName,
            alert.Account,
            alert.Region,
            VerdictNames.Of(report.Verdict),
            FunctionVerdict.DeployOrigin,
            mode.ToName(),
            report.Runtime,
            report.Architecture,
            function.CodeSha256,
            report.Findings,
            deploy.Detail?.EventTime ?? deploy.Time,
            deploy.EventId,
            deploy.Detail?.EventName,
            alert.DeployedBy.Describe(),
            action?.Kind,
            alert.ConsoleUrl);
    }

    public static string PlainText(DeployAlert alert)
    {
        ArgumentNullException.ThrowIfNull(alert);
        var report = alert.Report;
        var function = alert.Function;
        var detail = alert.Event.Detail;
        var text = new StringBuilder();
        text.Append(alert.GuardSaysBroken
            ? $"Guard: {function.FunctionName} will not start. Verdict: {VerdictNames.Of(report.Verdict)}.\n"
            : $"Guard: Lambda failed {function.FunctionName}. Guard's verdict on its code: {VerdictNames.Of(report.Verdict)}.\n");
        if (alert.LambdaSays is { } lambdaSays)
        {
            text.Append(CultureInfo.InvariantCulture, $"Lambda says: {lambdaSays}\n");
        }

        text.Append('\n');
        if (alert.Action is { } action)
        {
            text.Append(CultureInfo.InvariantCulture, $"What Guard did ({action.Kind}): {action.Summary}\n\n");
        }

        var account = alert.AccountAlias is { } alias ? $"{alert.Account ?? "unknown"} ({alias})" : alert.Account;
        AlertText.AppendFunction(text, function, $"{report.Runtime} on {report.Architecture}", account, alert.Region);
        text.Append(CultureInfo.InvariantCulture, $"Deployed by: {alert.DeployedBy.Describe()}\n");
        text.Append(CultureInfo.InvariantCulture, $"When:        {detail?.EventTime ?? alert.Event.Time ?? "unknown"} ({detail?.EventName ?? "unknown call"})\n");
        if (report.Bootstrap is { } bootstrap)
        {
            text.Append(CultureInfo.InvariantCulture, $"bootstrap:   {Describe(bootstrap)}\n");
        }

        AlertText.AppendFindings(text, report.Findings);
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
        if (alert.LambdaSays is { } lambdaSays)
        {
            description.Append(CultureInfo.InvariantCulture, $"*Lambda says:* {lambdaSays}\n");
        }

        AlertText.AppendMarkdown(description, report.Findings);
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
                Title(alert),
                AlertText.Truncate(description.ToString(), AlertText.MaxChatDescriptionLength),
                nextSteps,
                keywords),
            new ChatbotMetadata(
                ThreadId: function.FunctionArn,
                Summary: alert.GuardSaysBroken
                    ? $"{function.FunctionName} will not start: {leading?.Message ?? "see the findings"}"
                    : $"Lambda failed {function.FunctionName}: {alert.LambdaSays}",
                EventType: alert.GuardSaysBroken ? "GuardDeployBroken" : "GuardDeployFailedInLambda",
                RelatedResources: [function.FunctionArn],
                AdditionalContext: context));
    }

    public static AlertDocument Document(DeployAlert alert)
    {
        ArgumentNullException.ThrowIfNull(alert);
        var detail = alert.Event.Detail;
        return new AlertDocument(
            1,
            TypeOf(alert),
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
            alert.AccountAlias,
            alert.LambdaSays);
    }

    private static string TypeOf(DeployAlert alert) =>
        alert.GuardSaysBroken ? AlertDocument.BrokenDeployType : AlertDocument.LambdaFailedDeployType;

    private static string Title(DeployAlert alert)
    {
        var name = alert.Function.FunctionName;
        if (!alert.GuardSaysBroken && alert.Function.Failure is { } failure)
        {
            return $":rotating_light: Lambda failed {name}: {AlertText.Truncate(AlertText.OneLine(failure.Code ?? "Failed"), 64)}";
        }

        var leading = alert.Report.LeadingFinding;
        return (alert.Action is { Restored: true } ? $":leftwards_arrow_with_hook: Guard rolled back {name}" : $":rotating_light: {name} will not start")
            + (leading is null ? string.Empty : $": {leading.Code}");
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
}
