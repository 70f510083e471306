using Amazon.S3;
using Amazon.S3.Model;
using Guard.Aws.Http;
using Guard.Aws.S3;
using Guard.Inspection.Reading;
using Guard.Testing;

namespace Guard.Aws.Tests;

/// <summary>S3RangeSource, through Guard's S3 client, against a real moto_server; AWSSDK.S3 only arranges.</summary>
public sealed class S3RangeSourceTests(MotoServer moto) : IClassFixture<MotoServer>, IDisposable
{
    private static readonly byte[] Package = MakeBytes(200_000, seed: 1);

    private readonly AmazonS3Client _s3 = moto.S3Witness(maxErrorRetry: 0);

    private readonly S3Client _client = GuardS3(moto.Endpoint);

    private static CancellationToken Cancel => TestContext.Current.CancellationToken;

    public void Dispose()
    {
        _s3.Dispose();
        _client.Dispose();
    }

    [Fact]
    public async Task ReadTail_ExistingObject_ReturnsLengthAndLastBytes()
    {
        var bucket = await CreateBucketAsync("tail");
        await PutAsync(bucket, "fn.zip", Package);
        await using var source = new S3RangeSource(_client, bucket, "fn.zip");
        var buffer = new byte[65_536];

        var tail = await source.ReadTailAsync(buffer, Cancel);

        Assert.Equal(new TailRead(Package.Length, buffer.Length), tail);
        Assert.Equal(Package[^65_536..], buffer);
    }

    [Fact]
    public async Task ReadTail_ObjectSmallerThanBuffer_ReturnsWholeObject()
    {
        var bucket = await CreateBucketAsync("small");
        await PutAsync(bucket, "fn.zip", Package[..100]);
        await using var source = new S3RangeSource(_client, bucket, "fn.zip");
        var buffer = new byte[4096];

        var tail = await source.ReadTailAsync(buffer, Cancel);

        Assert.Equal(new TailRead(100, 100), tail);
        Assert.Equal(Package[..100], buffer[..100]);
    }

    [Fact]
    public async Task ReadTail_EmptyObject_ReturnsLengthZero()
    {
        var bucket = await CreateBucketAsync("empty");
        await PutAsync(bucket, "empty.zip", []);
        await using var source = new S3RangeSource(_client, bucket, "empty.zip");

        var tail = await source.ReadTailAsync(new byte[64], Cancel);

        Assert.Equal(new TailRead(0, 0), tail);
    }

    [Fact]
    public async Task Read_Range_ReturnsExactBytes()
    {
        var bucket = await CreateBucketAsync("range");
        await PutAsync(bucket, "fn.zip", Package);
        await using var source = new S3RangeSource(_client, bucket, "fn.zip");
        await source.ReadTailAsync(new byte[22], Cancel);
        var buffer = new byte[10_000];

        var read = await source.ReadAsync(123_456, buffer, Cancel);

        Assert.Equal(10_000, read);
        Assert.Equal(Package.AsSpan(123_456, 10_000).ToArray(), buffer);
    }

    [Fact]
    public async Task Read_RangePastEnd_ReturnsBytesUpToEnd()
    {
        var bucket = await CreateBucketAsync("pastend");
        await PutAsync(bucket, "fn.zip", Package);
        await using var source = new S3RangeSource(_client, bucket, "fn.zip");
        var buffer = new byte[1000];

        var read = await source.ReadAsync(Package.Length - 10, buffer, Cancel);
        var beyond = await source.ReadAsync(Package.Length + 5, buffer, Cancel);

        Assert.Equal(10, read);
        Assert.Equal(Package[^10..], buffer[..10]);
        Assert.Equal(0, beyond);
    }

    [Fact]
    public async Task Read_BeforeTailPastEnd_ReturnsZero()
    {
        var bucket = await CreateBucketAsync("beyond");
        await PutAsync(bucket, "fn.zip", Package[..50]);
        await using var source = new S3RangeSource(_client, bucket, "fn.zip");

        var read = await source.ReadAsync(1000, new byte[16], Cancel);

        Assert.Equal(0, read);
    }

    [Fact]
    public async Task ReadTail_WithVersionId_ReadsThatVersion()
    {
        var bucket = await CreateBucketAsync("versions");
        await _s3.PutBucketVersioningAsync(
            new PutBucketVersioningRequest { BucketName = bucket, VersioningConfig = new S3BucketVersioningConfig { Status = VersionStatus.Enabled } }, Cancel);
        var first = MakeBytes(5000, seed: 2);
        var second = MakeBytes(7000, seed: 3);
        var firstVersion = await PutAsync(bucket, "fn.zip", first);
        var secondVersion = await PutAsync(bucket, "fn.zip", second);
        Assert.NotEqual(firstVersion, secondVersion);
        await using var old = new S3RangeSource(_client, bucket, "fn.zip", firstVersion);
        await using var latest = new S3RangeSource(_client, bucket, "fn.zip");
        var oldBuffer = new byte[10_000];
        var latestBuffer = new byte[10_000];

        var oldTail = await old.ReadTailAsync(oldBuffer, Cancel);
        var latestTail = await latest.ReadTailAsync(latestBuffer, Cancel);
        var oldRange = new byte[100];
        await old.ReadAsync(1000, oldRange, Cancel);

        Assert.Equal(new TailRead(5000, 5000), oldTail);
        Assert.Equal(first, oldBuffer[..5000]);
        Assert.Equal(first.AsSpan(1000, 100).ToArray(), oldRange);
        Assert.Equal(new TailRead(7000, 7000), latestTail);
        Assert.Equal(second, latestBuffer[..7000]);
        Assert.Equal($"s3://{bucket}/fn.zip?versionId={firstVersion}", old.DisplayName);
    }

    [Fact]
    public async Task ReadTail_MissingKey_ThrowsNotFound()
    {
        var bucket = await CreateBucketAsync("nokey");
        await using var source = new S3RangeSource(_client, bucket, "missing.zip");

        var e = await Assert.ThrowsAsync<PackageUnavailableException>(async () => await source.ReadTailAsync(new byte[16], Cancel));

        Assert.Equal($"s3://{bucket}/missing.zip: not found", e.Message);
        Assert.False(e.IsTransient);
    }

    [Fact]
    public async Task ReadTail_MissingBucket_ThrowsNotFound()
    {
        await using var source = new S3RangeSource(_client, "guard-no-such-bucket", "fn.zip");

        var e = await Assert.ThrowsAsync<PackageUnavailableException>(async () => await source.ReadTailAsync(new byte[16], Cancel));

        Assert.Equal("s3://guard-no-such-bucket/fn.zip: not found", e.Message);
        Assert.False(e.IsTransient);
    }

    [Fact]
    public async Task ReadTail_MissingVersion_ThrowsNotFound()
    {
        var bucket = await CreateBucketAsync("noversion");
        await _s3.PutBucketVersioningAsync(
            new PutBucketVersioningRequest { BucketName = bucket, VersioningConfig = new S3BucketVersioningConfig { Status = VersionStatus.Enabled } }, Cancel);
        await PutAsync(bucket, "fn.zip", Package[..10]);
        await using var source = new S3RangeSource(_client, bucket, "fn.zip", "no-such-version");

        var e = await Assert.ThrowsAsync<PackageUnavailableException>(async () => await source.ReadTailAsync(new byte[16], Cancel));

        Assert.EndsWith(": not found", e.Message, StringComparison.Ordinal);
        Assert.False(e.IsTransient);
    }

    [Fact]
    public async Task Read_ObjectOverwrittenAfterTail_ThrowsTransientChanged()
    {
        var bucket = await CreateBucketAsync("overwrite");
        await PutAsync(bucket, "fn.zip", Package);
        await using var source = new S3RangeSource(_client, bucket, "fn.zip");
        await source.ReadTailAsync(new byte[16], Cancel);
        var replacement = (byte[])Package.Clone();
        replacement[0] ^= 0xFF;
        await PutAsync(bucket, "fn.zip", replacement);

        var e = await Assert.ThrowsAsync<PackageUnavailableException>(async () => await source.ReadAsync(0, new byte[16], Cancel));

        Assert.True(e.IsTransient);
        Assert.Contains("changed while it was being read", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task ReadTail_WhenEndpointUnreachable_ThrowsTransient()
    {
        using var nowhere = GuardS3(new Uri("http://127.0.0.1:9/"));
        await using var source = new S3RangeSource(nowhere, "bucket", "fn.zip");

        var e = await Assert.ThrowsAsync<PackageUnavailableException>(async () => await source.ReadTailAsync(new byte[16], Cancel));

        Assert.True(e.IsTransient);
        Assert.StartsWith("s3://bucket/fn.zip: ", e.Message, StringComparison.Ordinal);
        Assert.DoesNotContain('\n', e.Message);
    }

    [Theory]
    [InlineData("bytes 0-9/10", true, 0, 9, 10)]
    [InlineData("bytes 100-199/5000", true, 100, 199, 5000)]
    [InlineData("bytes */10", false, 0, 0, 0)]
    [InlineData("bytes 5-4/10", false, 0, 0, 0)]
    [InlineData("bytes 0-10/10", false, 0, 0, 0)]
    [InlineData("items 0-9/10", false, 0, 0, 0)]
    [InlineData(null, false, 0, 0, 0)]
    public void TryParseContentRange_Value_ParsesOnlyCompleteRanges(string? value, bool expected, long from, long to, long length)
    {
        var parsed = S3RangeSource.TryParseContentRange(value, out var f, out var t, out var l);

        Assert.Equal(expected, parsed);
        if (expected)
        {
            Assert.Equal((from, to, length), (f, t, l));
        }
    }

    private async Task<string> CreateBucketAsync(string purpose)
    {
        var bucket = $"guard-{purpose}-{Guid.NewGuid():N}"[..40];
        await _s3.PutBucketAsync(new PutBucketRequest { BucketName = bucket }, Cancel);
        return bucket;
    }

    private async Task<string?> PutAsync(string bucket, string key, byte[] content)
    {
        var response = await _s3.PutObjectAsync(new PutObjectRequest { BucketName = bucket, Key = key, InputStream = new MemoryStream(content) }, Cancel);
        return response.VersionId;
    }

    private static byte[] MakeBytes(int length, int seed)
    {
        var bytes = new byte[length];
        new Random(seed).NextBytes(bytes);
        return bytes;
    }

    private static S3Client GuardS3(Uri endpoint) => S3Client.Create(
        AwsEnvironment.From(new Dictionary<string, string?> { ["AWS_REGION"] = MotoServer.Region, ["AWS_ENDPOINT_URL_S3"] = endpoint.AbsoluteUri }),
        MotoServer.Credentials,
        new AwsRetryOptions { MaxAttempts = 1 });
}
