namespace Guard.Aws.Notifications;

/// <summary>
/// A Slack incoming-webhook URL. The URL is the credential (anyone holding it can post), so it is reachable
/// only through <see cref="Value"/>; <see cref="ToString"/> and record-style printing show a redacted form.
/// </summary>
public sealed class SlackWebhookUrl
{
    private const string Redacted = "SlackWebhookUrl(redacted)";

    private SlackWebhookUrl(Uri value) => Value = value;

    /// <summary>The real URL, for the one HTTP call that posts to it.</summary>
    public Uri Value { get; }

    /// <summary>Accepts an absolute https URL; the error never repeats the text it was given.</summary>
    public static SlackWebhookUrl Parse(string text)
    {
        if (!Uri.TryCreate(text?.Trim(), UriKind.Absolute, out var uri) || uri.Scheme != Uri.UriSchemeHttps)
        {
            throw new FormatException("The Slack webhook URL is not an absolute https URL (value not shown).");
        }

        return new SlackWebhookUrl(uri);
    }

    public override string ToString() => Redacted;
}
