using Guard.Aws.Functions;
using Amazon.S3;
using Amazon.S3.Model;
using Guard.Aws;
using Guard.Function.CloudFormation;
using Guard.Function.Logging;
using Guard.Function.Tests.Support;
using Guard.Inspection;
using Guard.Inspection.Reporting;
using Guard.Inspection.Rules;
using Guard.Testing;

namespace Guard.Function.Tests.CloudFormation;

/// <summary>The custom resource reading real S3 objects (moto_server) through <see cref="S3PackageOpener"/>, versions included.</summary>
public sealed class PackageCheckMotoTests(MotoServer moto) : IClassFixture<MotoServer>
{
    private static CancellationToken Cancel => TestContext.Current.CancellationToken;

    [Fact]
    public async Task CustomResource_S3ObjectVersions_JudgesTheVersionNamed()
    {
        using var world = await MotoWorld.CreateAsync(moto, "guard-cfn-moto", Cancel);
        await world.S3.PutBucketVersioningAsync(new PutBucketVersioningRequest { BucketName = world.Bucket, VersioningConfig = new S3BucketVersioningConfig { Status = VersionStatus.Enabled } }, Cancel);
        var good = await world.S3.PutObjectAsync(new PutObjectRequest { BucketName = world.Bucket, Key = "orders/function.zip", InputStream = new MemoryStream(Packages.GoodX8664()) }, Cancel);
        await world.S3.PutObjectAsync(new PutObjectRequest { BucketName = world.Bucket, Key = "orders/function.zip", InputStream = new MemoryStream(Packages.NotExecutable()) }, Cancel);
        var output = new StringWriter();
        var log = new GuardLog(output, TimeProvider.System);
        var check = new PackageCheck(
            new DeployedFunctionInspector(world.LambdaClient, new InMemoryPackageOpener(), new PackageInspector(), RuntimeCatalog.Default),
            new S3PackageOpener(() => PackageSourceFactory.CreateS3Client(world.Environment, MotoWorld.Credentials)));
        await using var responses = ResponseUrlStandIn.Start();
        var handler = new CustomResourceHandler(() => check, new ResponseUrlClient(() => new HttpClient()), RuntimeCatalog.Default, log, TimeProvider.System);
        var router = new Guard.Function.Routing.EventRouter(handler, handler, handler, handler, log);

        async Task<System.Text.Json.JsonElement> CheckAsync(string? version, string key = "orders/function.zip")
        {
            var request = StackRequests.CustomResource("Create", responses.NewUrl(), StackRequests.S3Properties(world.Bucket, key, version: version));
            await router.HandleAsync(new Guard.Function.RuntimeApi.Invocation("r", DateTimeOffset.UtcNow.AddMinutes(1), null, null, System.Text.Encoding.UTF8.GetBytes(request)), Cancel);
            return StackCheckHarness.Parse((await responses.NextAsync(TimeSpan.FromSeconds(10), Cancel)).Text);
        }

        var pinned = await CheckAsync(good.VersionId);
        var latest = await CheckAsync(null);
        var missing = await CheckAsync(null, "orders/nothing.zip");

        Assert.Equal("SUCCESS", pinned.GetProperty("Status").GetString());
        Assert.Equal($"s3://{world.Bucket}/orders/function.zip?versionId={good.VersionId}", pinned.GetProperty("Data").GetProperty("Source").GetString());
        Assert.Equal("FAILED", latest.GetProperty("Status").GetString());
        Assert.Contains(FindingCodes.BootstrapNotExecutable, latest.GetProperty("Reason").GetString(), StringComparison.Ordinal);
        Assert.Equal("FAILED", missing.GetProperty("Status").GetString());
        Assert.Equal($"Guard could not check s3://{world.Bucket}/orders/nothing.zip: s3://{world.Bucket}/orders/nothing.zip: not found.", missing.GetProperty("Reason").GetString());
    }
}
