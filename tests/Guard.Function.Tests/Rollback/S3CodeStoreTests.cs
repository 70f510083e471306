using Amazon.S3;
using Amazon.S3.Model;
using Guard.Aws.Store;
using Guard.Function.Logging;
using Guard.Function.Rollback;
using Guard.Function.Tests.Support;
using Guard.Testing;

namespace Guard.Function.Tests.Rollback;

/// <summary>The code copy against moto's S3: streamed (whole or in parts) from a presigned-style URL, or copied server-side.</summary>
public sealed class S3CodeStoreTests(MotoServer moto) : IClassFixture<MotoServer>
{
    private const string Account = "123456789012";

    private static CancellationToken Cancel => TestContext.Current.CancellationToken;

    [Fact]
    public async Task KeepAsync_StoredCopyLargerThanAnyAnswerReadWhole_FoundWithoutFetchingAgain()
    {
        // The same >64 MiB package deployed again (a redeploy, another function, Lambda's retry): the HEAD of the copy
        // carries its size as Content-Length and must read as "already stored", not fail as an answer too large.
        using var world = await MotoWorld.CreateAsync(moto, "cs-stored-large", Cancel);
        await using var code = LocalHttpServer.Start();
        var large = new byte[Guard.Aws.Http.AwsHttpPipeline.MaxBodyBytes + 1];
        var sha = FunctionCatalogStandIn.Sha256(large);
        await world.S3.PutObjectAsync(new PutObjectRequest { BucketName = world.Bucket, Key = CodeKeys.For(Account, sha), InputStream = new MemoryStream(large) }, Cancel);

        var stored = await Store(world).KeepAsync(Account, sha, new Uri(code.BaseAddress, "/unreachable"), null, Cancel);

        Assert.Equal(CodeKeys.For(Account, sha), stored.Key);
        Assert.Equal(0, code.RequestCount);
    }

    [Fact]
    public async Task KeepAsync_SameCodeInTwoAccounts_KeptUnderEachAccount()
    {
        using var world = await MotoWorld.CreateAsync(moto, "cs-accounts", Cancel);
        await using var code = LocalHttpServer.Start();
        var zip = Packages.GoodX8664("accounts");
        var location = code.Serve("/snapshots/accounts.zip", zip);
        var store = Store(world);

        var first = await store.KeepAsync(Account, FunctionCatalogStandIn.Sha256(zip), location, null, Cancel);
        var second = await store.KeepAsync("111111111111", FunctionCatalogStandIn.Sha256(zip), location, null, Cancel);

        Assert.StartsWith($"code/{Account}/", first.Key, StringComparison.Ordinal);
        Assert.StartsWith("code/111111111111/", second.Key, StringComparison.Ordinal);
        Assert.Equal(zip, await ReadAsync(world, second.Key));
    }

    [Fact]
    public async Task KeepAsync_UnversionedS3SourceStillHoldingTheCode_CopiedServerSide()
    {
        using var world = await MotoWorld.CreateAsync(moto, "cs-key", Cancel);
        await using var code = LocalHttpServer.Start();
        var zip = Packages.GoodX8664("unversioned");
        await world.S3.PutBucketAsync("cs-key-artifacts", Cancel);
        await world.S3.PutObjectAsync(new PutObjectRequest { BucketName = "cs-key-artifacts", Key = "builds/fn.zip", InputStream = new MemoryStream(zip) }, Cancel);

        var stored = await Store(world).KeepAsync(
            Account, FunctionCatalogStandIn.Sha256(zip), new Uri(code.BaseAddress, "/unreachable"), new CodeOrigin("cs-key-artifacts", "builds/fn.zip", null), Cancel);

        Assert.Equal(zip, await ReadAsync(world, stored.Key));
        Assert.Equal(0, code.RequestCount);
    }

    [Fact]
    public async Task KeepAsync_UnversionedS3SourceOverwrittenSince_CopiedFromCodeLocation()
    {
        using var world = await MotoWorld.CreateAsync(moto, "cs-key-over", Cancel);
        await using var code = LocalHttpServer.Start();
        var zip = Packages.GoodX8664("deployed");
        var location = code.Serve("/snapshots/deployed.zip", zip);
        await world.S3.PutBucketAsync("cs-key-over-artifacts", Cancel);
        await world.S3.PutObjectAsync(new PutObjectRequest { BucketName = "cs-key-over-artifacts", Key = "builds/fn.zip", InputStream = new MemoryStream(Packages.NotExecutable()) }, Cancel);

        var stored = await Store(world).KeepAsync(
            Account, FunctionCatalogStandIn.Sha256(zip), location, new CodeOrigin("cs-key-over-artifacts", "builds/fn.zip", null), Cancel);

        Assert.Equal(zip, await ReadAsync(world, stored.Key));
        Assert.Equal(1, code.RequestCount);
    }

    [Fact]
    public async Task KeepAsync_PackageLargerThanOnePart_UploadedInPartsWithTheSameBytes()
    {
        using var world = await MotoWorld.CreateAsync(moto, "cs-large", Cancel);
        await using var code = LocalHttpServer.Start();
        var zip = Packages.GoodLarge(S3CodeStore.PartSize + (3 * 1024 * 1024), "large");
        var location = code.Serve("/snapshots/large.zip", zip);
        var store = Store(world);

        var stored = await store.KeepAsync(Account, FunctionCatalogStandIn.Sha256(zip), location, null, Cancel);

        Assert.Equal(zip, await ReadAsync(world, stored.Key));
        var head = await world.S3.GetObjectMetadataAsync(world.Bucket, stored.Key, Cancel);
        // A multipart object's ETag ends in -{parts}.
        Assert.EndsWith("-2\"", head.ETag, StringComparison.Ordinal);
        Assert.Equal(1, code.RequestCount);
    }

    [Fact]
    public async Task KeepAsync_BytesDoNotHashToCodeSha256_NothingStored()
    {
        using var world = await MotoWorld.CreateAsync(moto, "cs-mismatch", Cancel);
        await using var code = LocalHttpServer.Start();
        var served = Packages.GoodX8664("served");
        var claimed = FunctionCatalogStandIn.Sha256(Packages.GoodX8664("claimed"));
        var location = code.Serve("/snapshots/changed.zip", served);

        await Assert.ThrowsAsync<CodeCopyException>(() => Store(world).KeepAsync(Account, claimed, location, null, Cancel));

        var keys = await world.S3.ListObjectsV2Async(new ListObjectsV2Request { BucketName = world.Bucket }, Cancel);
        Assert.Empty(keys.S3Objects ?? []);
    }

    [Fact]
    public async Task KeepAsync_LargeBytesDoNotHash_MultipartAbortedAndNothingStored()
    {
        using var world = await MotoWorld.CreateAsync(moto, "cs-abort", Cancel);
        await using var code = LocalHttpServer.Start();
        var served = Packages.GoodLarge(S3CodeStore.PartSize + 1024, "served");
        var location = code.Serve("/snapshots/changed.zip", served);

        await Assert.ThrowsAsync<CodeCopyException>(() => Store(world).KeepAsync(Account, FunctionCatalogStandIn.Sha256([1, 2, 3]), location, null, Cancel));

        var keys = await world.S3.ListObjectsV2Async(new ListObjectsV2Request { BucketName = world.Bucket }, Cancel);
        Assert.Empty(keys.S3Objects ?? []);
        var uploads = await world.S3.ListMultipartUploadsAsync(new ListMultipartUploadsRequest { BucketName = world.Bucket }, Cancel);
        Assert.Empty(uploads.MultipartUploads ?? []);
    }

    [Fact]
    public async Task KeepAsync_VersionedS3Source_CopiedServerSideWithoutReadingCodeLocation()
    {
        using var world = await MotoWorld.CreateAsync(moto, "cs-copy", Cancel);
        await using var code = LocalHttpServer.Start();
        var zip = Packages.GoodX8664("versioned");
        var source = "cs-copy-artifacts";
        await world.S3.PutBucketAsync(source, Cancel);
        await world.S3.PutBucketVersioningAsync(new PutBucketVersioningRequest { BucketName = source, VersioningConfig = new S3BucketVersioningConfig { Status = VersionStatus.Enabled } }, Cancel);
        var put = await world.S3.PutObjectAsync(new PutObjectRequest { BucketName = source, Key = "builds/fn.zip", InputStream = new MemoryStream(zip) }, Cancel);
        // Overwritten after the deploy: the version, not the key, names the deployed bytes.
        await world.S3.PutObjectAsync(new PutObjectRequest { BucketName = source, Key = "builds/fn.zip", InputStream = new MemoryStream(Packages.NotExecutable()) }, Cancel);

        var stored = await Store(world).KeepAsync(Account, FunctionCatalogStandIn.Sha256(zip), new Uri(code.BaseAddress, "/unreachable"), new CodeOrigin(source, "builds/fn.zip", put.VersionId), Cancel);

        Assert.Equal(zip, await ReadAsync(world, stored.Key));
        Assert.Equal(0, code.RequestCount);
    }

    [Fact]
    public async Task KeepAsync_ServerSideCopyRefused_CopiedFromCodeLocationInstead()
    {
        using var world = await MotoWorld.CreateAsync(moto, "cs-refused", Cancel);
        await using var code = LocalHttpServer.Start();
        var zip = Packages.GoodX8664("refused");
        var location = code.Serve("/snapshots/refused.zip", zip);
        var output = new StringWriter();
        var store = new S3CodeStore(world.GuardS3, world.Bucket, new HttpClient(), null, new GuardLog(output, TimeProvider.System));

        // The deployer's bucket is gone (404 NoSuchBucket): the same fallback as a bucket that refuses Guard (403).
        var stored = await store.KeepAsync(Account, FunctionCatalogStandIn.Sha256(zip), location, new CodeOrigin("cs-refused-no-such-bucket", "builds/fn.zip", "v1"), Cancel);

        Assert.Equal(zip, await ReadAsync(world, stored.Key));
        Assert.Equal(1, code.RequestCount);
        Assert.Contains("server-side copy from s3://cs-refused-no-such-bucket/builds/fn.zip refused (NoSuchBucket)", output.ToString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task KeepAsync_SameDigestTwice_StoredOnceAndNotFetchedAgain()
    {
        using var world = await MotoWorld.CreateAsync(moto, "cs-once", Cancel);
        await using var code = LocalHttpServer.Start();
        var zip = Packages.GoodX8664("once");
        var location = code.Serve("/snapshots/once.zip", zip);
        var store = Store(world);

        await store.KeepAsync(Account, FunctionCatalogStandIn.Sha256(zip), location, null, Cancel);
        await store.KeepAsync(Account, FunctionCatalogStandIn.Sha256(zip), location, null, Cancel);

        Assert.Equal(1, code.RequestCount);
    }

    [Fact]
    public async Task TryClaimRollbackAsync_SameRevisionTwice_OnlyTheFirstWins()
    {
        using var world = await MotoWorld.CreateAsync(moto, "cs-claim", Cancel);
        var store = new S3GuardStore(world.GuardS3, world.Bucket);
        var key = new FunctionKey("123456789012", "us-east-1", "fn");
        var claim = new RollbackClaim("arn", "rev-1", "sha", "2024-01-01T00:00:00Z", "event");

        var first = await store.TryClaimRollbackAsync(key, claim, Cancel);
        var second = await store.TryClaimRollbackAsync(key, claim with { EventId = "retry" }, Cancel);
        var other = await store.TryClaimRollbackAsync(key, claim with { BadRevisionId = "rev-2" }, Cancel);

        Assert.Equal((true, false, true), (first, second, other));
    }

    private static S3CodeStore Store(MotoWorld world) => new(world.GuardS3, world.Bucket, new HttpClient(), null, new GuardLog(new StringWriter(), TimeProvider.System));

    private static async Task<byte[]> ReadAsync(MotoWorld world, string key)
    {
        using var response = await world.S3.GetObjectAsync(world.Bucket, key, Cancel);
        using var buffer = new MemoryStream();
        await response.ResponseStream.CopyToAsync(buffer, Cancel);
        return buffer.ToArray();
    }
}
