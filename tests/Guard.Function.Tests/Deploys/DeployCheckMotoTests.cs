using Guard.Aws.Functions;
using System.Text.Json;
using Guard.Aws.Notifications;
using Guard.Aws.Store;
using Guard.Function.Alerts;
using Guard.Function.Deploys;
using Guard.Function.Logging;
using Guard.Function.Routing;
using Guard.Function.Tests.Support;
using Guard.Inspection;
using Guard.Inspection.Reporting;
using Guard.Inspection.Rules;
using Guard.Testing;

namespace Guard.Function.Tests.Deploys;

/// <summary>
/// DeployCheck against a real moto_server: a function created in moto's Lambda, GetFunction through the signed
/// client, good-code records in a real S3 bucket, and the alert read back from an SQS queue subscribed to the
/// SNS topic. moto's Code.Location is not fetchable, so the same zip bytes are served by a LocalHttpServer and
/// the check reaches them through <see cref="CodeLocationRewrite"/> (the seam production leaves unset).
/// </summary>
public sealed class DeployCheckMotoTests(MotoServer moto) : IClassFixture<MotoServer>
{
    private static CancellationToken Cancel => TestContext.Current.CancellationToken;

    [Fact]
    public async Task Check_X8664BinaryOnArm64Function_AlertReachesTheQueueWithTheReport()
    {
        using var world = await MotoWorld.CreateAsync(moto, "guard-wrongarch", Cancel);
        await using var code = LocalHttpServer.Start();
        var zip = Packages.GoodX8664("wrong-arch");
        var arn = await world.CreateFunctionAsync("guard-wrongarch-fn", zip, "provided.al2023", "arm64", Cancel);
        await world.ServeCodeAsync(code, "guard-wrongarch-fn", zip, Cancel);
        var (check, output) = Compose(world, code);

        var outcome = await CheckAsync(check, CloudTrailEvents.Deploy("CreateFunction20150331", "guard-wrongarch-fn", FunctionCatalogStandIn.Sha256(zip), account: "123456789012"));

        Assert.Equal(Verdict.Broken, outcome.Report!.Verdict);
        var alert = Assert.Single(await world.ReceiveAlertsAsync(1, TimeSpan.FromSeconds(10), Cancel));
        Assert.Equal("Guard: guard-wrongarch-fn will not start (BOOTSTRAP_WRONG_ARCH)", alert.Subject);
        using var document = JsonDocument.Parse(alert.Message);
        var root = document.RootElement;
        Assert.Equal(arn, root.GetProperty("functionArn").GetString());
        Assert.Equal("BOOTSTRAP_WRONG_ARCH", root.GetProperty("report").GetProperty("findings")[0].GetProperty("code").GetString());
        Assert.Equal("arm64", root.GetProperty("report").GetProperty("architecture").GetString());
        Assert.True(code.RequestCount >= 1);
        Assert.DoesNotContain("X-Amz-Signature", output.ToString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Check_PublishVersionOfBrokenCodeLatestFixedSince_JudgesThePublishedVersionThroughGetFunctionsQualifier()
    {
        using var world = await MotoWorld.CreateAsync(moto, "guard-publish", Cancel);
        await using var code = LocalHttpServer.Start();
        var broken = Packages.NotExecutable("published");
        await world.CreateFunctionAsync("guard-publish-fn", broken, "provided.al2023", "x86_64", Cancel);
        var version = await world.PublishVersionAsync("guard-publish-fn", Cancel);
        await world.UpdateFunctionCodeZipAsync("guard-publish-fn", Packages.GoodX8664("fixed on $LATEST"), Cancel);
        await world.ServeCodeAsync(code, "guard-publish-fn", broken, Cancel, version);
        var (check, _) = Compose(world, code);

        var outcome = await CheckAsync(check, ManagedInstancesEvents.PublishVersion("guard-publish-fn", FunctionCatalogStandIn.Sha256(broken), version));

        Assert.Equal("BOOTSTRAP_NOT_EXECUTABLE", outcome.Report!.LeadingFinding!.Code);
        Assert.EndsWith($":function:guard-publish-fn:{version}", outcome.Report.Source, StringComparison.Ordinal);
        var alert = Assert.Single(await world.ReceiveAlertsAsync(1, TimeSpan.FromSeconds(10), Cancel));
        using var document = JsonDocument.Parse(alert.Message);
        Assert.EndsWith($":function:guard-publish-fn:{version}", document.RootElement.GetProperty("functionArn").GetString(), StringComparison.Ordinal);
        Assert.Equal("PublishVersion20150331", document.RootElement.GetProperty("eventName").GetString());
    }

    [Fact]
    public async Task Check_BootstrapWithoutExecBit_AlertInQueueAndNoGoodRecord()
    {
        using var world = await MotoWorld.CreateAsync(moto, "guard-noexec", Cancel);
        await using var code = LocalHttpServer.Start();
        var zip = Packages.NotExecutable("moto");
        await world.CreateFunctionAsync("guard-noexec-fn", zip, "provided.al2", "x86_64", Cancel);
        await world.ServeCodeAsync(code, "guard-noexec-fn", zip, Cancel);
        var (check, _) = Compose(world, code);

        var outcome = await CheckAsync(check, CloudTrailEvents.Deploy("UpdateFunctionCode20150331v2", "guard-noexec-fn", FunctionCatalogStandIn.Sha256(zip), account: "123456789012"));

        Assert.Equal("BOOTSTRAP_NOT_EXECUTABLE", outcome.Report!.LeadingFinding!.Code);
        var alert = Assert.Single(await world.ReceiveAlertsAsync(1, TimeSpan.FromSeconds(10), Cancel));
        Assert.Contains("BOOTSTRAP_NOT_EXECUTABLE", alert.Message, StringComparison.Ordinal);
        var keys = await world.S3.ListObjectsV2Async(new Amazon.S3.Model.ListObjectsV2Request { BucketName = world.Bucket }, Cancel);
        // Only the verdict, kept for the next deploy of the same code.
        Assert.All(keys.S3Objects ?? [], o => Assert.StartsWith("verdicts/123456789012/", o.Key, StringComparison.Ordinal));
    }

    [Fact]
    public async Task Check_GoodPackage_GoodRecordInTheBucketAndNoAlert()
    {
        using var world = await MotoWorld.CreateAsync(moto, "guard-good", Cancel);
        await using var code = LocalHttpServer.Start();
        var zip = Packages.GoodX8664("moto-good");
        await world.CreateFunctionAsync("guard-good-fn", zip, "provided.al2023", "x86_64", Cancel);
        await world.ServeCodeAsync(code, "guard-good-fn", zip, Cancel);
        var (check, _) = Compose(world, code);

        var outcome = await CheckAsync(check, CloudTrailEvents.Deploy("UpdateFunctionCode20150331v2", "guard-good-fn", FunctionCatalogStandIn.Sha256(zip), account: "123456789012"));

        Assert.Equal(Verdict.Ok, outcome.Report!.Verdict);
        using var stored = await world.S3.GetObjectAsync(world.Bucket, "good/123456789012/us-east-1/guard-good-fn.json", Cancel);
        var record = await JsonSerializer.DeserializeAsync(stored.ResponseStream, StoreJsonContext.Default.DeployRecord, Cancel);
        Assert.Equal(FunctionCatalogStandIn.Sha256(zip), record!.CodeSha256);
        Assert.Empty(await world.ReceiveAlertsAsync(1, TimeSpan.FromSeconds(2), Cancel));
    }

    [Fact]
    public async Task Check_SamePackageOver64MiBOnASecondFunction_AnsweredWithAVerdictWithoutReadingItAgain()
    {
        // The store's HEAD of a stored copy says Content-Length: {its size}; above 64 MiB that once failed every later event.
        using var world = await MotoWorld.CreateAsync(moto, "guard-large-again", Cancel);
        await using var code = LocalHttpServer.Start();
        var zip = Packages.GoodLarge((64 * 1024 * 1024) + 4096, "large-again");
        var sha = FunctionCatalogStandIn.Sha256(zip);
        await world.CreateFunctionFromS3Async("guard-large-a", zip, "provided.al2023", "x86_64", Cancel);
        await world.CreateFunctionFromS3Async("guard-large-b", zip, "provided.al2023", "x86_64", Cancel);
        await world.ServeCodeAsync(code, "guard-large-a", zip, Cancel);
        await world.ServeCodeAsync(code, "guard-large-b", zip, Cancel);
        var (check, _) = Compose(world, code, withCodeStore: true);

        var first = await CheckAsync(check, CloudTrailEvents.Deploy("CreateFunction20150331", "guard-large-a", sha, account: "123456789012"));
        var requestsForTheFirst = code.RequestCount;
        var second = await CheckAsync(check, CloudTrailEvents.Deploy("CreateFunction20150331", "guard-large-b", sha, account: "123456789012"));
        var again = await CheckAsync(check, CloudTrailEvents.Deploy("UpdateFunctionConfiguration20150331v2", "guard-large-a", sha, account: "123456789012"));

        Assert.Equal((Verdict.Ok, Verdict.Ok, Verdict.Ok), (first.Report!.Verdict, second.Report!.Verdict, again.Report!.Verdict));
        Assert.Equal(requestsForTheFirst, code.RequestCount);
        Assert.EndsWith(":function:guard-large-b", second.Report.Source, StringComparison.Ordinal);
        var head = await world.S3.GetObjectMetadataAsync(world.Bucket, CodeKeys.For("123456789012", sha), Cancel);
        Assert.Equal(zip.Length, head.ContentLength);
    }

    [Fact]
    public async Task Check_FunctionDeletedOrNeverExisted_AcknowledgedAsNotFound()
    {
        using var world = await MotoWorld.CreateAsync(moto, "guard-gone", Cancel);
        await using var code = LocalHttpServer.Start();
        var (check, _) = Compose(world, code);

        var outcome = await CheckAsync(check, CloudTrailEvents.Deploy("UpdateFunctionCode20150331v2", "guard-gone-fn", "c2hh", account: "123456789012"));

        Assert.Equal(Outcomes.NotFound, outcome.Outcome);
    }

    private static (DeployCheck Check, StringWriter Output) Compose(MotoWorld world, LocalHttpServer code, bool withCodeStore = false)
    {
        var output = new StringWriter();
        var log = new GuardLog(output, TimeProvider.System);
        var options = new GuardOptions(GuardMode.Alert, world.TopicArn, world.Bucket, new HashSet<string>(), GuardOptions.DefaultPlaceholderGrace, null,
            new CodeLocationRewrite(MotoWorld.MotoCodeHost, code.BaseAddress));
        var check = new DeployCheck(
            world.LambdaClient,
            new DeployedFunctionInspector(world.LambdaClient, new HttpPackageOpener(new HttpClient(), options.CodeLocationRewrite), new PackageInspector(), RuntimeCatalog.Default),
            new S3GuardStore(world.GuardS3, world.Bucket),
            new AlertSender([new SnsAlertChannel(SnsClient.Create(world.Environment, MotoWorld.Credentials), world.TopicArn, log)], log),
            options,
            log,
            TimeProvider.System,
            withCodeStore ? new Guard.Function.Rollback.S3CodeStore(world.GuardS3, world.Bucket, new HttpClient(), options.CodeLocationRewrite, log) : null);
        return (check, output);
    }

    private static Task<DeployOutcome> CheckAsync(DeployCheck check, string eventJson)
    {
        using var document = JsonDocument.Parse(eventJson);
        return check.CheckAsync(EventRouter.Classify(document.RootElement).CloudTrail!, Cancel);
    }
}
