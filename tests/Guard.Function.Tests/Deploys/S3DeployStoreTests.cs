using Amazon.S3.Model;
using Guard.Aws.Store;
using Guard.Function.Deploys;
using Guard.Function.Tests.Support;
using Guard.Testing;

namespace Guard.Function.Tests.Deploys;

/// <summary>
/// The record store against moto's S3 through Guard's own client; what it wrote, and the records a person edited
/// by hand, go in and come out through AWSSDK.S3.
/// </summary>
public sealed class S3DeployStoreTests(MotoServer moto) : IClassFixture<MotoServer>
{
    private static readonly FunctionKey Function = new("123456789012", "us-east-1", "fn");

    private static CancellationToken Cancel => TestContext.Current.CancellationToken;

    [Fact]
    public async Task GetGoodAsync_RecordWrittenMissingOrUnreadable_RecordOrNull()
    {
        using var world = await MotoWorld.CreateAsync(moto, "ds-read", Cancel);
        var store = new S3GuardStore(world.GuardS3, world.Bucket);
        var record = Record("fn");
        var edited = new FunctionKey(Function.Account, Function.Region, "edited");

        var missing = await store.GetGoodAsync(Function, Cancel);
        await store.PutGoodAsync(Function, record, Cancel);
        await PutTextAsync(world, edited.GoodKey, "{ not json");

        Assert.Null(missing);
        Assert.Equal(record, await store.GetGoodAsync(Function, Cancel));
        Assert.Null(await store.GetGoodAsync(edited, Cancel));
    }

    [Fact]
    public async Task ListPendingAsync_ReadableUnreadableAndForeignKeys_ListsPendingRecordsInKeyOrder()
    {
        using var world = await MotoWorld.CreateAsync(moto, "ds-list", Cancel);
        var store = new S3GuardStore(world.GuardS3, world.Bucket);
        var readable = new FunctionKey(Function.Account, Function.Region, "a-readable");
        var unreadable = new FunctionKey(Function.Account, Function.Region, "b-unreadable");
        await store.PutPendingAsync(readable, Record("a-readable"), Cancel);
        await PutTextAsync(world, unreadable.PendingKey, "{ not json");
        await PutTextAsync(world, "pending/not-a-function-key.json", "{}");
        await store.PutGoodAsync(Function, Record("fn"), Cancel);

        var listed = new List<PendingPlaceholder>();
        await foreach (var pending in store.ListPendingAsync(Cancel))
        {
            listed.Add(pending);
        }

        Assert.Equal([new PendingPlaceholder(readable, Record("a-readable")), new PendingPlaceholder(unreadable, null)], listed);
    }

    [Fact]
    public async Task DeletePendingAsync_PresentThenMissing_BothSucceed()
    {
        using var world = await MotoWorld.CreateAsync(moto, "ds-delete", Cancel);
        var store = new S3GuardStore(world.GuardS3, world.Bucket);
        await store.PutPendingAsync(Function, Record("fn"), Cancel);

        await store.DeletePendingAsync(Function, Cancel);
        await store.DeletePendingAsync(Function, Cancel);

        var keys = await world.S3.ListObjectsV2Async(new ListObjectsV2Request { BucketName = world.Bucket }, Cancel);
        Assert.Empty(keys.S3Objects ?? []);
    }

    [Fact]
    public async Task TryMarkAlertedAsync_SameProblemTwice_OnlyTheFirstWinsUntilCleared()
    {
        using var world = await MotoWorld.CreateAsync(moto, "ds-alerted", Cancel);
        var store = new S3GuardStore(world.GuardS3, world.Bucket);
        var sha = FunctionCatalogStandIn.Sha256([1, 2, 3]);
        var marker = new AlertMarker("arn", AlertProblems.Broken, sha, "2026-01-01T00:00:00Z");

        var first = await store.TryMarkAlertedAsync(Function, marker, Cancel);
        var second = await store.TryMarkAlertedAsync(Function, marker with { AlertedAt = "2026-01-01T01:00:00Z" }, Cancel);
        await store.ClearAlertedAsync(Function, AlertProblems.Broken, sha, Cancel);
        var afterClear = await store.TryMarkAlertedAsync(Function, marker, Cancel);

        Assert.Equal((true, false, true), (first, second, afterClear));
    }

    [Fact]
    public async Task PutPlaceholderTagAsync_SecondSighting_FirstIsKept()
    {
        using var world = await MotoWorld.CreateAsync(moto, "ds-tag", Cancel);
        var store = new S3GuardStore(world.GuardS3, world.Bucket);
        var first = new PlaceholderTagRecord("arn", "first", "2026-01-01T00:00:00Z");

        await store.PutPlaceholderTagAsync(Function, first, Cancel);
        await store.PutPlaceholderTagAsync(Function, first with { CodeSha256 = "second" }, Cancel);

        Assert.Equal(first, await store.GetPlaceholderTagAsync(Function, Cancel));
    }

    private static DeployRecord Record(string functionName) =>
        new($"arn:aws:lambda:us-east-1:123456789012:function:{functionName}", "c2hh", 1, "placeholder", "2026-01-01T00:00:00Z", null, null, null, FunctionName: functionName);

    private static async Task PutTextAsync(MotoWorld world, string key, string text) =>
        await world.S3.PutObjectAsync(new PutObjectRequest { BucketName = world.Bucket, Key = key, ContentBody = text }, Cancel);
}
