using Guard.Aws.Notifications;

namespace Guard.Aws.Tests.Notifications;

public sealed class SlackWebhookUrlTests
{
    private const string Secret = "https://hooks.slack.com/services/T000/B000/XXXXSECRETXXXX";

    [Fact]
    public void ToString_ValidUrl_IsRedacted()
    {
        var url = SlackWebhookUrl.Parse(Secret);

        Assert.Equal(new Uri(Secret), url.Value);
        Assert.DoesNotContain("SECRET", url.ToString(), StringComparison.Ordinal);
        Assert.DoesNotContain("SECRET", $"{url}", StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("http://hooks.slack.com/services/T000/B000/XXXXSECRETXXXX")]
    [InlineData("hooks.slack.com/services/XXXXSECRETXXXX")]
    [InlineData("")]
    public void Parse_NotHttps_ThrowsWithoutEchoingValue(string text)
    {
        var error = Assert.Throws<FormatException>(() => SlackWebhookUrl.Parse(text));

        Assert.DoesNotContain("SECRET", error.ToString(), StringComparison.Ordinal);
    }
}
