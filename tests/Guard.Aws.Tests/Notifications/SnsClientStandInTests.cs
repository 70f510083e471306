using System.Net;
using Guard.Aws.Http;
using Guard.Aws.Notifications;
using Guard.Aws.Tests.Http;

namespace Guard.Aws.Tests.Notifications;

public sealed class SnsClientStandInTests
{
    private static readonly AwsEnvironment LocalEnvironment = AwsEnvironment.From(new Dictionary<string, string?> { ["AWS_REGION"] = "eu-west-1", ["AWS_ENDPOINT_URL_SNS"] = "http://sns.test" });

    [Fact]
    public async Task Publish_Signed_PostsFormToEndpointRootAsSns()
    {
        var transport = new ScriptedTransport().Then(HttpStatusCode.OK, """
            <PublishResponse xmlns="http://sns.amazonaws.com/doc/2010-03-31/"><PublishResult><MessageId>m-1</MessageId></PublishResult><ResponseMetadata><RequestId>r</RequestId></ResponseMetadata></PublishResponse>
            """);
        using var sns = SnsClient.Create(LocalEnvironment, new RecordingCredentials(), transport: transport);

        var messageId = await sns.PublishAsync(new SnsPublishRequest("arn:aws:sns:eu-west-1:1:t", "a b&c", "S"), TestContext.Current.CancellationToken);

        Assert.Equal("m-1", messageId);
        var request = Assert.Single(transport.Requests);
        Assert.Equal(HttpMethod.Post, request.Method);
        Assert.Equal(new Uri("http://sns.test/"), request.Uri);
        Assert.Equal("application/x-www-form-urlencoded", request.Header("Content-Type"));
        Assert.Equal("Action=Publish&Version=2010-03-31&TopicArn=arn%3Aaws%3Asns%3Aeu-west-1%3A1%3At&Message=a+b%26c&Subject=S", request.Body);
        Assert.Contains("/eu-west-1/sns/aws4_request", request.Header("Authorization"), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Publish_InvalidSubject_ThrowsBeforeSending()
    {
        var transport = new ScriptedTransport().Then(HttpStatusCode.OK);
        using var sns = SnsClient.Create(LocalEnvironment, new RecordingCredentials(), transport: transport);

        await Assert.ThrowsAsync<ArgumentException>(() =>
            sns.PublishAsync(new SnsPublishRequest("arn:aws:sns:eu-west-1:1:t", "m", "two\nlines"), TestContext.Current.CancellationToken));

        Assert.Empty(transport.Requests);
    }
}
