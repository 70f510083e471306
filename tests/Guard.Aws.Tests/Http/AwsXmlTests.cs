using System.Text;
using Guard.Aws.Http;

namespace Guard.Aws.Tests.Http;

public sealed class AwsXmlTests
{
    [Fact]
    public void TryParse_NamespacedAnswer_KeepsLocalNamesTextAndOrder()
    {
        var root = Parse("""
            <?xml version="1.0" encoding="UTF-8"?>
            <ListBucketResult xmlns="http://s3.amazonaws.com/doc/2006-03-01/">
              <!-- a comment -->
              <Contents><Key>a &amp; b/&#x263A;.json</Key></Contents>
              <Contents><Key><![CDATA[<raw>]]></Key></Contents>
              <IsTruncated>false</IsTruncated>
              <Empty/>
            </ListBucketResult>
            """);

        Assert.NotNull(root);
        Assert.Equal("ListBucketResult", root.Name);
        Assert.Equal(["Contents", "Contents", "IsTruncated", "Empty"], root.Children.Select(c => c.Name));
        Assert.Equal(["a & b/\u263A.json", "<raw>"], root.Children.Where(c => c.Name == "Contents").Select(c => c.ChildText("Key")));
        Assert.Equal("false", root.ChildText("IsTruncated"));
        Assert.Equal("", root.ChildText("Empty"));
        Assert.Null(root.ChildText("Missing"));
    }

    [Fact]
    public void Find_NestedName_IsFoundDepthFirstFromTheRoot()
    {
        var root = Parse("<ErrorResponse><Error><Code>Throttling</Code></Error><RequestId>r</RequestId></ErrorResponse>");

        Assert.Equal("Throttling", root?.Find("Error")?.ChildText("Code"));
        Assert.Same(root, root?.Find("ErrorResponse"));
        Assert.Null(root?.Find("Message"));
    }

    [Theory]
    [InlineData("")]
    [InlineData("not xml at all")]
    [InlineData("<Error><Code>Truncated")]
    [InlineData("<a></b>")]
    [InlineData("{\"json\":true}")]
    public void TryParse_NotWellFormed_ReturnsNull(string body) => Assert.Null(Parse(body));

    [Fact]
    public void TryParse_Dtd_IsRefusedRatherThanExpanded()
    {
        // An entity-expansion bomb or an external entity must never be resolved from a service answer.
        const string body = """<?xml version="1.0"?><!DOCTYPE r [<!ENTITY e SYSTEM "file:///etc/passwd">]><r>&e;</r>""";

        Assert.Null(Parse(body));
    }

    [Theory]
    [InlineData("plain", "plain")]
    [InlineData("\"etag\"", "\"etag\"")]
    [InlineData("a<b>&c", "a&lt;b&gt;&amp;c")]
    public void Escape_ElementContent_EscapesOnlyWhatMarkupNeeds(string text, string expected) =>
        Assert.Equal(expected, AwsXml.Escape(text));

    [Fact]
    public void Escape_ThenParse_RoundTrips()
    {
        const string text = "<&> \"quoted\" 'single' ünï";

        Assert.Equal(text, Parse($"<v>{AwsXml.Escape(text)}</v>")?.Text);
    }

    private static AwsXmlElement? Parse(string body) => AwsXml.TryParse(Encoding.UTF8.GetBytes(body));
}
