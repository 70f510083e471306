using System.Text.Json;
using Guard.Aws.Ecr;
using Guard.Aws.Functions;
using Guard.Aws.Http;
using Guard.Inspection;
using Guard.Inspection.Images;
using Guard.Inspection.Reading;
using Guard.Inspection.Reporting;
using Guard.Inspection.Rules;
using Guard.Testing;

namespace Guard.Aws.Tests.Ecr;

/// <summary>The image engine reading an ECR image through ECR's API (signed EcrClient, presigned blob URLs), against <see cref="EcrStandIn"/>.</summary>
public sealed class EcrImageSourceTests : IAsyncLifetime
{
    private const string OtherAccount = "444455556666";
    private static readonly HttpClient Blobs = new();
    private static readonly AwsCredentials Credentials = new AwsCredentials("AKIDGUARD", "guard-secret");

    private EcrStandIn _ecr = null!;
    private EcrClient _client = null!;

    private static CancellationToken Cancel => TestContext.Current.CancellationToken;

    public ValueTask InitializeAsync()
    {
        _ecr = EcrStandIn.Start();
        _client = EcrClient.Create(
            AwsEnvironment.From(new Dictionary<string, string?> { ["AWS_REGION"] = EcrStandIn.Region, ["AWS_ENDPOINT_URL_ECR"] = _ecr.Endpoint.AbsoluteUri }),
            Credentials,
            new AwsRetryOptions { MaxAttempts = 1 });
        return ValueTask.CompletedTask;
    }

    public async ValueTask DisposeAsync()
    {
        _client.Dispose();
        await _ecr.DisposeAsync();
    }

    internal static BuiltImage GoImage(string architecture = "amd64") => ImageBuilder.GoFunction(architecture).Build();

    private async Task<Report> InspectAsync(string uri, Architecture architecture = Architecture.X8664, FunctionImageConfig? imageConfig = null)
    {
        await using var source = new EcrImageSource(EcrImageUri.Parse(uri), _client, new HttpPackageOpener(Blobs));
        return await ImageInspector.InspectAsync(new ImageInspectionRequest(source, architecture, imageConfig), Cancel);
    }

    [Fact]
    public async Task Inspect_ArmImageForAnX8664Function_WrongArchFromTheManifestAndConfigAlone()
    {
        var image = GoImage("arm64");
        var uri = _ecr.Push(image);

        var report = await InspectAsync(uri);

        Assert.Equal(Verdict.Broken, report.Verdict);
        Assert.Equal(FindingCodes.ImageWrongArch, report.LeadingFinding!.Code);
        Assert.Equal(["BatchGetImage", "GetDownloadUrlForLayer"], _ecr.Calls.Select(c => c.Operation));
        var config = JsonDocument.Parse(image.TopBytes).RootElement.GetProperty("config").GetProperty("digest").GetString();
        Assert.Equal([config!], _ecr.BlobReads);
        Assert.Equal(3, report.Stats.Requests);
    }

    [Fact]
    public async Task Inspect_GoodImage_OkReadingOnlyTheLayerWithTheEntrypointAndNeverShowingAUrl()
    {
        var image = GoImage();
        var uri = _ecr.Push(image);

        var report = await InspectAsync(EcrStandIn.ResolvedUri(image));

        Assert.Equal(Verdict.Ok, report.Verdict);
        Assert.Equal("/main", report.Bootstrap!.Path);
        Assert.Equal(EcrStandIn.ResolvedUri(image), report.Source);
        // The config and the top layer: the bottom layer (os-release) is never fetched.
        Assert.Equal(2, _ecr.BlobReads.Count);
        var json = JsonSerializer.Serialize(report, ReportJsonContext.Default.Report);
        Assert.DoesNotContain("Signature", json, StringComparison.Ordinal);
        Assert.DoesNotContain("/blobs/", json, StringComparison.Ordinal);
        Assert.NotNull(uri);
    }

    [Fact]
    public async Task Inspect_ImageInAnotherAccount_AsksThatRegistryAndAcceptsIndexesAndManifests()
    {
        var uri = _ecr.Push(GoImage(), account: OtherAccount);

        await InspectAsync(uri);

        var first = _ecr.Calls[0];
        Assert.Equal((OtherAccount, "guard/app", "latest"), (first.RegistryId, first.Repository, first.ImageId));
        Assert.Superset(
            new HashSet<string>([ImageBuilder.OciManifest, ImageBuilder.OciIndex, ImageBuilder.DockerManifest, ImageBuilder.DockerManifestList]),
            new HashSet<string>(first.AcceptedMediaTypes));
        Assert.All(_ecr.Calls, call => Assert.Equal(OtherAccount, call.RegistryId));
    }

    [Fact]
    public async Task Inspect_IndexWithAttestations_ReadsThePlatformManifestByDigestAndReportsTheIndex()
    {
        var uri = _ecr.Push(new ImageBuilder
        {
            Entrypoint = ["/main"],
            IndexWithAttestations = 1,
            Layers = [new ImageLayerContent().File("/main", ElfBuilder.Static(ElfBuilder.X8664, go: true))],
        }.Build());

        var report = await InspectAsync(uri);

        Assert.Contains(report.Findings, f => f.Code == FindingCodes.ImageIndex);
        Assert.Equal(["BatchGetImage", "BatchGetImage"], _ecr.Calls.Take(2).Select(c => c.Operation));
        Assert.StartsWith("sha256:", _ecr.Calls[1].ImageId, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Inspect_RepositoryPolicyRefusesGuard_UnavailableNamingTheRepositoryPolicyNotTransient()
    {
        var uri = _ecr.Push(GoImage(), account: OtherAccount);
        _ecr.Deny(OtherAccount);

        var error = await Assert.ThrowsAsync<PackageUnavailableException>(() => InspectAsync(uri));

        Assert.Contains("AccessDeniedException", error.Message, StringComparison.Ordinal);
        Assert.Contains($"repository policy must allow Guard's role", error.Message, StringComparison.Ordinal);
        Assert.StartsWith(uri, error.Message, StringComparison.Ordinal);
        Assert.False(error.IsTransient);
    }

    [Fact]
    public async Task Inspect_TagNotInTheRepository_UnavailableImageNotFound()
    {
        var uri = _ecr.Push(GoImage());

        var error = await Assert.ThrowsAsync<PackageUnavailableException>(() => InspectAsync(uri.Replace(":latest", ":v9", StringComparison.Ordinal)));

        Assert.Contains("ImageNotFound", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Inspect_BlobUrlRefused_MessageNamesTheImageAndDigestNotTheUrl()
    {
        var image = GoImage("arm64");
        var uri = _ecr.Push(image);
        // The presigned query dropped: the blob host refuses, as S3 refuses an expired URL.
        var unsigned = new DelegatingPackageOpener(url => new HttpRangeSource(Blobs, new Uri(url.GetLeftPart(UriPartial.Path))));
        await using var source = new EcrImageSource(EcrImageUri.Parse(uri), _client, unsigned);

        var error = await Assert.ThrowsAsync<PackageUnavailableException>(() => ImageInspector.InspectAsync(new ImageInspectionRequest(source), Cancel));

        Assert.Contains($"{uri} blob sha256:", error.Message, StringComparison.Ordinal);
        Assert.DoesNotContain("/blobs/", error.Message, StringComparison.Ordinal);
        Assert.DoesNotContain(_ecr.Endpoint.Authority, error.Message, StringComparison.Ordinal);
    }
}
