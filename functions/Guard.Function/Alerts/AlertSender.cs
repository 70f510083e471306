using System.Net.Http.Headers;
using System.Text.Json;
using Guard.Aws.Notifications;
using Guard.Function.Logging;

namespace Guard.Function.Alerts;

/// <summary>Somewhere an <see cref="Alert"/> goes: SNS, a Slack webhook, Security Hub, an EventBridge bus.</summary>
public interface IAlertChannel
{
    /// <returns>True when the alert went out; false when this channel does not carry it, or failed and logged why.</returns>
    /// <exception cref="Guard.Aws.Http.AwsServiceException">Only from the first channel (SNS): the invocation fails and is retried.</exception>
    Task<bool> SendAsync(Alert alert, CancellationToken cancellationToken);

    /// <summary>A verdict nobody is alerted about (an OK deploy, a placeholder awaiting its code): only the channels that keep a record of verdicts take it.</summary>
    /// <returns>True when the channel recorded it.</returns>
    Task<bool> RecordAsync(FunctionVerdict verdict, CancellationToken cancellationToken);
}

/// <summary>
/// Hands every alert to every configured channel, SNS first. An SNS failure fails the invocation, so the event is
/// retried and, past that, dead-lettered. The later channels log a failure and go on: SNS already carried the alert,
/// and a retry would publish it twice.
/// </summary>
public sealed class AlertSender
{
    /// <summary>For the warning when nothing is configured.</summary>
    internal const string ChannelSettings = "GUARD_TOPIC_ARN, GUARD_SLACK_WEBHOOK_PARAMETER, GUARD_SECURITY_HUB, GUARD_EVENT_BUS";

    private readonly IReadOnlyList<IAlertChannel> _channels;
    private readonly GuardLog _log;

    public AlertSender(IReadOnlyList<IAlertChannel> channels, GuardLog log)
    {
        ArgumentNullException.ThrowIfNull(channels);
        ArgumentNullException.ThrowIfNull(log);
        _channels = channels;
        _log = log;
    }

    /// <returns>How many channels carried the alert.</returns>
    public async Task<int> SendAsync(Alert alert, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(alert);
        var sent = 0;
        foreach (var channel in _channels)
        {
            if (await channel.SendAsync(alert, cancellationToken).ConfigureAwait(false))
            {
                sent++;
            }
        }

        if (sent == 0)
        {
            _log.Warn($"{alert.Chat.Metadata.Summary}, but no alert channel is configured ({ChannelSettings})", alert.Log);
        }

        return sent;
    }

    /// <returns>How many channels recorded the verdict (none is normal: SNS and Slack only carry alerts).</returns>
    public async Task<int> RecordAsync(FunctionVerdict verdict, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(verdict);
        var recorded = 0;
        foreach (var channel in _channels)
        {
            if (await channel.RecordAsync(verdict, cancellationToken).ConfigureAwait(false))
            {
                recorded++;
            }
        }

        return recorded;
    }
}

/// <summary>
/// One SNS Publish with a form per subscriber protocol (MessageStructure=json): plain text for e-mail and the default,
/// the Chatbot custom notification for https (Slack or Teams through AWS Chatbot), the JSON document for SQS and Lambda.
/// </summary>
public sealed class SnsAlertChannel(ISnsPublisher sns, string topicArn, GuardLog log) : IAlertChannel
{
    public async Task<bool> SendAsync(Alert alert, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(alert);
        var messageId = await sns.PublishAsync(Request(alert, topicArn), cancellationToken).ConfigureAwait(false);
        log.Info($"{alert.Type} alert published to SNS (MessageId {messageId})", alert.Log);
        return true;
    }

    public Task<bool> RecordAsync(FunctionVerdict verdict, CancellationToken cancellationToken) => Task.FromResult(false);

    public static SnsPublishRequest Request(Alert alert, string topicArn)
    {
        ArgumentNullException.ThrowIfNull(alert);
        ArgumentException.ThrowIfNullOrEmpty(topicArn);
        var chat = JsonSerializer.Serialize(alert.Chat, FunctionJsonContext.Default.ChatbotNotification);
        var structure = new SnsMessageStructure(Default: alert.Text, Email: alert.Text, Https: chat, Sqs: alert.Document, Lambda: alert.Document);
        return new SnsPublishRequest(
            topicArn,
            JsonSerializer.Serialize(structure, FunctionJsonContext.Default.SnsMessageStructure),
            alert.Subject,
            MessageStructureJson: true,
            alert.Attributes);
    }
}

/// <summary>A Slack incoming webhook: the chat notification's title and description as Block Kit, and a link to the function.</summary>
public sealed class SlackAlertChannel(ISlackPoster slack) : IAlertChannel
{
    /// <summary>Slack refuses a section text over 3000 characters and a header over 150.</summary>
    private const int MaxSectionLength = 3000;
    private const int MaxHeaderLength = 150;

    public Task<bool> SendAsync(Alert alert, CancellationToken cancellationToken) => slack.PostAsync(Message(alert), cancellationToken);

    public Task<bool> RecordAsync(FunctionVerdict verdict, CancellationToken cancellationToken) => Task.FromResult(false);

    public static SlackMessage Message(Alert alert)
    {
        ArgumentNullException.ThrowIfNull(alert);
        var blocks = new List<SlackBlock>
        {
            new("header", new SlackText("plain_text", AlertText.Truncate(alert.Chat.Content.Title, MaxHeaderLength))),
            new("section", new SlackText("mrkdwn", AlertText.Truncate(alert.Chat.Content.Description, MaxSectionLength))),
        };
        if (alert.Link is { } link)
        {
            blocks.Add(new("context", Elements: [new SlackText("mrkdwn", AlertText.Truncate($"{alert.Chat.Metadata.Summary} · <{link}|open in the console>", MaxSectionLength))]));
        }

        return new SlackMessage(alert.Subject, blocks);
    }
}

/// <summary>Posts to a Slack incoming webhook.</summary>
public interface ISlackPoster
{
    /// <returns>False when the post failed (already logged, without the URL).</returns>
    Task<bool> PostAsync(SlackMessage message, CancellationToken cancellationToken);
}

/// <summary>
/// Posts to the Slack webhook whose URL lives in an SSM SecureString. The URL is the credential: it goes into
/// the one request and nowhere else (no log line, no exception message — only status codes are reported).
/// </summary>
public sealed class SlackWebhookPoster : ISlackPoster
{
    private static readonly MediaTypeHeaderValue Json = new("application/json");

    private readonly HttpClient _http;
    private readonly Func<CancellationToken, Task<SlackWebhookUrl>> _url;
    private readonly GuardLog _log;

    /// <param name="url">Usually <see cref="SlackWebhookUrlSource.GetAsync"/>, which fetches the parameter once.</param>
    public SlackWebhookPoster(HttpClient http, Func<CancellationToken, Task<SlackWebhookUrl>> url, GuardLog log)
    {
        ArgumentNullException.ThrowIfNull(http);
        ArgumentNullException.ThrowIfNull(url);
        ArgumentNullException.ThrowIfNull(log);
        _http = http;
        _url = url;
        _log = log;
    }

    public async Task<bool> PostAsync(SlackMessage message, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(message);
        try
        {
            var url = await _url(cancellationToken).ConfigureAwait(false);
            using var content = new ByteArrayContent(JsonSerializer.SerializeToUtf8Bytes(message, FunctionJsonContext.Default.SlackMessage));
            content.Headers.ContentType = Json;
            using var response = await _http.PostAsync(url.Value, content, cancellationToken).ConfigureAwait(false);
            if (response.IsSuccessStatusCode)
            {
                _log.Info("alert posted to the Slack webhook");
                return true;
            }

            _log.Error($"the Slack webhook answered HTTP {(int)response.StatusCode}; alert not posted there");
            return false;
        }
        catch (Exception e) when (e is HttpRequestException or TaskCanceledException && !cancellationToken.IsCancellationRequested)
        {
            // Not e.Message: a transport error may repeat the request URI.
            _log.Error($"the Slack webhook could not be reached ({e.GetType().Name}); alert not posted there");
            return false;
        }
        catch (Exception e) when (e is Guard.Aws.Http.AwsServiceException or FormatException)
        {
            // Both name the parameter, never its value.
            _log.Error("the Slack webhook URL could not be read from SSM; alert not posted there", exception: e);
            return false;
        }
    }
}
