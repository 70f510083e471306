using Guard.Aws.Ecr;
using Guard.Aws.Functions;
using Guard.Aws.Http;
using Guard.Testing;
using Guard.Function.Alerts;
using Guard.Function.Deploys;
using Guard.Function.Logging;
using Guard.Function.Rollback;
using Guard.Function.Routing;
using Guard.Inspection;
using Guard.Inspection.Rules;
using System.Text.Json;

namespace Guard.Function.Tests.Support;

/// <summary>A <see cref="DeployCheck"/> over stand-ins, with its log captured.</summary>
public sealed class DeployHarness
{
    public const string TopicArn = "arn:aws:sns:us-east-1:266106314375:guard-alerts";

    /// <param name="roleArn"><c>GUARD_ROLE_ARN</c>: Guard's exact role (its own deploys also need a revision it recorded).</param>
    /// <param name="codes">Where good code is copied; none by default.</param>
    /// <param name="ecr">Where image functions' images are read (through Guard's own ECR client); null leaves them not checked.</param>
    /// <param name="objects">Reads REFERENCE functions' object versions; none by default.</param>
    public DeployHarness(GuardMode mode = GuardMode.Alert, IReadOnlySet<string>? placeholders = null, bool withStore = true, string? roleArn = null, ICodeStore? codes = null, EcrStandIn? ecr = null, IS3PackageOpener? objects = null)
    {
        Ecr = ecr;
        var images = ecr is null ? null : new EcrImages(
            region => EcrClient.Create(
                AwsEnvironment.From(new Dictionary<string, string?> { ["AWS_REGION"] = region, ["AWS_ENDPOINT_URL_ECR"] = ecr.Endpoint.AbsoluteUri }),
                new Guard.Aws.Http.AwsCredentials("AKIDGUARD", "guard-secret")),
            new HttpPackageOpener(BlobHttp));
        Log = new GuardLog(Output, TimeProvider.System);
        Options = new GuardOptions(mode, TopicArn, withStore ? "guard-store" : null, placeholders ?? new HashSet<string>(), GuardOptions.DefaultPlaceholderGrace, null, null, RoleArn: roleArn);
        Check = new DeployCheck(
            Lambda,
            new DeployedFunctionInspector(Lambda, Opener, new PackageInspector(), RuntimeCatalog.Default, Options.PlaceholderSha256, objects: objects, images: images),
            withStore ? Store : null,
            new AlertSender([new SnsAlertChannel(Sns, TopicArn, Log)], Log),
            Options,
            Log,
            TimeProvider.System,
            codes);
    }

    private static readonly HttpClient BlobHttp = new();

    public StringWriter Output { get; } = new();

    public EcrStandIn? Ecr { get; }

    public GuardLog Log { get; }

    public GuardOptions Options { get; }

    public FunctionCatalogStandIn Lambda { get; } = new();

    public InMemoryPackageOpener Opener { get; } = new();

    public InMemoryGuardStore Store { get; } = new();

    public RecordingSnsPublisher Sns { get; } = new();

    public DeployCheck Check { get; }

    /// <summary>Registers the function in the Lambda stand-in and serves its zip at its Code.Location.</summary>
    public void Deploy(string name, byte[] zip, string runtime = "provided.al2023", string architecture = "x86_64", string packageType = "Zip", IReadOnlyDictionary<string, string>? tags = null, IReadOnlyList<string>? layers = null, string handler = "bootstrap")
    {
        var details = Lambda.Add(name, zip, runtime, architecture, packageType, tags, layers, handler);
        Opener.Serve(new Uri(details.CodeLocation!), zip);
    }

    /// <summary>Publishes <paramref name="zip"/> as <paramref name="version"/> of the function in the stand-in, and serves it.</summary>
    public void Publish(string name, string version, byte[] zip)
    {
        var details = Lambda.AddVersion(name, version, zip);
        Opener.Serve(new Uri(details.CodeLocation!), zip);
    }

    /// <summary>The event as Lambda delivers it: through the function's one entry point, the router, to the deploy check.</summary>
    public async Task<JsonDocument> HandleAsync(string eventJson)
    {
        var other = new NotHandledYet(Log);
        var router = new EventRouter(Check, other, other, other, Log);
        var response = await router.HandleAsync(
            new Guard.Function.RuntimeApi.Invocation("request", DateTimeOffset.MaxValue, null, null, System.Text.Encoding.UTF8.GetBytes(eventJson)),
            TestContext.Current.CancellationToken);
        return JsonDocument.Parse(response);
    }

    /// <summary>Pushes <paramref name="image"/> to the ECR stand-in and registers an image function running its digest; returns the ImageUri deployed.</summary>
    public string DeployImage(string name, BuiltImage image, string architecture = "x86_64", Guard.Inspection.Images.FunctionImageConfig? imageConfig = null)
    {
        var uri = (Ecr ?? throw new InvalidOperationException("the harness has no ECR stand-in")).Push(image, repository: name);
        Lambda.AddImage(name, uri, EcrStandIn.ResolvedUri(image, repository: name), architecture, imageConfig);
        return uri;
    }

    public Task<DeployOutcome> CheckAsync(string eventJson)
    {
        using var document = System.Text.Json.JsonDocument.Parse(eventJson);
        var routed = EventRouter.Classify(document.RootElement);
        Assert.Equal(EventKind.Deploy, routed.Kind);
        return Check.CheckAsync(routed.CloudTrail!, TestContext.Current.CancellationToken);
    }
}
