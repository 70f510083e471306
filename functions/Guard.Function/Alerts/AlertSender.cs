using System.Net.Http.Headers;
using System.Text.Json;
using Guard.Aws.Notifications;
using Guard.Function.Logging;

namespace Guard.Function.Alerts;

/// <summary>Delivers a broken deploy to people.</summary>
public interface IAlertSender
{
    /// <returns>How many alerts went out (SNS publish, Slack post).</returns>
    /// <exception cref="Guard.Aws.Http.AwsServiceException">SNS refused or could not be reached: the invocation fails and is retried.</exception>
    Task<int> SendAsync(DeployAlert alert, CancellationToken cancellationToken);
}

/// <summary>
/// One SNS Publish (when a topic is configured), then the optional Slack webhook. An SNS failure fails the
/// invocation, so the event is retried and, past that, dead-lettered. A Slack failure is logged only: SNS
/// already carried the alert, and a retry would publish it twice.
/// </summary>
public sealed class AlertSender : IAlertSender
{
    private readonly ISnsPublisher? _sns;
    private readonly string? _topicArn;
    private readonly ISlackPoster? _slack;
    private readonly GuardLog _log;

    public AlertSender(ISnsPublisher? sns, string? topicArn, ISlackPoster? slack, GuardLog log)
    {
        ArgumentNullException.ThrowIfNull(log);
        if (sns is not null)
        {
            ArgumentException.ThrowIfNullOrEmpty(topicArn);
        }

        _sns = sns;
        _topicArn = topicArn;
        _slack = slack;
        _log = log;
    }

    public async Task<int> SendAsync(DeployAlert alert, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(alert);
        var context = new LogContext(alert.Function.FunctionName, alert.Event.EventId);
        var sent = 0;
        if (_sns is not null && _topicArn is not null)
        {
            var messageId = await _sns.PublishAsync(AlertComposer.ComposeSns(alert, _topicArn), cancellationToken).ConfigureAwait(false);
            _log.Info($"alert published to SNS (MessageId {messageId})", context);
            sent++;
        }

        if (_slack is not null)
        {
            if (await _slack.PostAsync(AlertComposer.Slack(alert), cancellationToken).ConfigureAwait(false))
            {
                sent++;
            }
        }

        if (sent == 0)
        {
            _log.Warn("broken deploy, but no alert channel is configured (GUARD_TOPIC_ARN, GUARD_SLACK_WEBHOOK_PARAMETER)", context);
        }

        return sent;
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
