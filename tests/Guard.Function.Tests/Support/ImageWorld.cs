using System.Text.Json;
using Guard.Aws.Functions;
using Guard.Aws.Lambda;
using Guard.Aws.Rollback;
using Guard.Aws.Store;
using Guard.Function.Alerts;
using Guard.Function.Deploys;
using Guard.Function.Logging;
using Guard.Function.Rollback;
using Guard.Function.Routing;
using Guard.Inspection;
using Guard.Inspection.Images;
using Guard.Inspection.Reporting;
using Guard.Inspection.Rules;
using Guard.Testing;

namespace Guard.Function.Tests.Support;

/// <summary>Lambda and the store in memory, ECR's API on a stand-in, and rollback mode wired over them as the composition root wires it.</summary>
internal sealed class ImageWorld : IAsyncDisposable
{
    /// <summary>The repository every pushed image goes to.</summary>
    public const string Repository = "orders";

    private static CancellationToken Cancel => TestContext.Current.CancellationToken;

    /// <summary>A Go-style image: one layer with <paramref name="binary"/> at /main, its ENTRYPOINT.</summary>
    public static BuiltImage GoImage(byte[] binary, string architecture = "amd64", int mode = 0b111_101_101) => new ImageBuilder
    {
        Architecture = architecture,
        Entrypoint = ["/main"],
        Layers = [new ImageLayerContent().File("/main", binary, mode)],
    }.Build();

    public ImageWorld(bool quarantine = false)
    {
        var log = new GuardLog(new StringWriter(), TimeProvider.System);
        var options = new GuardOptions(
            GuardMode.Rollback, null, "guard-store", new HashSet<string>(), GuardOptions.DefaultPlaceholderGrace, null, null,
            Quarantine: quarantine, RollbackWait: TimeSpan.FromSeconds(5));
        var codes = new RecordingCodeStore();
        Functions = new DeployedFunctionInspector(
            Lambda, new DelegatingPackageOpener(_ => throw new InvalidOperationException("an image function has no package")), new PackageInspector(), RuntimeCatalog.Default,
            images: Ecr.Images());
        Rollback = new FunctionRollback(Lambda, Store, codes, new FunctionRestore(Lambda, Functions, codes.Open, TimeProvider.System), options, log, TimeProvider.System);
        Check = new DeployCheck(
            Lambda, Functions, Store, new AlertSender([new SnsAlertChannel(Sns, "arn:aws:sns:us-east-1:266106314375:guard-alerts", log)], log),
            options with { TopicArn = "arn:aws:sns:us-east-1:266106314375:guard-alerts" }, log, TimeProvider.System, codes, Rollback);
    }

    public RecordingSnsPublisher Sns { get; } = new();

    public DeployCheck Check { get; }

    /// <summary>The CloudTrail event of an UpdateFunctionCode that left <paramref name="pinned"/> on the function, through the deploy check.</summary>
    public Task<DeployOutcome> CheckAsync(string name, string pinned, string imageUri, string eventName = "UpdateFunctionCode20150331v2")
    {
        using var document = JsonDocument.Parse(CloudTrailEvents.Deploy(eventName, name, ImageFunctionsStandIn.HexOf(pinned), imageUri: imageUri));
        return Check.CheckAsync(EventRouter.Classify(document.RootElement).CloudTrail!, Cancel);
    }

    public ImageFunctionsStandIn Lambda { get; } = new();

    public EcrStandIn Ecr { get; } = EcrStandIn.Start();

    /// <summary>Each pushed image by its digest reference.</summary>
    public Dictionary<string, BuiltImage> Built { get; } = new(StringComparer.Ordinal);

    /// <summary>Pushes <paramref name="image"/> to the repository (tag <c>latest</c>, moved by every push); returns its digest reference.</summary>
    public string Push(BuiltImage image)
    {
        Ecr.Push(image, Repository);
        var pinned = EcrStandIn.ResolvedUri(image, Repository);
        Built[pinned] = image;
        return pinned;
    }

    public ValueTask DisposeAsync() => Ecr.DisposeAsync();

    public InMemoryGuardStore Store { get; } = new();

    public DeployedFunctionInspector Functions { get; }

    public FunctionRollback Rollback { get; }

    public static FunctionKey Key(string name) => new(ImageFunctionsStandIn.Account, ImageFunctionsStandIn.Region, name);

    /// <summary>The record the deploy check writes when an image passes: its digest, the architecture and the ImageConfig it passed with.</summary>
    /// <param name="imageConfig">Null: a record written before Guard kept the ImageConfig.</param>
    public void RecordGood(string name, string pinned, string architecture, FunctionImageConfig? imageConfig = null) =>
        Store.Objects[Key(name).GoodKey] = new DeployRecord(
            $"arn:aws:lambda:us-east-1:{ImageFunctionsStandIn.Account}:function:{name}", ImageFunctionsStandIn.HexOf(pinned), 0, "ok", "2026-12-06T10:00:00Z",
            "UpdateFunctionCode20150331v2", null, "arn:aws:iam::266106314375:user/dev", ImageFunctionsStandIn.Account, ImageFunctionsStandIn.Region, name,
            null, null, [architecture], [], ImageUri: pinned, ImageConfig: imageConfig);

    /// <summary>Judges what <paramref name="read"/> runs, then hands the broken verdict to rollback mode.</summary>
    public async Task<GuardAction> RollBackAsync(FunctionDetails read)
    {
        var inspection = await Functions.InspectImageAsync(read.ResolvedImageUri!, FunctionTarget.Of(read.Configuration), Cancel);
        Assert.Equal(Verdict.Broken, inspection.Report!.Verdict);
        return await Rollback.RunAsync(new RollbackRequest(Key(read.Configuration.FunctionName), read, inspection.Report, "event-1"), Cancel);
    }
}
