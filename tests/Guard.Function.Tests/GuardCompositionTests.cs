using System.Text;
using System.Text.Json;
using Guard.Aws.Ecr;
using Guard.Aws.Functions;
using Guard.Aws.Lambda;
using Guard.Aws.Events;
using Guard.Aws.Notifications;
using Guard.Aws.SecurityHub;
using Guard.Aws.Store;
using Guard.Function.Alerts;
using Guard.Function.CloudFormation;
using Guard.Function.Logging;
using Guard.Function.Rollback;
using Guard.Function.Routing;
using Guard.Function.RuntimeApi;
using Guard.Function.Tests.Support;
using Guard.Testing;

namespace Guard.Function.Tests;

/// <summary>
/// The production graph — <see cref="GuardComposition"/> over <see cref="GuardServices"/> — built from fakes and driven
/// by whole events, as the Runtime API delivers them: what the published Native AOT process runs, minus the sockets.
/// </summary>
public sealed class GuardCompositionTests : IDisposable
{
    private readonly StringWriter _output = new();
    private readonly FunctionCatalogStandIn _lambda = new();
    private readonly InMemoryPackageOpener _packages = new();
    private readonly InMemoryGuardStore _store = new();
    private readonly RecordingSnsPublisher _sns = new();
    private readonly SecurityHubStandIn _hub = new();
    private readonly RecordingEventPublisher _events = new();
    private readonly Dictionary<string, int> _built = new(StringComparer.Ordinal);

    public void Dispose() => _output.Dispose();

    [Fact]
    public void CreateRouter_BeforeAnyEvent_BuildsNoClient()
    {
        _ = Compose(GuardMode.Alert);

        Assert.Empty(_built);
    }

    [Fact]
    public async Task Router_BrokenDeploy_IsJudgedAndAlertedThroughTheComposedGraph()
    {
        var router = Compose(GuardMode.Alert);
        Deploy("composed-fn", Packages.NotExecutable());

        var response = await HandleAsync(router, CloudTrailEvents.Deploy("UpdateFunctionCode20150331v2", "composed-fn", FunctionCatalogStandIn.Sha256(Packages.NotExecutable())));

        Assert.Equal("broken", response.RootElement.GetProperty("verdict").GetString());
        Assert.Single(_sns.Published);
        Assert.Equal(1, _built["lambda"]);
    }

    [Fact]
    public async Task Router_GoodDeployThenFullScan_ShareOneLambdaClientAndOneStore()
    {
        var router = Compose(GuardMode.Alert);
        var zip = Packages.GoodX8664();
        Deploy("shared-fn", zip);

        await HandleAsync(router, CloudTrailEvents.Deploy("UpdateFunctionCode20150331v2", "shared-fn", FunctionCatalogStandIn.Sha256(zip)));
        var scan = await HandleAsync(router, """{"version":"0","id":"9c1f","detail-type":"Scheduled Event","source":"aws.events","account":"266106314375","time":"2026-03-02T12:00:00Z","region":"us-east-1","resources":[],"detail":{"task":"full-scan"}}""");

        Assert.Equal("full-scan", scan.RootElement.GetProperty("task").GetString());
        Assert.Equal((1, 1), (_built["lambda"], _built["store"]));
        Assert.Contains(_store.Objects.Keys, key => key.StartsWith("good/", StringComparison.Ordinal));
    }

    [Fact]
    public async Task Router_RollbackModeWithoutCodeStore_AlertsAndSaysWhyItDidNotRollBack()
    {
        var router = Compose(GuardMode.Rollback, withCodes: false);
        Deploy("no-codes-fn", Packages.NotExecutable());

        await HandleAsync(router, CloudTrailEvents.Deploy("UpdateFunctionCode20150331v2", "no-codes-fn", FunctionCatalogStandIn.Sha256(Packages.NotExecutable())));

        var alert = Assert.Single(_sns.Published);
        Assert.Contains("Rollback mode needs GUARD_STORE_BUCKET", alert.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Router_GoodDeployWithoutSecurityHubOrBus_BuildsNeitherClient()
    {
        var router = Compose(GuardMode.Alert);
        var zip = Packages.GoodX8664();
        Deploy("quiet-fn", zip);

        await HandleAsync(router, CloudTrailEvents.Deploy("UpdateFunctionCode20150331v2", "quiet-fn", FunctionCatalogStandIn.Sha256(zip)));

        Assert.False(_built.ContainsKey("security-hub"));
        Assert.False(_built.ContainsKey("events"));
    }

    [Fact]
    public async Task Router_BrokenDeployWithEveryChannel_SameAlertReachesSnsSecurityHubAndTheBus()
    {
        var router = Compose(GuardMode.Alert, securityHubAndBus: true);
        Deploy("every-channel-fn", Packages.NotExecutable());

        await HandleAsync(router, CloudTrailEvents.Deploy("UpdateFunctionCode20150331v2", "every-channel-fn", FunctionCatalogStandIn.Sha256(Packages.NotExecutable())));

        var code = Assert.Single(_hub.Findings).GeneratorId["guard/".Length..];
        Assert.Contains($"({code})", Assert.Single(_sns.Published).Subject, StringComparison.Ordinal);
        Assert.Contains(code, Assert.Single(_events.Put).Detail, StringComparison.Ordinal);
        Assert.Equal((1, 1), (_built["security-hub"], _built["events"]));
    }

    [Fact]
    public async Task Router_ImageDeploy_JudgedThroughOneEcrClientOfGuardsOwnAccount()
    {
        var image = ImageBuilder.GoFunction("arm64").Build();
        var ecr = new OneImageEcr(image, _packages);
        var router = Compose(GuardMode.Alert, ecr: ecr);
        var uri = $"{FunctionCatalogStandIn.Account}.dkr.ecr.us-east-1.amazonaws.com/orders:v1";
        _lambda.AddImage("image-fn", uri, $"{FunctionCatalogStandIn.Account}.dkr.ecr.us-east-1.amazonaws.com/orders@{image.TopDigest}");

        var first = await HandleAsync(router, CloudTrailEvents.Deploy("CreateFunction20150331", "image-fn", image.TopDigest["sha256:".Length..], imageUri: uri));
        var second = await HandleAsync(router, CloudTrailEvents.Deploy("UpdateFunctionCode20150331v2", "image-fn", image.TopDigest["sha256:".Length..], imageUri: uri));

        Assert.All([first, second], r => Assert.Equal("IMAGE_WRONG_ARCH", r.RootElement.GetProperty("findings")[0].GetProperty("code").GetString()));
        Assert.Equal(2, _sns.Published.Count);
        Assert.Equal([(null, "us-east-1")], ecr.Clients);
    }

    [Fact]
    public void ImagesIn_AMemberAccountInOrganizationMode_ReadsAsThatAccountAndGuardsOwnAsItself()
    {
        var ecr = new OneImageEcr(ImageBuilder.GoFunction().Build(), _packages);
        var services = new GuardServices(
            () => _lambda, () => _packages, () => new S3PackageOpener(() => throw new InvalidOperationException()), null, null, null, null,
            () => new ResponseUrlClient(() => new HttpClient()), () => "us-east-1",
            memberLambda: (_, _) => _lambda, ownAccount: "111111111111", ecr: ecr.For);

        _ = services.ImagesIn("222222222222")!.Open(EcrImageUri.Parse("333333333333.dkr.ecr.eu-west-1.amazonaws.com/shared:v1"));
        _ = services.ImagesIn("111111111111")!.Open(EcrImageUri.Parse("111111111111.dkr.ecr.us-east-1.amazonaws.com/own:v1"));

        Assert.Equal([("222222222222", "eu-west-1"), (null, "us-east-1")], ecr.Clients);
    }

    /// <summary>ECR holding one image, its blobs served by the package opener at presigned-looking URLs; records the (account, region) of every client made.</summary>
    private sealed class OneImageEcr(BuiltImage image, InMemoryPackageOpener blobs) : IEcrApi
    {
        public List<(string? Account, string Region)> Clients { get; } = [];

        public OneImageEcr For(string? account, string region)
        {
            Clients.Add((account, region));
            return this;
        }

        public Task<EcrManifest> GetManifestAsync(string registryId, string repository, string? tag, string? digest, IReadOnlyList<string> acceptedMediaTypes, CancellationToken cancellationToken) =>
            Task.FromResult(new EcrManifest(image.TopDigest, image.TopMediaType, image.TopBytes));

        public Task<Uri> GetDownloadUrlAsync(string registryId, string repository, string digest, CancellationToken cancellationToken)
        {
            var url = new Uri($"https://prod-us-east-1-starport-layer-bucket.s3.us-east-1.amazonaws.com/{digest.Replace(':', '-')}?X-Amz-Signature=secret");
            blobs.Serve(url, image.Blobs[digest]);
            return Task.FromResult(url);
        }
    }

    [Fact]
    public async Task Router_BrokenReferenceDeploy_IsReadFromItsObjectVersionThroughTheComposedGraph()
    {
        var objects = new InMemoryS3PackageOpener();
        objects.Put("my-code", "fn/app.zip", Packages.NotExecutable());
        var router = Compose(GuardMode.Alert, s3Packages: objects);
        _lambda.Add("reference-fn", Packages.NotExecutable(), referencedCode: new Guard.Aws.PackageLocation.S3Object("my-code", "fn/app.zip", "v1"));

        var response = await HandleAsync(router, CloudTrailEvents.Deploy("UpdateFunctionCode20150331v2", "reference-fn", FunctionCatalogStandIn.Sha256(Packages.NotExecutable())));

        Assert.Equal("broken", response.RootElement.GetProperty("verdict").GetString());
        Assert.Equal(1, objects.Opened);
        Assert.Single(_sns.Published);
    }

    [Fact]
    public async Task Router_ChangeSetHook_FetchesItsPayloadWithTheComposedClient()
    {
        var router = Compose(GuardMode.Alert);
        await using var server = LocalHttpServer.Start();
        var url = server.Serve("/payload", StackRequests.ChangeSetPayload(
            StackRequests.Change("CREATE", "ReportsFunction", StackRequests.FunctionProperties("b", "reports.zip", runtime: "python3.12")))).AbsoluteUri;

        using var answer = await HandleAsync(router, StackRequests.ChangeSetHook(url + "?X-Amz-Signature=s"));

        Assert.Equal("SUCCESS", answer.RootElement.GetProperty("hookStatus").GetString());
        Assert.Contains("ReportsFunction: managed runtime python3.12 without layers: Lambda supplies the bootstrap and no layer brings an extension", answer.RootElement.GetProperty("message").GetString(), StringComparison.Ordinal);
        Assert.Equal(1, server.RequestCount);
    }

    private EventRouter Compose(GuardMode mode, bool withCodes = true, bool securityHubAndBus = false, OneImageEcr? ecr = null, IS3PackageOpener? s3Packages = null)
    {
        var log = new GuardLog(_output, TimeProvider.System);
        var options = new GuardOptions(mode, DeployHarness.TopicArn, "guard-store", new HashSet<string>(), GuardOptions.DefaultPlaceholderGrace, null, null,
            SecurityHub: securityHubAndBus, EventBus: securityHubAndBus ? "guard-verdicts" : null);
        var hub = Counted<ISecurityHubApi>("security-hub", _hub);
        var services = new GuardServices(
            Counted<ILambdaApi>("lambda", _lambda),
            Counted<IPackageOpener>("packages", _packages),
            Counted("s3-packages", s3Packages ?? new S3PackageOpener(() => throw new InvalidOperationException("no S3 in this test"))),
            Counted<IGuardStore>("store", _store),
            withCodes ? Counted<ICodeStore>("codes", new RecordingCodeStore()) : null,
            Counted<ISnsPublisher>("sns", _sns),
            slack: null,
            Counted("responses", new ResponseUrlClient(() => new HttpClient())),
            Counted("region", FunctionCatalogStandIn.Region),
            securityHub: securityHubAndBus ? (_, _) => hub() : null,
            events: securityHubAndBus ? Counted<IEventPublisher>("events", _events) : null,
            ecr: ecr is null ? null : ecr.For);
        return GuardComposition.CreateRouter(options, services, log, TimeProvider.System);
    }

    private Func<T> Counted<T>(string name, T value) => () =>
    {
        _built[name] = _built.GetValueOrDefault(name) + 1;
        return value;
    };

    private void Deploy(string name, byte[] zip)
    {
        var details = _lambda.Add(name, zip);
        _packages.Serve(new Uri(details.CodeLocation!), zip);
    }

    private static async Task<JsonDocument> HandleAsync(EventRouter router, string payload)
    {
        var response = await router.HandleAsync(new Invocation("r", DateTimeOffset.MaxValue, null, null, Encoding.UTF8.GetBytes(payload)), TestContext.Current.CancellationToken);
        return JsonDocument.Parse(response);
    }
}
