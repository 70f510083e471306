using System.Security.Cryptography;
using Amazon.S3;
using Amazon.S3.Model;
using Guard.Aws.Http;
using Guard.Aws.S3;
using Guard.Aws.Tests.Http;
using Guard.Testing;

namespace Guard.Aws.Tests.S3;

/// <summary>Guard's S3 client against a real moto_server, with AWSSDK.S3 as the independent witness.</summary>
public sealed class S3ClientMotoTests(MotoServer moto) : IClassFixture<MotoServer>, IDisposable
{
    private readonly AmazonS3Client _witness = moto.S3Witness(MotoAws.Credentials);

    private readonly S3Client _s3 = S3Client.Create(
        AwsEnvironment.From(new Dictionary<string, string?> { ["AWS_REGION"] = MotoAws.Region, ["AWS_ENDPOINT_URL"] = moto.Endpoint.AbsoluteUri }),
        MotoAws.Credentials);

    private static CancellationToken Cancel => TestContext.Current.CancellationToken;

    public void Dispose()
    {
        _witness.Dispose();
        _s3.Dispose();
    }

    [Fact]
    public async Task PutThenGet_OddKey_RoundTripsBytesThatTheSdkAlsoReads()
    {
        var bucket = await BucketAsync("roundtrip");
        const string key = "dir with space/fn+1 (copy)/ünï.zip";
        var bytes = RandomNumberGenerator.GetBytes(5000);

        await _s3.PutObjectAsync(bucket, key, bytes, "application/zip", Cancel);
        var read = await _s3.GetObjectAsync(new S3ObjectRequest(bucket, key), Cancel);
        using var sdk = await _witness.GetObjectAsync(bucket, key, Cancel);
        using var copy = new MemoryStream();
        await sdk.ResponseStream.CopyToAsync(copy, Cancel);

        Assert.Equal(bytes, read.Body);
        Assert.Equal(bytes, copy.ToArray());
        Assert.Equal("application/zip", sdk.Headers.ContentType);
    }

    [Fact]
    public async Task ExistsAndDelete_TrackTheKey()
    {
        var bucket = await BucketAsync("exists");
        await _s3.PutObjectAsync(bucket, "a.json", "{}"u8.ToArray(), "application/json", Cancel);

        var before = await _s3.ExistsAsync(bucket, "a.json", Cancel);
        await _s3.DeleteObjectAsync(bucket, "a.json", Cancel);
        await _s3.DeleteObjectAsync(bucket, "never-there.json", Cancel);

        Assert.True(before);
        Assert.False(await _s3.ExistsAsync(bucket, "a.json", Cancel));
        Assert.Null(await _s3.TryGetObjectAsync(bucket, "a.json", Cancel));
    }

    [Fact]
    public async Task Exists_ObjectLargerThanTheAnswerBound_IsFound()
    {
        // The HEAD answer's Content-Length is the object's size; it must not be mistaken for a body too large to read.
        var bucket = await BucketAsync("exists-large");
        await _witness.PutObjectAsync(new PutObjectRequest { BucketName = bucket, Key = "code/large.zip", InputStream = new MemoryStream(new byte[AwsHttpPipeline.MaxBodyBytes + 1]) }, Cancel);

        Assert.True(await _s3.ExistsAsync(bucket, "code/large.zip", Cancel));
    }

    [Fact]
    public async Task TryCreateObject_SecondWriter_Loses()
    {
        var bucket = await BucketAsync("claim");

        var first = await _s3.TryCreateObjectAsync(bucket, "claim.json", "1"u8.ToArray(), "application/json", Cancel);
        var second = await _s3.TryCreateObjectAsync(bucket, "claim.json", "2"u8.ToArray(), "application/json", Cancel);

        Assert.True(first);
        Assert.False(second);
        var stored = await _s3.TryGetObjectAsync(bucket, "claim.json", Cancel);
        Assert.Equal("1"u8.ToArray(), stored);
    }

    [Fact]
    public async Task ListObjects_ManyKeys_PagesThroughAllOfThemUnderThePrefix()
    {
        var bucket = await BucketAsync("list");
        var keys = Enumerable.Range(0, 1005).Select(i => $"pending/fn-{i:D4}&x.json").ToList();
        await Parallel.ForEachAsync(keys, new ParallelOptions { MaxDegreeOfParallelism = 8, CancellationToken = Cancel },
            async (key, token) => await _witness.PutObjectAsync(new PutObjectRequest { BucketName = bucket, Key = key, ContentBody = "{}" }, token));
        await _witness.PutObjectAsync(new PutObjectRequest { BucketName = bucket, Key = "good/other.json", ContentBody = "{}" }, Cancel);

        var listed = new List<string>();
        string? token = null;
        var pages = 0;
        do
        {
            var page = await _s3.ListObjectsAsync(bucket, "pending/", token, Cancel);
            listed.AddRange(page.Keys);
            token = page.ContinuationToken;
            pages++;
        }
        while (token is not null);

        Assert.Equal(keys.Order(StringComparer.Ordinal), listed.Order(StringComparer.Ordinal));
        Assert.Equal(2, pages);
    }

    [Fact]
    public async Task CopyObject_Version_CopiesThatVersionWithItsChecksum()
    {
        var bucket = await BucketAsync("copy");
        await _witness.PutBucketVersioningAsync(
            new PutBucketVersioningRequest { BucketName = bucket, VersioningConfig = new S3BucketVersioningConfig { Status = VersionStatus.Enabled } }, Cancel);
        var first = RandomNumberGenerator.GetBytes(3000);
        var version = (await _witness.PutObjectAsync(new PutObjectRequest { BucketName = bucket, Key = "src/fn.zip", InputStream = new MemoryStream(first) }, Cancel)).VersionId;
        await _witness.PutObjectAsync(new PutObjectRequest { BucketName = bucket, Key = "src/fn.zip", InputStream = new MemoryStream(RandomNumberGenerator.GetBytes(10)) }, Cancel);

        var result = await _s3.CopyObjectAsync(new S3ObjectRequest(bucket, "src/fn.zip", version), bucket, "code/copy.zip", Cancel);

        Assert.Equal(first, await _s3.TryGetObjectAsync(bucket, "code/copy.zip", Cancel));
        Assert.Equal(Convert.ToBase64String(SHA256.HashData(first)), result.ChecksumSha256);
    }

    [Fact]
    public async Task MultipartUpload_Parts_AssembleTheObject()
    {
        var bucket = await BucketAsync("multipart");
        var part1 = RandomNumberGenerator.GetBytes(5 * 1024 * 1024);
        var part2 = RandomNumberGenerator.GetBytes(1000);

        var uploadId = await _s3.CreateMultipartUploadAsync(bucket, "code/big.zip", "application/zip", Cancel);
        var parts = new[]
        {
            await _s3.UploadPartAsync(bucket, "code/big.zip", uploadId, 1, part1, Cancel),
            await _s3.UploadPartAsync(bucket, "code/big.zip", uploadId, 2, part2, Cancel),
        };
        await _s3.CompleteMultipartUploadAsync(bucket, "code/big.zip", uploadId, parts, Cancel);

        var stored = await _s3.TryGetObjectAsync(bucket, "code/big.zip", Cancel);
        Assert.Equal(part1.Concat(part2), stored!);
    }

    [Fact]
    public async Task AbortMultipartUpload_LeavesNoObject()
    {
        var bucket = await BucketAsync("abort");
        var uploadId = await _s3.CreateMultipartUploadAsync(bucket, "code/aborted.zip", "application/zip", Cancel);
        await _s3.UploadPartAsync(bucket, "code/aborted.zip", uploadId, 1, new byte[100], Cancel);

        await _s3.AbortMultipartUploadAsync(bucket, "code/aborted.zip", uploadId, Cancel);

        var uploads = await _witness.ListMultipartUploadsAsync(bucket, Cancel);
        Assert.Empty(uploads.MultipartUploads ?? []);
        Assert.False(await _s3.ExistsAsync(bucket, "code/aborted.zip", Cancel));
    }

    [Fact]
    public async Task PutFile_LargeFile_IsStoredIntact()
    {
        var bucket = await BucketAsync("putfile");
        var path = Path.Combine(Path.GetTempPath(), $"guard-putfile-{Guid.NewGuid():N}.zip");
        var bytes = RandomNumberGenerator.GetBytes(3 * 1024 * 1024);
        await File.WriteAllBytesAsync(path, bytes, Cancel);
        try
        {
            await _s3.PutFileAsync(bucket, "staged/fn.zip", path, "application/zip", Cancel);

            Assert.Equal(bytes, await _s3.TryGetObjectAsync(bucket, "staged/fn.zip", Cancel));
        }
        finally
        {
            File.Delete(path);
        }
    }

    [Fact]
    public async Task GetObject_MissingBucket_Throws404()
    {
        var e = await Assert.ThrowsAsync<AwsServiceException>(() => _s3.GetObjectAsync(new S3ObjectRequest("guard-no-such-bucket-x1", "fn.zip"), Cancel));

        Assert.Equal((404, "NoSuchBucket"), (e.StatusCode, e.ErrorCode));
    }

    private async Task<string> BucketAsync(string purpose)
    {
        var bucket = $"guard-s3-{purpose}-{Guid.NewGuid():N}"[..40];
        await _witness.PutBucketAsync(new PutBucketRequest { BucketName = bucket }, Cancel);
        return bucket;
    }
}
