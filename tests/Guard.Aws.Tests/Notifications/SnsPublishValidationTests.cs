using Guard.Aws.Notifications;

namespace Guard.Aws.Tests.Notifications;

public sealed class SnsPublishValidationTests
{
    private const string Topic = "arn:aws:sns:us-east-1:123456789012:guard";

    [Fact]
    public void ToForm_FullRequest_RendersQueryParametersInOrder()
    {
        var form = SnsClient.ToForm(new SnsPublishRequest(
            Topic,
            """{"default":"d"}""",
            "Guard: fn failed",
            MessageStructureJson: true,
            new Dictionary<string, string> { ["guard.verdict"] = "fail", ["guard.function"] = "fn" }));

        Assert.Equal(
            [
                new("Action", "Publish"),
                new("Version", "2010-03-31"),
                new("TopicArn", Topic),
                new("Message", """{"default":"d"}"""),
                new("Subject", "Guard: fn failed"),
                new("MessageStructure", "json"),
                new("MessageAttributes.entry.1.Name", "guard.function"),
                new("MessageAttributes.entry.1.Value.DataType", "String"),
                new("MessageAttributes.entry.1.Value.StringValue", "fn"),
                new("MessageAttributes.entry.2.Name", "guard.verdict"),
                new("MessageAttributes.entry.2.Value.DataType", "String"),
                new("MessageAttributes.entry.2.Value.StringValue", "fail"),
            ],
            form);
    }

    [Theory]
    [InlineData("line one\nline two")]
    [InlineData("tab\there")]
    [InlineData("para\u2029graph")]
    [InlineData("")]
    public void ToForm_SubjectWithLineBreakOrControlOrEmpty_Throws(string subject) =>
        Assert.Throws<ArgumentException>(() => SnsClient.ToForm(new SnsPublishRequest(Topic, "m", subject)));

    [Fact]
    public void ToForm_Subject99Chars_Accepted() =>
        SnsClient.ToForm(new SnsPublishRequest(Topic, "m", new string('s', 99)));

    [Fact]
    public void ToForm_Subject100Chars_Throws() =>
        Assert.Throws<ArgumentException>(() => SnsClient.ToForm(new SnsPublishRequest(Topic, "m", new string('s', 100))));

    [Fact]
    public void ToForm_MessageAtByteLimit_Accepted() =>
        SnsClient.ToForm(new SnsPublishRequest(Topic, new string('m', SnsClient.MaxPublishBytes)));

    [Fact]
    public void ToForm_MessageOverLimitInBytesNotChars_Throws()
    {
        // 131,073 two-byte characters: under the limit in characters, over it in UTF-8 bytes.
        var message = new string('é', (SnsClient.MaxPublishBytes / 2) + 1);

        var error = Assert.Throws<ArgumentException>(() => SnsClient.ToForm(new SnsPublishRequest(Topic, message)));
        Assert.Contains("262144", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void ToForm_AttributesPushOverLimit_Throws() =>
        Assert.Throws<ArgumentException>(() => SnsClient.ToForm(new SnsPublishRequest(
            Topic, new string('m', SnsClient.MaxPublishBytes - 10), StringAttributes: new Dictionary<string, string> { ["k"] = "0123456789" })));

    [Fact]
    public void ToForm_UnpairedSurrogate_Throws() =>
        Assert.Throws<ArgumentException>(() => SnsClient.ToForm(new SnsPublishRequest(Topic, "bad \ud800 text")));

    [Theory]
    [InlineData("""{"email":"only"}""")]
    [InlineData("""["default"]""")]
    [InlineData("not json")]
    public void ToForm_JsonStructureWithoutDefault_Throws(string message) =>
        Assert.Throws<ArgumentException>(() => SnsClient.ToForm(new SnsPublishRequest(Topic, message, MessageStructureJson: true)));

    [Theory]
    [InlineData("AWS.reserved")]
    [InlineData(".leading")]
    [InlineData("double..dot")]
    [InlineData("space here")]
    public void ToForm_InvalidAttributeName_Throws(string name) =>
        Assert.Throws<ArgumentException>(() => SnsClient.ToForm(new SnsPublishRequest(
            Topic, "m", StringAttributes: new Dictionary<string, string> { [name] = "v" })));
}
