using System.Net;
using System.Security.Cryptography;
using Guard.Aws.Http;
using Guard.Aws.S3;
using Guard.Aws.Tests.Http;

namespace Guard.Aws.Tests.S3;

/// <summary>What Guard's S3 client puts on the wire and how it reads S3's answers, below the signer.</summary>
public sealed class S3ClientStandInTests
{
    private static readonly AwsEnvironment LocalEnvironment = AwsEnvironment.From(new Dictionary<string, string?> { ["AWS_REGION"] = "eu-west-1", ["AWS_ENDPOINT_URL_S3"] = "http://s3.test" });

    private static CancellationToken Cancel => TestContext.Current.CancellationToken;

    private static S3Client Client(ScriptedTransport transport) =>
        S3Client.Create(LocalEnvironment, new RecordingCredentials(), new AwsRetryOptions { MaxAttempts = 2, BaseDelay = TimeSpan.FromMilliseconds(1) }, transport);

    [Fact]
    public async Task GetObject_RangeAndIfMatch_AreSentSignedForS3()
    {
        var transport = new ScriptedTransport().Then(HttpStatusCode.PartialContent, "abc", ("ETag", "\"e1\""));
        using var s3 = Client(transport);

        var content = await s3.GetObjectAsync(new S3ObjectRequest("bucket", "dir/fn+1.zip", "v 1", "bytes=0-2", "\"e1\""), Cancel);

        var request = Assert.Single(transport.Requests);
        Assert.Equal(HttpMethod.Get, request.Method);
        Assert.Equal("http://s3.test/bucket/dir/fn%2B1.zip?versionId=v%201", request.Uri.OriginalString);
        Assert.Equal("bytes=0-2", request.Header("Range"));
        Assert.Equal("\"e1\"", request.Header("If-Match"));
        Assert.Contains("/eu-west-1/s3/aws4_request", request.Header("Authorization"), StringComparison.Ordinal);
        Assert.NotNull(request.Header("x-amz-content-sha256"));
        Assert.Equal("abc"u8.ToArray(), content.Body);
        Assert.Equal("\"e1\"", content.ETag);
    }

    [Fact]
    public async Task GetObject_NoSuchKey_ThrowsWithStatusAndCodeWithoutRetrying()
    {
        var transport = new ScriptedTransport().Then(HttpStatusCode.NotFound, "<Error><Code>NoSuchKey</Code><Message>The specified key does not exist.</Message></Error>");
        using var s3 = Client(transport);

        var e = await Assert.ThrowsAsync<AwsServiceException>(() => s3.GetObjectAsync(new S3ObjectRequest("bucket", "fn.zip"), Cancel));

        Assert.Equal((404, "NoSuchKey", AwsActions.S3GetObject), (e.StatusCode, e.ErrorCode, e.Action));
        Assert.Single(transport.Requests);
    }

    [Fact]
    public async Task GetObject_SlowDown_IsRetried()
    {
        var transport = new ScriptedTransport()
            .Then(HttpStatusCode.ServiceUnavailable, "<Error><Code>SlowDown</Code><Message>Please reduce your request rate.</Message></Error>")
            .Then(HttpStatusCode.OK, "x");
        using var s3 = Client(transport);

        var content = await s3.GetObjectAsync(new S3ObjectRequest("bucket", "fn.zip"), Cancel);

        Assert.Equal("x"u8.ToArray(), content.Body);
        Assert.Equal(2, transport.Requests.Count);
    }

    [Fact]
    public async Task TryCreateObject_ExistingKey_ReturnsFalseAndSendsIfNoneMatch()
    {
        var transport = new ScriptedTransport().Then(HttpStatusCode.PreconditionFailed, "<Error><Code>PreconditionFailed</Code><Message>At least one of the pre-conditions you specified did not hold</Message></Error>");
        using var s3 = Client(transport);

        var created = await s3.TryCreateObjectAsync("bucket", "claims/r1.json", "{}"u8.ToArray(), "application/json", Cancel);

        Assert.False(created);
        var request = Assert.Single(transport.Requests);
        Assert.Equal(HttpMethod.Put, request.Method);
        Assert.Equal("*", request.Header("If-None-Match"));
        Assert.Equal("application/json", request.Header("Content-Type"));
        Assert.Equal("{}", request.Body);
    }

    [Fact]
    public async Task CopyObject_ErrorInsideA200_Throws()
    {
        // S3 documents that a copy may fail after the 200 status line has gone out.
        var transport = new ScriptedTransport().Then(HttpStatusCode.OK, "<Error><Code>InternalError</Code><Message>We encountered an internal error. Please try again.</Message></Error>");
        using var s3 = Client(transport);

        var e = await Assert.ThrowsAsync<AwsServiceException>(() => s3.CopyObjectAsync(new S3ObjectRequest("src", "a b.zip", "v1"), "dst", "code/x.zip", Cancel));

        Assert.Equal("InternalError", e.ErrorCode);
        Assert.True(e.IsTransient);
        var request = transport.Requests[0];
        Assert.Equal("/src/a%20b.zip?versionId=v1", request.Header("x-amz-copy-source"));
        Assert.Equal("SHA256", request.Header("x-amz-checksum-algorithm"));
    }

    [Fact]
    public async Task CopyObject_Result_ReturnsTheChecksum()
    {
        var transport = new ScriptedTransport().Then(HttpStatusCode.OK, """
            <?xml version="1.0" encoding="UTF-8"?>
            <CopyObjectResult xmlns="http://s3.amazonaws.com/doc/2006-03-01/"><ETag>"e"</ETag><ChecksumSHA256>q1w2e3==</ChecksumSHA256></CopyObjectResult>
            """);
        using var s3 = Client(transport);

        var result = await s3.CopyObjectAsync(new S3ObjectRequest("src", "fn.zip"), "dst", "code/x.zip", Cancel);

        Assert.Equal("q1w2e3==", result.ChecksumSha256);
    }

    [Fact]
    public async Task CompleteMultipartUpload_SendsPartsInOrderWithEscapedETags()
    {
        var transport = new ScriptedTransport().Then(HttpStatusCode.OK, "<CompleteMultipartUploadResult><ETag>\"all-2\"</ETag></CompleteMultipartUploadResult>");
        using var s3 = Client(transport);

        await s3.CompleteMultipartUploadAsync("bucket", "code/x.zip", "up/1", [new S3Part(1, "\"a\""), new S3Part(2, "\"b\"")], Cancel);

        var request = Assert.Single(transport.Requests);
        Assert.Equal(HttpMethod.Post, request.Method);
        Assert.Equal("http://s3.test/bucket/code/x.zip?uploadId=up%2F1", request.Uri.OriginalString);
        Assert.Equal(
            "<CompleteMultipartUpload><Part><PartNumber>1</PartNumber><ETag>\"a\"</ETag></Part><Part><PartNumber>2</PartNumber><ETag>\"b\"</ETag></Part></CompleteMultipartUpload>",
            request.Body);
    }

    [Fact]
    public async Task ListObjects_Page_ReadsKeysAndContinuation()
    {
        var transport = new ScriptedTransport().Then(HttpStatusCode.OK, """
            <ListBucketResult xmlns="http://s3.amazonaws.com/doc/2006-03-01/">
              <Name>bucket</Name><Prefix>pending/</Prefix><KeyCount>2</KeyCount><IsTruncated>true</IsTruncated>
              <Contents><Key>pending/a&amp;b.json</Key><Size>2</Size></Contents>
              <Contents><Key>pending/c.json</Key><Size>2</Size></Contents>
              <NextContinuationToken>tok/=</NextContinuationToken>
            </ListBucketResult>
            """);
        using var s3 = Client(transport);

        var page = await s3.ListObjectsAsync("bucket", "pending/", "prev", Cancel);

        Assert.Equal(["pending/a&b.json", "pending/c.json"], page.Keys);
        Assert.Equal("tok/=", page.ContinuationToken);
        Assert.Equal("http://s3.test/bucket/?list-type=2&prefix=pending%2F&continuation-token=prev", transport.Requests[0].Uri.OriginalString);
    }

    [Fact]
    public async Task PutFile_SignsAPrecomputedPayloadHash()
    {
        var path = Path.Combine(Path.GetTempPath(), $"guard-putfile-{Guid.NewGuid():N}.zip");
        var bytes = RandomNumberGenerator.GetBytes(10_000);
        await File.WriteAllBytesAsync(path, bytes, Cancel);
        try
        {
            var transport = new ScriptedTransport().Then(HttpStatusCode.OK);
            using var s3 = Client(transport);

            await s3.PutFileAsync("bucket", "staged/fn.zip", path, "application/zip", Cancel);

            var request = Assert.Single(transport.Requests);
            Assert.Equal(Convert.ToHexStringLower(SHA256.HashData(bytes)), request.Header("x-amz-content-sha256"));
            Assert.Contains("x-amz-content-sha256", request.Header("Authorization"), StringComparison.Ordinal);
            Assert.Equal("10000", request.Header("Content-Length"));
        }
        finally
        {
            File.Delete(path);
        }
    }
}
