using Guard.Aws.Functions;
namespace Guard.Function.Tests;

public sealed class GuardOptionsTests
{
    private static GuardOptions Read(params (string Name, string Value)[] variables)
    {
        var map = variables.ToDictionary(v => v.Name, v => v.Value);
        return GuardOptions.FromEnvironment(name => map.TryGetValue(name, out var value) ? value : null);
    }

    [Fact]
    public void FromEnvironment_Nothing_AlertModeAndDefaults()
    {
        var options = Read();

        Assert.Equal(GuardMode.Alert, options.Mode);
        Assert.Null(options.TopicArn);
        Assert.Null(options.StoreBucket);
        Assert.Empty(options.PlaceholderSha256);
        Assert.Equal(GuardOptions.DefaultPlaceholderGrace, options.PlaceholderGrace);
    }

    [Fact]
    public void FromEnvironment_EverySetting_Read()
    {
        var sha = Convert.ToBase64String(new byte[32]);

        var options = Read(
            ("GUARD_MODE", "Rollback"), ("GUARD_TOPIC_ARN", "arn:aws:sns:us-east-1:1:t"), ("GUARD_STORE_BUCKET", "b"),
            ("GUARD_PLACEHOLDER_SHA256", $" {sha} ,"), ("GUARD_PLACEHOLDER_GRACE_MINUTES", "15"), ("GUARD_SLACK_WEBHOOK_PARAMETER", "/guard/slack"));

        Assert.Equal(GuardMode.Rollback, options.Mode);
        Assert.Equal("arn:aws:sns:us-east-1:1:t", options.TopicArn);
        Assert.Equal("b", options.StoreBucket);
        Assert.Equal([sha], options.PlaceholderSha256);
        Assert.Equal(TimeSpan.FromMinutes(15), options.PlaceholderGrace);
        Assert.Equal("/guard/slack", options.SlackWebhookParameter);
    }

    [Theory]
    [InlineData("GUARD_MODE", "loud")]
    [InlineData("GUARD_PLACEHOLDER_SHA256", "not-base64!")]
    [InlineData("GUARD_PLACEHOLDER_SHA256", "AAAA")]
    [InlineData("GUARD_PLACEHOLDER_GRACE_MINUTES", "ten")]
    [InlineData("GUARD_TOPIC_ARN", "my-topic")]
    [InlineData("GUARD_SECURITY_HUB", "yes")]
    [InlineData("GUARD_EVENT_BUS", "arn:aws:sns:us-east-1:123456789012:not-a-bus")]
    [InlineData("GUARD_EVENT_BUS", "two words")]
    public void FromEnvironment_MalformedValue_Throws(string name, string value)
    {
        Assert.Throws<FormatException>(() => Read((name, value)));
    }

    [Fact]
    public void FromEnvironment_SecurityHubAndEventBus_Read()
    {
        var options = Read(("GUARD_SECURITY_HUB", "true"), ("GUARD_EVENT_BUS", "guard-verdicts"));

        Assert.True(options.SecurityHub);
        Assert.Equal("guard-verdicts", options.EventBus);
        Assert.False(Read().SecurityHub);
        Assert.Null(Read().EventBus);
    }

    [Fact]
    public void CodeLocationRewrite_MatchingPrefix_KeepsPathAndQuery()
    {
        var rewrite = CodeLocationRewrite.Parse("https://awslambda-us-east-1-tasks.s3.us-east-1.amazonaws.com/=http://127.0.0.1:9000/code/");

        var rewritten = rewrite.Apply(new Uri("https://awslambda-us-east-1-tasks.s3.us-east-1.amazonaws.com/fn-123?X-Amz-Signature=a=b"));

        Assert.Equal("http://127.0.0.1:9000/code/fn-123?X-Amz-Signature=a=b", rewritten.AbsoluteUri);
        Assert.Equal("https://other/x", rewrite.Apply(new Uri("https://other/x")).AbsoluteUri);
    }
}
