using Amazon.S3;
using Amazon.S3.Model;
using Guard.Aws;
using Guard.Aws.Functions;
using Guard.Aws.Http;
using Guard.Aws.S3;
using Guard.Function.Tests.Support;
using Guard.Inspection.Reporting;
using Guard.Inspection.Rules;
using Guard.Testing;

namespace Guard.Function.Tests.Deploys;

/// <summary>
/// The deploy check of functions with <c>S3ObjectStorageMode: REFERENCE</c>, whose code is an object version in a
/// versioned bucket on moto_server (GetFunction's answer is the stand-in's: moto's Lambda has no such functions).
/// </summary>
public sealed class DeployCheckReferenceMotoTests(MotoServer moto) : IClassFixture<MotoServer>, IDisposable
{
    private const string Key = "fn/app.zip";

    private static AwsCredentials Credentials => MotoServer.Credentials;

    private readonly AmazonS3Client _witness = moto.S3Witness(Credentials);
    private readonly S3Client _s3 = S3Client.Create(
        AwsEnvironment.From(new Dictionary<string, string?> { ["AWS_REGION"] = MotoServer.Region, ["AWS_ENDPOINT_URL"] = moto.Endpoint.AbsoluteUri }),
        Credentials);

    private static CancellationToken Cancel => TestContext.Current.CancellationToken;

    public void Dispose()
    {
        _witness.Dispose();
        _s3.Dispose();
    }

    [Fact]
    public async Task Check_ReferencedVersionDeletedAfterAGoodVerdict_AlertsPackageSourceMissingNotTheCachedVerdict()
    {
        var harness = new DeployHarness(objects: new S3PackageOpener(() => _s3));
        var zip = Packages.GoodX8664("referenced");
        var bucket = $"ref-deploy-{Guid.NewGuid():N}"[..40];
        await _witness.PutBucketAsync(bucket, Cancel);
        await _witness.PutBucketVersioningAsync(
            new PutBucketVersioningRequest { BucketName = bucket, VersioningConfig = new S3BucketVersioningConfig { Status = VersionStatus.Enabled } }, Cancel);
        var version = (await _witness.PutObjectAsync(new PutObjectRequest { BucketName = bucket, Key = Key, InputStream = new MemoryStream(zip) }, Cancel)).VersionId;
        harness.Lambda.Add("orders-api", zip, referencedCode: new PackageLocation.S3Object(bucket, Key, version));
        var sha = FunctionCatalogStandIn.Sha256(zip);

        var created = await harness.CheckAsync(CloudTrailEvents.Deploy("CreateFunction20150331", "orders-api", sha));
        // A clean-up job removes the version; a later configuration change (same CodeSha256) is checked again.
        await _witness.DeleteObjectAsync(new DeleteObjectRequest { BucketName = bucket, Key = Key, VersionId = version }, Cancel);
        var reconfigured = await harness.CheckAsync(CloudTrailEvents.Deploy("UpdateFunctionConfiguration20150331v2", "orders-api", sha));

        Assert.Equal(Verdict.Ok, created.Report!.Verdict);
        Assert.Equal(Verdict.Broken, reconfigured.Report!.Verdict);
        Assert.Equal(FindingCodes.PackageSourceMissing, reconfigured.Report.LeadingFinding!.Code);
        var alert = Assert.Single(harness.Sns.Published);
        Assert.Contains(FindingCodes.PackageSourceMissing, alert.Message, StringComparison.Ordinal);
        Assert.Contains($"s3://{bucket}/{Key}?versionId={version}", alert.Message, StringComparison.Ordinal);
    }
}
