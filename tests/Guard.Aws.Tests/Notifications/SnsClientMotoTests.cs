using System.Text.Json;
using Amazon.SQS;
using Amazon.SQS.Model;
using Guard.Aws.Http;
using Guard.Aws.Notifications;
using Guard.Aws.Tests.Http;
using Guard.Testing;

namespace Guard.Aws.Tests.Notifications;

/// <summary>SnsClient against a real moto_server, reading deliveries back from a subscribed SQS queue.</summary>
public sealed class SnsClientMotoTests(MotoServer moto) : IClassFixture<MotoServer>
{
    private static CancellationToken Cancel => TestContext.Current.CancellationToken;

    [Fact]
    public async Task Publish_JsonStructureWithAttributes_QueueReceivesSqsEntryWithAttributesAndSubject()
    {
        using var aws = MotoAws.Account(moto.Endpoint);
        using var sns = SnsClient.Create(aws.Environment, MotoAws.Credentials);
        using var sqs = new AmazonSQSClient(MotoServer.ForSdk(MotoAws.Credentials), new AmazonSQSConfig { ServiceURL = moto.Endpoint.AbsoluteUri, AuthenticationRegion = MotoAws.Region });
        var topicArn = await aws.CreateTopicAsync("guard-alerts", Cancel);
        var queueUrl = (await sqs.CreateQueueAsync("guard-alerts-inbox", Cancel)).QueueUrl;
        var queueArn = (await sqs.GetQueueAttributesAsync(queueUrl, ["QueueArn"], Cancel)).QueueARN;
        await aws.SubscribeAsync(topicArn, "sqs", queueArn, Cancel);

        var messageId = await sns.PublishAsync(
            new SnsPublishRequest(
                topicArn,
                """{"default":"Guard: fn failed (plain)","sqs":"{\"verdict\":\"fail\"}"}""",
                "Guard: fn failed",
                MessageStructureJson: true,
                new Dictionary<string, string> { ["guard.verdict"] = "fail", ["guard.function"] = "fn" }),
            Cancel);

        var received = await sqs.ReceiveMessageAsync(new ReceiveMessageRequest { QueueUrl = queueUrl, WaitTimeSeconds = 2, MaxNumberOfMessages = 10 }, Cancel);
        var message = Assert.Single(received.Messages);
        // Not raw delivery: the body is SNS's JSON envelope around the protocol-specific ("sqs") entry.
        using var envelope = JsonDocument.Parse(message.Body);
        var root = envelope.RootElement;
        Assert.Equal("Notification", root.GetProperty("Type").GetString());
        Assert.Equal(messageId, root.GetProperty("MessageId").GetString());
        Assert.Equal(topicArn, root.GetProperty("TopicArn").GetString());
        Assert.Equal("Guard: fn failed", root.GetProperty("Subject").GetString());
        Assert.Equal("""{"verdict":"fail"}""", root.GetProperty("Message").GetString());
        var attributes = root.GetProperty("MessageAttributes");
        Assert.Equal("String", attributes.GetProperty("guard.verdict").GetProperty("Type").GetString());
        Assert.Equal("fail", attributes.GetProperty("guard.verdict").GetProperty("Value").GetString());
        Assert.Equal("fn", attributes.GetProperty("guard.function").GetProperty("Value").GetString());
    }

    [Fact]
    public async Task Publish_PlainMessage_ReturnsMessageId()
    {
        using var aws = MotoAws.Account(moto.Endpoint);
        using var sns = SnsClient.Create(aws.Environment, MotoAws.Credentials);
        var topicArn = await aws.CreateTopicAsync("guard-plain", Cancel);

        var messageId = await sns.PublishAsync(new SnsPublishRequest(topicArn, "hello & goodbye = 100% +ok"), Cancel);

        Assert.True(Guid.TryParse(messageId, out _), messageId);
    }

    [Fact]
    public async Task Publish_MissingTopic_ThrowsQueryErrorWithoutRetrying()
    {
        using var aws = MotoAws.Account(moto.Endpoint);
        using var sns = SnsClient.Create(aws.Environment, MotoAws.Credentials);

        var error = await Assert.ThrowsAsync<AwsServiceException>(() =>
            sns.PublishAsync(new SnsPublishRequest("arn:aws:sns:us-east-1:123456789012:guard-no-such-topic", "m"), Cancel));

        Assert.Equal("NotFound", error.ErrorCode);
        Assert.Equal(404, error.StatusCode);
        Assert.False(error.IsTransient);
        Assert.Equal(AwsActions.SnsPublish, error.Action);
    }
}
