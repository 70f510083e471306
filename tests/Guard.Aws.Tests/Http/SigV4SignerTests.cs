using System.Net;
using System.Security.Cryptography;
using System.Text;
using Guard.Aws.Http;

namespace Guard.Aws.Tests.Http;

/// <summary>
/// Guard's signer against AWS's published Signature Version 4 test suite (aws-sig-v4-test-suite: the request of each
/// case and the Authorization header AWS computed for it, with the suite's example key, us-east-1, service "service",
/// 2015-08-30T12:36:00Z), and against the rules the suite leaves out: S3's single path encoding, everyone else's double
/// encoding, S3's body-hash header, a global service's signing Region.
/// </summary>
public sealed class SigV4SignerTests
{
    private static readonly AwsCredentials SuiteCredentials = new("AKIDEXAMPLE", "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY");
    private static readonly DateTimeOffset SuiteTime = new(2015, 8, 30, 12, 36, 0, TimeSpan.Zero);
    private const string SuiteToken = "AQoDYXdzEPT//////////wEXAMPLEtc764bNrC9SAPBSM22wDOk4x4HIZ8j4FZTwdQWLWsKWHGBuFqwAeMicRXmxfpSPfIeoIYRqTflfKD8YUuwthAx7mSEI/qkPpKPi/kMcGdQrmGdeehM4IC1NtBmUpp2wUE8phUZampKsburEDy0KPkyQDYwT7WZ0wq5VSXDvp75YU9HFvlRd8Tx6q6fE8YQcHNVXAkiY9q6d+xo0rKwT38xVqr7ZD0u0iPPkUL64lIZbqBAz+scqKmlzm8FDrypNC9Yjc8fPOLn9FX9KSYvKTr4rvx3iSIlTJabIQwj2ICCR/oLxBA==";

    /// <summary>One suite case: method, path and query as in its .req, extra headers, body, and the .sreq's signed headers and signature.</summary>
    public static TheoryData<string, string, string, string[], string, string, string> Suite => new()
    {
        { "get-vanilla-query", "GET", "/", [], "", "host;x-amz-date", "5fa00fa31553b73ebf1942676e86291e8372ff2a2260956d9b8aae1d763fbf31" },
        { "get-vanilla-query-order-key", "GET", "/?Param1=value2&Param1=Value1", [], "", "host;x-amz-date", "eedbc4e291e521cf13422ffca22be7d2eb8146eecf653089df300a15b2382bd1" },
        {
            "get-vanilla-query-unreserved", "GET", "/?-._~0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz=-._~0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz",
            [], "", "host;x-amz-date", "9c3e54bfcdf0b19771a7f523ee5669cdf59bc7cc0884027167c21bb143a40197"
        },
        { "get-vanilla-utf8-query", "GET", "/?ሴ=bar", [], "", "host;x-amz-date", "2cdec8eed098649ff3a119c94853b13c643bcf08f8b0a1d91e12c9027818dd04" },
        { "post-vanilla-empty-query-value", "POST", "/?Param1=value1", [], "", "host;x-amz-date", "28038455d6de14eafc1f9222cf5aa6f1a96197d7deb8263271d420d138af7f11" },
        { "get-header-value-trim", "GET", "/", ["My-Header1: value1", "My-Header2: \"a   b   c\""], "", "host;my-header1;my-header2;x-amz-date", "acc3ed3afb60bb290fc8d2dd0098b9911fcaa05412b367055dee359757a9c736" },
        { "post-header-key-sort", "POST", "/", ["My-Header1:value1"], "", "host;my-header1;x-amz-date", "c5410059b04c1ee005303aed430f6e6645f61f4dc9e1461ec8f8916fdf18852c" },
        { "post-x-www-form-urlencoded", "POST", "/", ["Content-Type:application/x-www-form-urlencoded"], "Param1=value1", "content-type;host;x-amz-date", "ff11897932ad3f4e8b18135d722051e5ac45fc38421b1da7b9d196a0fe09473a" },
        {
            "post-x-www-form-urlencoded-parameters", "POST", "/", ["Content-Type:application/x-www-form-urlencoded; charset=utf8"], "Param1=value1",
            "content-type;host;x-amz-date", "1a72ec8f64bd914b0e42e42607c7fbce7fb2c7465f63e3092b3b0d39fa77a6fe"
        },
    };

    [Theory]
    [MemberData(nameof(Suite))]
    public void Sign_AwsTestSuiteCase_ProducesTheSuitesAuthorization(string name, string method, string pathAndQuery, string[] headers, string body, string signedHeaders, string signature)
    {
        using var request = SuiteRequest(method, pathAndQuery, headers, body);

        SigV4Signer.Sign(request, SuiteCredentials, "us-east-1", "service", SuiteTime, Sha256(body), s3: false);

        Assert.True(Expected(signedHeaders, signature) == Authorization(request), name);
        Assert.Equal("20150830T123600Z", request.Headers.GetValues("X-Amz-Date").Single());
    }

    [Fact]
    public void Sign_SessionCredentials_SignsTheSecurityTokenHeader()
    {
        // post-sts-header-before: the token is part of the signature (STS-issued credentials need it signed).
        using var request = SuiteRequest("POST", "/", [], "");

        SigV4Signer.Sign(request, new AwsCredentials(SuiteCredentials.AccessKeyId, SuiteCredentials.SecretAccessKey, SuiteToken), "us-east-1", "service", SuiteTime, SigV4Signer.EmptyPayloadHash, s3: false);

        Assert.Equal(Expected("host;x-amz-date;x-amz-security-token", "85d96828115b5dc0cfc3bd16ad9e210dd772bbebba041836c64533a82be05ead"), Authorization(request));
        Assert.Equal(SuiteToken, request.Headers.GetValues("X-Amz-Security-Token").Single());
    }

    [Theory]
    [InlineData("get-space", "/example space/", "652487583200325589f1fba4c7e578f72c47cb61beeca81406b39ddec1366741")]
    [InlineData("get-utf8", "/ሴ", "8318018e0b0f223aa2bbf98705b62bb787dc9c0e678f255a891fd03141be5d85")]
    public void Sign_SuitePathNeedingEncodingWithS3Rules_ProducesTheSuitesAuthorization(string name, string path, string signature)
    {
        // The suite signs its raw path encoded once; .NET sends that path encoded once, which S3's rule signs as sent.
        // Every other service signs the sent path encoded again (below).
        using var request = SuiteRequest("GET", path, [], "");

        SigV4Signer.Sign(request, SuiteCredentials, "us-east-1", "service", SuiteTime, SigV4Signer.EmptyPayloadHash, s3: true);

        Assert.True(Expected("host;x-amz-date", signature) == Authorization(request), name);
    }

    [Fact]
    public void CanonicalRequest_LambdaPathWithEscapedArn_EncodesTheSentPathAgain()
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, "https://lambda.us-east-1.amazonaws.com/2015-03-31/functions/arn%3Aaws%3Alambda%3Aus-east-1%3A123456789012%3Afunction%3Aorders/configuration");

        var (canonical, _) = SigV4Signer.CanonicalRequest(request, SigV4Signer.EmptyPayloadHash, s3: false);

        Assert.Equal("/2015-03-31/functions/arn%253Aaws%253Alambda%253Aus-east-1%253A123456789012%253Afunction%253Aorders/configuration", canonical.Split('\n')[1]);
    }

    [Fact]
    public void CanonicalRequest_S3KeyWithSpaceAndPlus_EncodesTheKeyOnce()
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, "https://s3.us-east-1.amazonaws.com/bucket/code/my%20fn%2Bv2.zip?versionId=a%2Fb");

        var (canonical, _) = SigV4Signer.CanonicalRequest(request, SigV4Signer.EmptyPayloadHash, s3: true);

        var lines = canonical.Split('\n');
        Assert.Equal("/bucket/code/my%20fn%2Bv2.zip", lines[1]);
        Assert.Equal("versionId=a%2Fb", lines[2]);
    }

    [Fact]
    public async Task Handler_S3BufferedBody_SetsAndSignsTheBodyHash()
    {
        var transport = new ScriptedTransport().Then(HttpStatusCode.OK);
        using var client = SignedHttpClientFactory.Create(Environment("eu-west-1"), AwsService.S3, SuiteCredentials, transport);

        using var response = await client.SendAsync(new HttpRequestMessage(HttpMethod.Put, "bucket/key") { Content = new ByteArrayContent("hello"u8.ToArray()) }, TestContext.Current.CancellationToken);

        var sent = Assert.Single(transport.Requests);
        Assert.Equal(Sha256("hello"), sent.Header("x-amz-content-sha256"));
        Assert.Contains("/eu-west-1/s3/aws4_request, SignedHeaders=host;x-amz-content-sha256;x-amz-date,", sent.Header("Authorization"), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Handler_BodyHashGivenByTheCaller_SignsTheGivenHash()
    {
        // A streamed upload hashes its file once, up front, and says so in the header; the signer takes it as it is.
        var transport = new ScriptedTransport().Then(HttpStatusCode.OK);
        using var client = SignedHttpClientFactory.Create(Environment("us-east-1"), AwsService.S3, SuiteCredentials, transport);
        var request = new HttpRequestMessage(HttpMethod.Put, "bucket/key") { Content = new StreamContent(new MemoryStream("the file's bytes"u8.ToArray())) };
        request.Headers.TryAddWithoutValidation("x-amz-content-sha256", "UNSIGNED-PAYLOAD");

        using var response = await client.SendAsync(request, TestContext.Current.CancellationToken);

        var sent = Assert.Single(transport.Requests);
        Assert.Equal("UNSIGNED-PAYLOAD", sent.Header("x-amz-content-sha256"));
        Assert.Equal("the file's bytes", sent.Body);
    }

    [Fact]
    public async Task Handler_IamGlobalEndpoint_SignsForUsEast1WhateverTheRegion()
    {
        var transport = new ScriptedTransport().Then(HttpStatusCode.OK);
        var environment = AwsEnvironment.From(new Dictionary<string, string?> { ["AWS_REGION"] = "eu-west-1" });
        using var client = SignedHttpClientFactory.Create(environment, AwsService.Iam, SuiteCredentials, transport);

        using var response = await client.SendAsync(new HttpRequestMessage(HttpMethod.Post, (Uri?)null), TestContext.Current.CancellationToken);

        var sent = Assert.Single(transport.Requests);
        Assert.Equal("iam.amazonaws.com", sent.Uri.Host);
        Assert.Contains("/us-east-1/iam/aws4_request", sent.Header("Authorization"), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Handler_EverySend_AsksTheProviderAgainAndSignsWithWhatItGives()
    {
        var transport = new ScriptedTransport().Then(HttpStatusCode.OK).Then(HttpStatusCode.OK);
        var credentials = new RecordingCredentials(sessionToken: "token-1");
        using var client = SignedHttpClientFactory.Create(Environment("us-east-1"), AwsService.Lambda, credentials, transport);

        (await client.SendAsync(new HttpRequestMessage(HttpMethod.Get, "a"), TestContext.Current.CancellationToken)).Dispose();
        (await client.SendAsync(new HttpRequestMessage(HttpMethod.Get, "b"), TestContext.Current.CancellationToken)).Dispose();

        Assert.Equal(2, credentials.Resolutions);
        Assert.All(transport.Requests, r => Assert.Equal("token-1", r.Header("X-Amz-Security-Token")));
        Assert.All(transport.Requests, r => Assert.Null(r.Header("x-amz-content-sha256")));
    }

    private static AwsEnvironment Environment(string region) => AwsEnvironment.From(new Dictionary<string, string?>
    {
        ["AWS_REGION"] = region,
        ["AWS_ENDPOINT_URL"] = "http://127.0.0.1:9/",
    });

    private static HttpRequestMessage SuiteRequest(string method, string pathAndQuery, string[] headers, string body)
    {
        var request = new HttpRequestMessage(new HttpMethod(method), "https://example.amazonaws.com" + pathAndQuery);
        if (body.Length > 0)
        {
            request.Content = new ByteArrayContent(Encoding.UTF8.GetBytes(body));
        }

        foreach (var header in headers)
        {
            var colon = header.IndexOf(':');
            var (name, value) = (header[..colon], header[(colon + 1)..]);
            if (!request.Headers.TryAddWithoutValidation(name, value))
            {
                request.Content!.Headers.TryAddWithoutValidation(name, value);
            }
        }

        return request;
    }

    private static string Expected(string signedHeaders, string signature) =>
        $"AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20150830/us-east-1/service/aws4_request, SignedHeaders={signedHeaders}, Signature={signature}";

    private static string Authorization(HttpRequestMessage request) => request.Headers.GetValues("Authorization").Single();

    private static string Sha256(string text) => Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(text)));
}
