using System.Net;
using Amazon.S3;
using Amazon.S3.Model;
using Guard.Aws.Functions;
using Guard.Aws.Http;
using Guard.Aws.Lambda;
using Guard.Aws.S3;
using Guard.Aws.Tests.Http;
using Guard.Inspection;
using Guard.Inspection.Reading;
using Guard.Inspection.Reporting;
using Guard.Inspection.Rules;
using Guard.Testing;

namespace Guard.Aws.Tests.Functions;

/// <summary>
/// Functions with <c>S3ObjectStorageMode: REFERENCE</c>: GetFunction names the customer's object version instead of a
/// presigned URL, and the inspector reads that version from a versioned bucket on moto_server (moto's Lambda keeps no
/// such functions, so GetFunction's answer is the stand-in's).
/// </summary>
public sealed class DeployedFunctionInspectorReferenceTests(MotoServer moto) : IClassFixture<MotoServer>, IDisposable
{
    private static readonly byte[] GoodZip = new PackageBuilder().AddFile("bootstrap", ElfBuilder.Static(ElfBuilder.X8664, go: true), PackageBuilder.ExecutableMode).ToArray();
    private static readonly byte[] NotExecutableZip = new PackageBuilder().AddFile("bootstrap", ElfBuilder.Static(ElfBuilder.X8664, go: true), PackageBuilder.RegularFileMode).ToArray();

    private readonly AmazonS3Client _witness = moto.S3Witness(MotoAws.Credentials);
    private readonly S3Client _s3 = S3Client.Create(
        AwsEnvironment.From(new Dictionary<string, string?> { ["AWS_REGION"] = MotoAws.Region, ["AWS_ENDPOINT_URL"] = moto.Endpoint.AbsoluteUri }),
        MotoAws.Credentials);

    private readonly FunctionCatalogStandIn _lambda = new();

    private static CancellationToken Cancel => TestContext.Current.CancellationToken;

    public void Dispose()
    {
        _witness.Dispose();
        _s3.Dispose();
    }

    [Fact]
    public async Task Inspect_ReferencedVersionWithABrokenBootstrap_JudgedLikeAnyZipFromThatVersion()
    {
        var bucket = await VersionedBucketAsync("judged");
        var referenced = await PutAsync(bucket, "fn/app.zip", NotExecutableZip);
        // A later upload to the same key is not what the function runs.
        await PutAsync(bucket, "fn/app.zip", GoodZip);
        var function = Referencing("judged-fn", NotExecutableZip, new PackageLocation.S3Object(bucket, "fn/app.zip", referenced));

        var inspection = await Inspector(new S3PackageOpener(() => _s3)).InspectAsync(function, target: null, Cancel);

        var report = inspection.Report!;
        Assert.Equal(Verdict.Broken, report.Verdict);
        Assert.Equal(FindingCodes.BootstrapNotExecutable, report.LeadingFinding!.Code);
        Assert.Equal(function.Configuration.FunctionArn, report.Source);
    }

    [Fact]
    public async Task Inspect_ReferencedVersionDeleted_ReportsPackageSourceMissing()
    {
        var bucket = await VersionedBucketAsync("deleted");
        var referenced = await PutAsync(bucket, "fn/app.zip", GoodZip);
        await PutAsync(bucket, "fn/app.zip", GoodZip);
        await _witness.DeleteObjectAsync(new DeleteObjectRequest { BucketName = bucket, Key = "fn/app.zip", VersionId = referenced }, Cancel);
        var function = Referencing("deleted-fn", GoodZip, new PackageLocation.S3Object(bucket, "fn/app.zip", referenced));

        var inspection = await Inspector(new S3PackageOpener(() => _s3)).InspectAsync(function, target: null, Cancel);

        var report = inspection.Report!;
        Assert.Equal(Verdict.Broken, report.Verdict);
        var finding = Assert.Single(report.Findings);
        Assert.Equal(FindingCodes.PackageSourceMissing, finding.Code);
        Assert.Contains($"s3://{bucket}/fn/app.zip?versionId={referenced}", finding.Message, StringComparison.Ordinal);
        Assert.Contains("--s3-object-storage-mode REFERENCE", finding.Hint, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Inspect_ReferencedReadDenied_NotCheckedWithTheGrantNeverBroken()
    {
        // moto enforces no bucket policy: the refusal is S3's documented 403 answer, below Guard's signed client.
        var transport = new ScriptedTransport().Then(HttpStatusCode.Forbidden, "<Error><Code>AccessDenied</Code><Message>Access Denied</Message></Error>");
        using var s3 = S3Client.Create(
            AwsEnvironment.From(new Dictionary<string, string?> { ["AWS_REGION"] = "eu-west-1", ["AWS_ENDPOINT_URL_S3"] = "http://s3.test" }),
            new RecordingCredentials(),
            new AwsRetryOptions { MaxAttempts = 1 },
            transport);
        var function = Referencing("denied-fn", GoodZip, new PackageLocation.S3Object("their-code", "fn/app.zip", "v1"));

        var inspection = await Inspector(new S3PackageOpener(() => s3)).InspectAsync(function, target: null, Cancel);

        Assert.Null(inspection.Report);
        Assert.StartsWith("Guard may not read s3://their-code/fn/app.zip?versionId=v1", inspection.NotCheckedBecause, StringComparison.Ordinal);
        Assert.Contains("s3:GetObjectVersion on arn:aws:s3:::their-code/fn/app.zip", inspection.NotCheckedBecause, StringComparison.Ordinal);
        Assert.Equal("versionId=v1", Assert.Single(transport.Requests).Uri.Query.TrimStart('?'));
    }

    [Fact]
    public async Task Inspect_ReferencedWithoutAnS3Reader_NotChecked()
    {
        var function = Referencing("unread-fn", GoodZip, new PackageLocation.S3Object("code", "fn.zip", "v1"));

        var inspection = await Inspector(objects: null).InspectAsync(function, target: null, Cancel);

        Assert.Null(inspection.Report);
        Assert.Contains("S3ObjectStorageMode REFERENCE", inspection.NotCheckedBecause, StringComparison.Ordinal);
    }

    private DeployedFunctionInspector Inspector(IS3PackageOpener? objects) =>
        new(_lambda, new DelegatingPackageOpener(_ => throw new InvalidOperationException("a REFERENCE function has no presigned URL")), new PackageInspector(), RuntimeCatalog.Default, objects: objects);

    private FunctionDetails Referencing(string name, byte[] zip, PackageLocation.S3Object code) =>
        _lambda.Add(name, zip) with { CodeLocation = null, CodeObject = code };

    private async Task<string> VersionedBucketAsync(string name)
    {
        var bucket = $"ref-{name}-{Guid.NewGuid():N}"[..40];
        await _witness.PutBucketAsync(bucket, Cancel);
        await _witness.PutBucketVersioningAsync(
            new PutBucketVersioningRequest { BucketName = bucket, VersioningConfig = new S3BucketVersioningConfig { Status = VersionStatus.Enabled } }, Cancel);
        return bucket;
    }

    private async Task<string> PutAsync(string bucket, string key, byte[] zip) =>
        (await _witness.PutObjectAsync(new PutObjectRequest { BucketName = bucket, Key = key, InputStream = new MemoryStream(zip) }, Cancel)).VersionId;
}
