using System.Text;
using Guard.Aws.Http;

namespace Guard.Aws.Tests.Http;

public sealed class AwsErrorParserTests
{
    [Theory]
    [InlineData("ResourceNotFoundException", "ResourceNotFoundException")]
    [InlineData("aws.lambda#ResourceNotFoundException", "ResourceNotFoundException")]
    [InlineData("ResourceNotFoundException:http://internal.amazon.com/coral/com.amazon.coral.validate/", "ResourceNotFoundException")]
    [InlineData("aws.protocoltests.restjson#FooError:http://internal.amazon.com/", "FooError")]
    [InlineData("  ", null)]
    [InlineData(null, null)]
    public void SanitizeCode_SmithyForms_KeepsBareName(string? raw, string? expected) =>
        Assert.Equal(expected, AwsErrorParser.SanitizeCode(raw));

    [Fact]
    public void Parse_RestJsonWithHeader_HeaderWinsOverBody()
    {
        var error = Parse(AwsErrorProtocol.RestJson, 404, "ResourceNotFoundException", """{"__type":"Other","message":"Function not found: fn"}""");

        Assert.Equal(new AwsError("ResourceNotFoundException", "Function not found: fn"), error);
    }

    [Theory]
    [InlineData("""{"__type":"aws#TooManyRequestsException","message":"Rate exceeded"}""", "TooManyRequestsException", "Rate exceeded")]
    [InlineData("""{"code":"ValidationException","Message":"bad"}""", "ValidationException", "bad")]
    [InlineData("""{"Type":"User","Message":"Rate exceeded","retryAfterSeconds":"1"}""", "User", "Rate exceeded")]
    [InlineData("""{"Type":"User","__type":"ResourceConflictException","message":"in progress"}""", "ResourceConflictException", "in progress")]
    public void Parse_RestJsonBody_ReadsCodeAndMessage(string body, string code, string message) =>
        Assert.Equal(new AwsError(code, message), Parse(AwsErrorProtocol.RestJson, 400, null, body));

    [Fact]
    public void Parse_QueryXml_ReadsCodeAndMessage()
    {
        const string body = """
            <ErrorResponse xmlns="http://sns.amazonaws.com/doc/2010-03-31/">
              <Error><Type>Sender</Type><Code>Throttling</Code><Message>Rate exceeded</Message></Error>
              <RequestId>r-1</RequestId>
            </ErrorResponse>
            """;

        Assert.Equal(new AwsError("Throttling", "Rate exceeded"), Parse(AwsErrorProtocol.Query, 400, null, body));
    }

    [Fact]
    public void Parse_RestXml_ReadsTheRootErrorElement()
    {
        const string body = """
            <?xml version="1.0" encoding="UTF-8"?>
            <Error><Code>NoSuchKey</Code><Message>The specified key does not exist.</Message><Key>fn.zip</Key><RequestId>r-2</RequestId></Error>
            """;

        Assert.Equal(new AwsError("NoSuchKey", "The specified key does not exist."), Parse(AwsErrorProtocol.RestXml, 404, null, body));
    }

    [Theory]
    [InlineData(AwsErrorProtocol.RestJson, 503, "<html>Service Unavailable</html>", "ServiceUnavailable")]
    [InlineData(AwsErrorProtocol.Query, 429, "", "TooManyRequestsException")]
    [InlineData(AwsErrorProtocol.RestJson, 403, "", "Forbidden")]
    [InlineData(AwsErrorProtocol.RestXml, 404, "", "NotFound")]
    [InlineData(AwsErrorProtocol.RestJson, 400, "", "Http400")]
    public void Parse_UnreadableBody_FallsBackToStatus(AwsErrorProtocol protocol, int status, string body, string code)
    {
        var error = Parse(protocol, status, null, body);

        Assert.Equal(code, error.Code);
        Assert.Equal($"HTTP {status}", error.Message);
    }

    [Fact]
    public void SanitizeMessage_SignatureMismatch_DropsCanonicalRequest()
    {
        const string raw = "The request signature we calculated does not match the signature you provided.\n\n"
            + "The Canonical String for this request should have been\n'GET\n/\n\nx-amz-security-token:SECRET-TOKEN\n'";

        var message = AwsErrorParser.SanitizeMessage(raw);

        Assert.NotNull(message);
        Assert.DoesNotContain("SECRET-TOKEN", message, StringComparison.Ordinal);
        Assert.StartsWith("The request signature we calculated", message, StringComparison.Ordinal);
    }

    [Fact]
    public void SanitizeMessage_LongText_IsBounded() =>
        Assert.Equal(512, AwsErrorParser.SanitizeMessage(new string('x', 10_000))!.Length);

    private static AwsError Parse(AwsErrorProtocol protocol, int status, string? header, string body) =>
        AwsErrorParser.Parse(protocol, status, header, Encoding.UTF8.GetBytes(body));
}
