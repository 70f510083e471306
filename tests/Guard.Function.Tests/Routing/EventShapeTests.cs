using System.Text;
using System.Text.Json;
using Guard.Function.Routing;
using Guard.Function.Tests.Support;

namespace Guard.Function.Tests.Routing;

public sealed class EventShapeTests
{
    [Theory]
    [InlineData("""{"version":"0","detail-type":"Scheduled Event","source":"aws.events","detail":{"task":"full-scan"}}""")]
    [InlineData("""{"RequestType":"Create","ResponseURL":"https://x/y","ResourceProperties":{"RequestType":"nested, not read"}}""")]
    [InlineData("""{"RequestType":"Create","ResponseURL":42}""")]
    [InlineData("""{"hookTypeName":"Guard::Lambda::Hook","actionInvocationPoint":"CREATE_PRE_PROVISION"}""")]
    [InlineData("""{"actionInvocationPoint":{"odd":true}}""")]
    [InlineData("""{"hookTypeName":null}""")]
    [InlineData("""{"source":"aws.events","source":"aws.s3","detail-type":"Object Created"}""")]
    [InlineData("""{"source":"aws.s3","source":7}""")]
    [InlineData("""{"detail-type":"Scheduled\u0020Event","source":"aws.\u0065vents"}""")]
    [InlineData("""{"hello":["world",{"detail-type":"Scheduled Event"}]}""")]
    [InlineData("""{}""")]
    [InlineData("[1,2,3]")]
    [InlineData("\"a string\"")]
    [InlineData("42")]
    [InlineData("true")]
    [InlineData("null")]
    public void Read_AnyJson_SameAsFromTheParsedDocument(string json)
    {
        using var document = JsonDocument.Parse(json);

        Assert.Equal(EventShape.Of(document.RootElement), EventShape.Read(Encoding.UTF8.GetBytes(json)));
    }

    [Theory]
    [InlineData("")]
    [InlineData("   ")]
    [InlineData("not json at all")]
    [InlineData("{\"truncated\":")]
    [InlineData("{\"a\":1} {\"b\":2}")]
    [InlineData("[1,2")]
    [InlineData("{\"a\":[1,}")]
    public void Read_NotOneJsonValue_Throws(string payload)
    {
        Assert.ThrowsAny<JsonException>(() => EventShape.Read(Encoding.UTF8.GetBytes(payload)));
    }

    [Fact]
    public void Read_HugeMemberValue_KeepsOnlyItsStart()
    {
        var json = $$"""{"source":"{{new string('s', 100_000)}}","detail-type":"x"}""";

        var shape = EventShape.Read(Encoding.UTF8.GetBytes(json));

        Assert.Equal(new string('s', EventShape.MaxValueBytes) + "…", shape.Source);
        Assert.Equal("x", shape.DetailType);
    }

    [Fact]
    public void Read_SixMegabyteEvent_AllocatesAlmostNothing()
    {
        var sqs = BigEvents.SqsBatch();
        var body = BigEvents.ApiGatewayBody();

        var before = GC.GetAllocatedBytesForCurrentThread();
        var shapes = (EventShape.Read(sqs), EventShape.Read(body));
        var allocated = GC.GetAllocatedBytesForCurrentThread() - before;

        Assert.Equal(JsonValueKind.Object, shapes.Item1.ValueKind);
        Assert.Equal(JsonValueKind.Object, shapes.Item2.ValueKind);
        Assert.True(allocated < 1024, $"reading the shapes of two 6 MB events allocated {allocated:N0} bytes");
    }
}
