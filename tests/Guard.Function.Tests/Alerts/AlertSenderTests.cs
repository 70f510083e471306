using Guard.Aws.Notifications;
using Guard.Function.Alerts;
using Guard.Function.Logging;

namespace Guard.Function.Tests.Alerts;

public sealed class AlertSenderTests
{
    private static readonly SlackMessage Message = new("Guard: fn will not start", [new SlackBlock("section", new SlackText("mrkdwn", "x"))]);

    [Fact]
    public async Task SlackPost_WebhookUnreachable_ReturnsFalseAndNeverLogsTheUrl()
    {
        var output = new StringWriter();
        // Port 1 on loopback refuses connections; the path is the secret part of a real webhook URL.
        var url = SlackWebhookUrl.Parse("https://127.0.0.1:1/services/T0000/B0000/TopSecretToken");
        using var http = new HttpClient();
        var poster = new SlackWebhookPoster(http, _ => Task.FromResult(url), new GuardLog(output, TimeProvider.System));

        var posted = await poster.PostAsync(Message, TestContext.Current.CancellationToken);

        Assert.False(posted);
        Assert.Contains("could not be reached", output.ToString(), StringComparison.Ordinal);
        Assert.DoesNotContain("TopSecretToken", output.ToString(), StringComparison.Ordinal);
        Assert.DoesNotContain("TopSecretToken", url.ToString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task SlackPost_ParameterUnreadable_ReturnsFalse()
    {
        var output = new StringWriter();
        using var http = new HttpClient();
        var poster = new SlackWebhookPoster(http, _ => throw new Guard.Aws.Http.AwsServiceException("ParameterNotFound", 400, "parameter /guard/slack"), new GuardLog(output, TimeProvider.System));

        Assert.False(await poster.PostAsync(Message, TestContext.Current.CancellationToken));
        Assert.Contains("ParameterNotFound", output.ToString(), StringComparison.Ordinal);
    }
}
