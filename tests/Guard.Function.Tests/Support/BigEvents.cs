using System.Text;

namespace Guard.Function.Tests.Support;

/// <summary>
/// Events of Lambda's largest synchronous payload (6 MB) in the shapes that reach a function that size: one big
/// string (an API Gateway body), and a batch of many small records (SQS). None is Guard's unless built so.
/// </summary>
public static class BigEvents
{
    public const int SixMegabytes = 6 * 1024 * 1024;

    /// <summary>An API Gateway proxy event whose <c>body</c> makes it <paramref name="size"/> bytes.</summary>
    public static byte[] ApiGatewayBody(int size = SixMegabytes)
    {
        const string Head = "{\"resource\":\"/upload\",\"path\":\"/upload\",\"httpMethod\":\"POST\",\"headers\":{\"content-type\":\"text/plain\"},\"isBase64Encoded\":false,\"body\":\"";
        const string Tail = "\"}";
        return Encoding.UTF8.GetBytes(Head + new string('x', size - Head.Length - Tail.Length) + Tail);
    }

    /// <summary>An SQS batch of small records adding up to about <paramref name="size"/> bytes: many tokens, no big value.</summary>
    public static byte[] SqsBatch(int size = SixMegabytes)
    {
        var json = new StringBuilder("""{"Records":[""");
        for (var i = 0; json.Length < size - 200; i++)
        {
            json.Append(i == 0 ? "" : ",")
                .Append("""{"messageId":"m""").Append(i)
                .Append("\",\"eventSource\":\"aws:sqs\",\"attributes\":{\"ApproximateReceiveCount\":\"1\"},\"values\":[1,2,3,4,5,6,7,8],\"body\":\"hi\"}");
        }

        return Encoding.UTF8.GetBytes(json.Append("]}").ToString());
    }

    /// <summary>A scheduled event (Guard's) made <paramref name="size"/> bytes by a long <c>resources</c> array.</summary>
    public static byte[] ScheduledEvent(int size = SixMegabytes)
    {
        var json = new StringBuilder("""{"version":"0","id":"big","detail-type":"Scheduled Event","source":"aws.events","account":"123456789012","time":"2024-01-01T00:00:00Z","region":"us-east-1","detail":{"task":"placeholder-sweep"},"resources":[""");
        for (var i = 0; json.Length < size - 100; i++)
        {
            json.Append(i == 0 ? "" : ",").Append("\"arn:aws:events:us-east-1:123456789012:rule/r").Append(i).Append('"');
        }

        return Encoding.UTF8.GetBytes(json.Append("]}").ToString());
    }
}
