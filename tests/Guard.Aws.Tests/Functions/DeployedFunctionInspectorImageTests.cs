using Guard.Aws.Ecr;
using Guard.Aws.Functions;
using Guard.Aws.Http;
using Guard.Aws.Tests.Ecr;
using Guard.Inspection;
using Guard.Inspection.Images;
using Guard.Inspection.Reporting;
using Guard.Inspection.Rules;
using Guard.Testing;

namespace Guard.Aws.Tests.Functions;

/// <summary><c>PackageType: Image</c> functions through the one seam: their resolved image read from ECR, judged under their architecture and ImageConfig.</summary>
public sealed class DeployedFunctionInspectorImageTests : IAsyncLifetime
{
    private static readonly HttpClient Blobs = new();

    private readonly FunctionCatalogStandIn _lambda = new();
    private EcrStandIn _ecr = null!;
    private EcrClient _client = null!;

    private static CancellationToken Cancel => TestContext.Current.CancellationToken;

    public ValueTask InitializeAsync()
    {
        _ecr = EcrStandIn.Start();
        _client = EcrClient.Create(
            AwsEnvironment.From(new Dictionary<string, string?> { ["AWS_REGION"] = EcrStandIn.Region, ["AWS_ENDPOINT_URL_ECR"] = _ecr.Endpoint.AbsoluteUri }),
            new AwsCredentials("AKIDGUARD", "guard-secret"));
        return ValueTask.CompletedTask;
    }

    public async ValueTask DisposeAsync()
    {
        _client.Dispose();
        await _ecr.DisposeAsync();
    }

    private DeployedFunctionInspector Inspector(bool withImages = true) =>
        new(_lambda, new InMemoryPackageOpener(), new PackageInspector(), RuntimeCatalog.Default, images: withImages ? new EcrImages(_ => _client, new HttpPackageOpener(Blobs)) : null);

    private Guard.Aws.Lambda.FunctionDetails Deploy(string name, BuiltImage image, string architecture = "x86_64", FunctionImageConfig? imageConfig = null) =>
        _lambda.AddImage(name, _ecr.Push(image, repository: name), EcrStandIn.ResolvedUri(image, repository: name), architecture, imageConfig);

    [Fact]
    public async Task Inspect_ArmImageOnAnX8664Function_BrokenWrongArchReadByTheResolvedDigest()
    {
        var image = EcrImageSourceTests.GoImage("arm64");
        var function = Deploy("arm-image-fn", image);

        var inspection = await Inspector().InspectAsync(function, target: null, Cancel);

        Assert.Equal(Verdict.Broken, inspection.Report!.Verdict);
        Assert.Equal(FindingCodes.ImageWrongArch, inspection.Report.LeadingFinding!.Code);
        Assert.Equal(ImageInspector.RuntimeName, inspection.Report.Runtime);
        Assert.Equal(image.TopDigest, _ecr.Calls[0].ImageId);
    }

    [Fact]
    public async Task Inspect_ImageConfigCommandOverride_JudgedAsLambdaStartsTheContainer()
    {
        // No ENTRYPOINT: the CMD is what Lambda execs, and the function's ImageConfig replaces it.
        var image = new ImageBuilder
        {
            Cmd = ["/main"],
            Layers = [new ImageLayerContent().File("/main", ElfBuilder.Static(ElfBuilder.X8664, go: true))],
        }.Build();
        var own = Deploy("own-cmd-fn", image);
        var overridden = Deploy("override-fn", image, imageConfig: new FunctionImageConfig(Command: ["/app/missing"]));

        var ownInspection = await Inspector().InspectAsync(own, target: null, Cancel);
        var overriddenInspection = await Inspector().InspectAsync(overridden, target: null, Cancel);

        Assert.Equal(Verdict.Ok, ownInspection.Report!.Verdict);
        Assert.Equal(Verdict.Broken, overriddenInspection.Report!.Verdict);
        var finding = overriddenInspection.Report.LeadingFinding!;
        Assert.Equal(FindingCodes.ImageEntrypointMissing, finding.Code);
        Assert.Contains("/app/missing", finding.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task InspectImage_AnImageNotOnTheFunction_JudgedUnderTheGivenTarget()
    {
        var image = EcrImageSourceTests.GoImage("arm64");
        _ecr.Push(image, repository: "last-good");

        var inspection = await Inspector().InspectImageAsync(
            EcrStandIn.ResolvedUri(image, repository: "last-good"), new FunctionTarget("", ["arm64"], [], null, null), Cancel);

        Assert.Equal(Verdict.Ok, inspection.Report!.Verdict);
    }

    [Fact]
    public async Task Inspect_ImageFunctionWhereNoEcrReaderIsWired_NotCheckedAndNoCall()
    {
        var function = Deploy("unread-fn", EcrImageSourceTests.GoImage());
        var inspector = Inspector(withImages: false);

        var inspection = await inspector.InspectAsync(function, target: null, Cancel);

        Assert.Null(inspection.Report);
        Assert.StartsWith("container image", inspection.NotCheckedBecause, StringComparison.Ordinal);
        Assert.Equal(inspection.NotCheckedBecause, inspector.WhyNotChecked(function.Configuration));
        Assert.Empty(_ecr.Calls);
    }
}
