using Amazon.S3;
using Amazon.S3.Model;
using Guard.Aws.Http;
using Guard.Inspection.Reading;
using Guard.Testing;

namespace Guard.Aws.Tests;

public sealed class PackageSourceFactoryTests(MotoServer moto) : IClassFixture<MotoServer>
{
    private static readonly AwsCredentials Credentials = MotoServer.Credentials;

    private static CancellationToken Cancel => TestContext.Current.CancellationToken;

    [Fact]
    public async Task Open_LocalPath_OpensFileWithoutCreatingS3Client()
    {
        var path = Path.GetTempFileName();
        await File.WriteAllBytesAsync(path, [1, 2, 3], Cancel);
        try
        {
            using var http = new HttpClient();
            using var factory = new PackageSourceFactory(http, () => throw new InvalidOperationException("S3 client must not be created"));

            await using var source = factory.Open(path);

            Assert.IsType<LocalFileRangeSource>(source);
            Assert.Equal(new TailRead(3, 3), await source.ReadTailAsync(new byte[8], Cancel));
        }
        finally
        {
            File.Delete(path);
        }
    }

    [Fact]
    public async Task Open_HttpsUrl_OpensHttpSourceWithoutCreatingS3Client()
    {
        using var http = new HttpClient();
        using var factory = new PackageSourceFactory(http, () => throw new InvalidOperationException("S3 client must not be created"));

        await using var source = factory.Open("https://example.com/fn.zip?X-Amz-Signature=abc");

        Assert.IsType<HttpRangeSource>(source);
        Assert.Equal("https://example.com/fn.zip", source.DisplayName);
    }

    [Fact]
    public void Open_Malformed_ThrowsFormatException()
    {
        using var http = new HttpClient();
        using var factory = new PackageSourceFactory(http, () => throw new InvalidOperationException("unused"));

        Assert.Throws<FormatException>(() => factory.Open("s3://bucket-only"));
    }

    [Fact]
    public void Open_MissingLocalFile_ThrowsPackageUnavailable()
    {
        using var http = new HttpClient();
        using var factory = new PackageSourceFactory(http, () => throw new InvalidOperationException("unused"));

        var e = Assert.Throws<PackageUnavailableException>(() => factory.Open("/no/such/dir/function.zip"));

        Assert.Equal("/no/such/dir/function.zip: no such file", e.Message);
    }

    [Fact]
    public void Open_S3WhenClientCannotBeCreated_ThrowsPackageUnavailable()
    {
        using var http = new HttpClient();
        using var factory = new PackageSourceFactory(http, () => throw new InvalidOperationException("no region\nsecond line"));

        var e = Assert.Throws<PackageUnavailableException>(() => factory.Open("s3://my-bucket/fn.zip"));

        Assert.Equal("s3://my-bucket/fn.zip: cannot create the S3 client: no region second line", e.Message);
    }

    [Fact]
    public async Task CreateS3Client_EndpointFromEnvironmentWithoutRegion_ReadsObjectPathStyle()
    {
        var bucket = await ArrangeObjectAsync([1, 2, 3, 4, 5]);
        // "localhost" rather than 127.0.0.1: virtual-hosted addressing would call bucket.localhost and fail.
        var endpoint = $"http://localhost:{moto.Endpoint.Port}";
        var environment = AwsEnvironment.From(new Dictionary<string, string?> { ["AWS_ENDPOINT_URL"] = endpoint });
        using var http = new HttpClient();
        using var factory = new PackageSourceFactory(http, () => PackageSourceFactory.CreateS3Client(environment, Credentials));

        await using var source = factory.Open($"s3://{bucket}/fn.zip");
        var buffer = new byte[3];
        var tail = await source.ReadTailAsync(buffer, Cancel);

        Assert.IsType<S3RangeSource>(source);
        Assert.Equal(new TailRead(5, 3), tail);
        Assert.Equal([3, 4, 5], buffer);
    }

    [Fact]
    public async Task CreateS3Client_ServiceSpecificEndpoint_WinsOverGeneralOne()
    {
        var bucket = await ArrangeObjectAsync([9, 8, 7]);
        var environment = AwsEnvironment.From(new Dictionary<string, string?>
        {
            ["AWS_REGION"] = "eu-west-1",
            ["AWS_ENDPOINT_URL"] = "http://127.0.0.1:9",
            ["AWS_ENDPOINT_URL_S3"] = moto.Endpoint.AbsoluteUri,
        });
        using var s3 = PackageSourceFactory.CreateS3Client(environment, Credentials);
        await using var source = new S3RangeSource(s3, bucket, "fn.zip");

        var tail = await source.ReadTailAsync(new byte[16], Cancel);

        // 127.0.0.1 has no subdomains: only a path-style request reaches moto.
        Assert.Equal(new TailRead(3, 3), tail);
    }

    private async Task<string> ArrangeObjectAsync(byte[] content)
    {
        using var s3 = moto.S3Witness(Credentials);
        var bucket = $"guard-factory-{Guid.NewGuid():N}"[..40];
        await s3.PutBucketAsync(new PutBucketRequest { BucketName = bucket }, Cancel);
        await s3.PutObjectAsync(new PutObjectRequest { BucketName = bucket, Key = "fn.zip", InputStream = new MemoryStream(content) }, Cancel);
        return bucket;
    }
}
