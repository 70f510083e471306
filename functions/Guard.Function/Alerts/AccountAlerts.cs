using System.Text;
using System.Text.Json;
using Guard.Aws.Accounts;
using Guard.Function.Logging;

namespace Guard.Function.Alerts;

/// <summary>
/// Organization mode: a deploy in a member account that Guard could not check, because the account's
/// <c>GuardMember</c> role could not be assumed (the member stack is missing there, or its trust policy does not
/// name the central role). Never a silent drop: this alert, and the event itself in the failed-checks queue.
/// </summary>
public sealed record AccountAlert(string Account, string? Region, string RoleArn, string Reason, string? FunctionName, string? EventName, string? EventId)
{
    public const string Type = "guard.account.unavailable";

    public string Summary => $"Guard cannot check deploys in account {Account}: {RoleArn} could not be assumed";

    public static AccountAlert From(MemberAccountUnavailableException error, string? region, string? functionName, string? eventName, string? eventId)
    {
        ArgumentNullException.ThrowIfNull(error);
        return new AccountAlert(error.Account, region, error.RoleArn, error.Message, functionName, eventName, eventId);
    }
}

/// <summary>What SQS and Lambda subscribers receive for an <see cref="AccountAlert"/>.</summary>
public sealed record AccountAlertDocument(int SchemaVersion, string Type, string Account, string? Region, string RoleArn, string Reason, string? FunctionName, string? EventName, string? EventId, string Summary);

/// <summary>Makes the <see cref="Alert"/> for an <see cref="AccountAlert"/>; it goes out on the deploy alerts' channels.</summary>
public static class AccountAlertComposer
{
    public static Alert Compose(AccountAlert alert)
    {
        ArgumentNullException.ThrowIfNull(alert);
        var chatbot = new ChatbotNotification(
            ChatbotNotification.SchemaVersion,
            ChatbotNotification.CustomSource,
            $"{AccountAlert.Type}:{alert.Account}:{alert.EventId}",
            new ChatbotContent(ChatbotContent.ClientMarkdown, $":warning: Guard cannot check account {alert.Account}", alert.Reason, [], ["guard", AccountAlert.Type]),
            new ChatbotMetadata(
                ThreadId: $"account:{alert.Account}",
                Summary: alert.Summary,
                EventType: "GuardAccountUnavailable",
                RelatedResources: [alert.RoleArn],
                AdditionalContext: new Dictionary<string, string>(StringComparer.Ordinal) { ["account"] = alert.Account, ["region"] = alert.Region ?? "unknown" }));
        var document = new AccountAlertDocument(1, AccountAlert.Type, alert.Account, alert.Region, alert.RoleArn, alert.Reason, alert.FunctionName, alert.EventName, alert.EventId, alert.Summary);
        return new Alert(
            AccountAlert.Type,
            Subject(alert),
            PlainText(alert),
            chatbot,
            JsonSerializer.Serialize(document, FunctionJsonContext.Default.AccountAlertDocument),
            new Dictionary<string, string>(StringComparer.Ordinal) { ["guard.account"] = alert.Account, ["guard.alert"] = AccountAlert.Type },
            new LogContext(alert.FunctionName, alert.EventId));
    }

    /// <summary>Under SNS's 100 characters.</summary>
    public static string Subject(AccountAlert alert) =>
        AlertText.Subject("Guard: cannot check deploys in account ", (alert ?? throw new ArgumentNullException(nameof(alert))).Account, string.Empty);

    public static string PlainText(AccountAlert alert)
    {
        ArgumentNullException.ThrowIfNull(alert);
        var text = new StringBuilder();
        text.Append($"Guard: a deploy in account {alert.Account} was not checked.\n\n");
        text.Append($"{alert.Reason}\n\n");
        text.Append($"Deploy:   {alert.EventName ?? "unknown call"} of {alert.FunctionName ?? "an unknown function"} in {alert.Region ?? "an unknown region"} (event {alert.EventId ?? "unknown"})\n\n");
        text.Append("Deploy the Guard member stack to that account (the StackSet does so for every account of the organizational units it targets), ");
        text.Append("or check that the role's trust policy names Guard's central role. The event is kept in the failed-checks queue to be replayed.\n");
        return text.ToString();
    }
}
