using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;
using Amazon.SQS;
using Amazon.SQS.Model;
using Guard.Aws.Events;
using Guard.Aws.Http;
using Guard.Aws.Tests.Http;
using Guard.Testing;

namespace Guard.Aws.Tests.Events;

/// <summary>EventBridgeClient against a real moto_server: the event is read back from an SQS queue a rule on the bus targets.</summary>
public sealed class EventBridgeClientMotoTests(MotoServer moto) : IClassFixture<MotoServer>
{
    private static CancellationToken Cancel => TestContext.Current.CancellationToken;

    [Fact]
    public async Task Put_NamedBusWithQueueRule_QueueReceivesSourceDetailTypeDetailAndResources()
    {
        using var aws = MotoAws.Account(moto.Endpoint);
        using var events = EventBridgeClient.Create(aws.Environment, MotoAws.Credentials);
        using var sqs = new AmazonSQSClient(MotoServer.ForSdk(MotoAws.Credentials), new AmazonSQSConfig { ServiceURL = moto.Endpoint.AbsoluteUri, AuthenticationRegion = MotoAws.Region });
        var queueUrl = (await sqs.CreateQueueAsync("guard-verdicts-inbox", Cancel)).QueueUrl;
        var queueArn = (await sqs.GetQueueAttributesAsync(queueUrl, ["QueueArn"], Cancel)).QueueARN;
        using (var arrange = AwsHttpPipeline.Create(aws.Environment, AwsService.EventBridge, AwsErrorProtocol.RestJson, MotoAws.Credentials))
        {
            await CallAsync(arrange, "CreateEventBus", """{"Name":"guard-verdicts"}""");
            await CallAsync(arrange, "PutRule", """{"Name":"verdicts","EventBusName":"guard-verdicts","EventPattern":"{\"source\":[\"guard\"]}"}""");
            await CallAsync(arrange, "PutTargets", $$"""{"Rule":"verdicts","EventBusName":"guard-verdicts","Targets":[{"Id":"inbox","Arn":"{{queueArn}}"}]}""");
        }

        var arn = "arn:aws:lambda:us-east-1:123456789012:function:orders-api";
        var id = await events.PutAsync(new EventEntry("guard", "Guard Verdict", """{"verdict":"broken","functionArn":"x"}""", "guard-verdicts", [arn]), Cancel);

        Assert.False(string.IsNullOrEmpty(id));
        var received = await sqs.ReceiveMessageAsync(new ReceiveMessageRequest { QueueUrl = queueUrl, WaitTimeSeconds = 2 }, Cancel);
        using var envelope = JsonDocument.Parse(Assert.Single(received.Messages).Body);
        var root = envelope.RootElement;
        Assert.Equal("guard", root.GetProperty("source").GetString());
        Assert.Equal("Guard Verdict", root.GetProperty("detail-type").GetString());
        Assert.Equal("broken", root.GetProperty("detail").GetProperty("verdict").GetString());
        Assert.Equal(arn, Assert.Single(root.GetProperty("resources").EnumerateArray()).GetString());
    }

    [Fact]
    public async Task Put_MalformedDetail_ThrowsTheEntrysError()
    {
        using var aws = MotoAws.Account(moto.Endpoint);
        using var events = EventBridgeClient.Create(aws.Environment, MotoAws.Credentials);

        // PutEvents answers 200 with a per-entry ErrorCode; the client must not report that as success.
        var error = await Assert.ThrowsAsync<AwsServiceException>(() => events.PutAsync(new EventEntry("guard", "Guard Verdict", "{not json"), Cancel));

        Assert.Equal("MalformedDetail", error.ErrorCode);
    }

    private static Task<AwsHttpResponse> CallAsync(AwsHttpPipeline pipeline, string operation, string json) =>
        pipeline.SendAsync($"events:{operation}", () =>
        {
            var content = new StringContent(json, Encoding.UTF8);
            content.Headers.ContentType = new MediaTypeHeaderValue("application/x-amz-json-1.1");
            var message = new HttpRequestMessage(HttpMethod.Post, (Uri?)null) { Content = content };
            message.Headers.TryAddWithoutValidation("X-Amz-Target", $"AWSEvents.{operation}");
            return message;
        }, Cancel);
}
