using System.Text.Json;
using Guard.Aws.Notifications;
using Guard.Aws.Store;
using Guard.Function.Alerts;
using Guard.Function.Deploys;
using Guard.Function.Logging;
using Guard.Function.Scheduled;
using Guard.Function.Tests.Support;
using Guard.Testing;

namespace Guard.Function.Tests.Scheduled;

/// <summary>
/// The placeholder sweep against a real moto_server: the pending record in moto's S3, the function in moto's
/// Lambda, the alert read back from the SQS queue subscribed to the topic, the marker in the bucket.
/// </summary>
public sealed class PlaceholderSweepMotoTests(MotoServer moto) : IClassFixture<MotoServer>
{
    private static CancellationToken Cancel => TestContext.Current.CancellationToken;

    [Fact]
    public async Task Run_OverduePlaceholder_OneAlertInTheQueueAndAMarkerInTheBucket()
    {
        using var world = await MotoWorld.CreateAsync(moto, "guard-sweep", Cancel);
        var zip = Packages.DummyPlaceholder();
        var arn = await world.CreateFunctionAsync("guard-sweep-fn", zip, "provided.al2023", "x86_64", Cancel);
        var current = await world.LambdaClient.GetFunctionAsync("guard-sweep-fn", Cancel);
        var store = new S3GuardStore(world.GuardS3, world.Bucket);
        var key = FunctionKey.FromArn(arn, "guard-sweep-fn", null, null);
        await store.PutPendingAsync(
            key,
            new DeployRecord(arn, current.Configuration.CodeSha256, zip.Length, "placeholder", DateTimeOffset.UtcNow.AddHours(-2).ToString("yyyy-MM-dd'T'HH:mm:ss'Z'", System.Globalization.CultureInfo.InvariantCulture),
                "CreateFunction20150331", "2026-03-02T10:00:00Z", "arn:aws:iam::123456789012:user/pipeline", key.Account, key.Region, "guard-sweep-fn"),
            Cancel);
        var output = new StringWriter();
        var log = new GuardLog(output, TimeProvider.System);
        var options = new GuardOptions(GuardMode.Alert, world.TopicArn, world.Bucket, new HashSet<string>(), TimeSpan.FromMinutes(60), null, null);
        var sweep = new PlaceholderSweep(
            world.LambdaClient, store, new AlertSender([new SnsAlertChannel(SnsClient.Create(world.Environment, MotoWorld.Credentials), world.TopicArn, log)], log),
            options, MotoWorld.Region, log, TimeProvider.System);

        var first = await sweep.RunAsync(Cancel);
        var second = await sweep.RunAsync(Cancel);

        Assert.Equal((1, 0), (first.Metrics.AlertsSent, second.Metrics.AlertsSent));
        var alert = Assert.Single(await world.ReceiveAlertsAsync(1, TimeSpan.FromSeconds(10), Cancel));
        Assert.StartsWith("Guard: guard-sweep-fn still a placeholder after 1", alert.Subject, StringComparison.Ordinal);
        using var document = JsonDocument.Parse(alert.Message);
        Assert.Equal("guard.placeholder.overdue", document.RootElement.GetProperty("type").GetString());
        Assert.Equal(arn, document.RootElement.GetProperty("functionArn").GetString());
        var listed = await world.S3.ListObjectsV2Async(new Amazon.S3.Model.ListObjectsV2Request { BucketName = world.Bucket, Prefix = "alerted/" }, Cancel);
        Assert.Single(listed.S3Objects ?? []);
        Assert.Empty(await world.ReceiveAlertsAsync(1, TimeSpan.FromSeconds(2), Cancel));
    }

    [Fact]
    public async Task Run_FunctionDeleted_RecordDroppedFromTheBucket()
    {
        using var world = await MotoWorld.CreateAsync(moto, "guard-sweep-gone", Cancel);
        var store = new S3GuardStore(world.GuardS3, world.Bucket);
        var arn = "arn:aws:lambda:us-east-1:123456789012:function:guard-sweep-gone-fn";
        var key = FunctionKey.FromArn(arn, "guard-sweep-gone-fn", null, null);
        await store.PutPendingAsync(key, new DeployRecord(arn, "c2hh", 1, "placeholder", "2026-01-01T00:00:00Z", null, null, null), Cancel);
        var log = new GuardLog(new StringWriter(), TimeProvider.System);
        var options = new GuardOptions(GuardMode.Alert, world.TopicArn, world.Bucket, new HashSet<string>(), TimeSpan.FromMinutes(60), null, null);
        var sweep = new PlaceholderSweep(world.LambdaClient, store, new AlertSender([], log), options, MotoWorld.Region, log, TimeProvider.System);

        var summary = await sweep.RunAsync(Cancel);

        Assert.Equal(1, summary.Metrics.Dropped);
        var listed = await world.S3.ListObjectsV2Async(new Amazon.S3.Model.ListObjectsV2Request { BucketName = world.Bucket, Prefix = "pending/" }, Cancel);
        Assert.Empty(listed.S3Objects ?? []);
    }
}
