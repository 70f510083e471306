using Guard.Testing;
using Guard.Aws.Scanning;
using Guard.Aws.Store;
using Guard.Function.Alerts;
using Guard.Function.Deploys;
using Guard.Function.Logging;
using Guard.Function.Scheduled;
using Guard.Function.Tests.Support;

namespace Guard.Function.Tests.Scheduled;

public sealed class FullScanTests : IDisposable
{
    private static CancellationToken Cancel => TestContext.Current.CancellationToken;

    private readonly FunctionCatalogStandIn _catalog = new();
    private readonly ListingLambda _lambda;
    private readonly InMemoryPackageOpener _packages = new();
    private readonly InMemoryGuardStore _store = new();
    private readonly RecordingSnsPublisher _sns = new();
    private readonly StringWriter _output = new();
    private readonly FullScan _scan;

    public FullScanTests()
    {
        _lambda = new ListingLambda(_catalog);
        var log = new GuardLog(_output, TimeProvider.System);
        var options = new GuardOptions(GuardMode.Alert, DeployHarness.TopicArn, "guard-store", new HashSet<string>(), GuardOptions.DefaultPlaceholderGrace, null, null);
        var scanner = new FunctionScanner(_lambda, _packages);
        _scan = new FullScan(scanner, _lambda, _store, new AlertSender([new SnsAlertChannel(_sns, DeployHarness.TopicArn, log)], log), options, CloudTrailEvents.Region, log, TimeProvider.System);
    }

    public void Dispose() => _output.Dispose();

    [Fact]
    public async Task Run_BrokenFunction_AlertsOncePerCodeSha256()
    {
        Deploy("broken", Packages.NotExecutable("v1"));
        Deploy("fine", Packages.GoodX8664());

        var first = await _scan.RunAsync(Cancel);
        var second = await _scan.RunAsync(Cancel);

        var alert = Assert.Single(_sns.Published);
        Assert.Equal("Guard: broken will not start (BOOTSTRAP_NOT_EXECUTABLE)", alert.Subject);
        Assert.Equal("guard.scan.broken", alert.StringAttributes!["guard.sweep"]);
        Assert.Equal((2, 1, 1), (first.Metrics.Examined, first.Metrics.Broken, first.Metrics.AlertsSent));
        Assert.Equal((1, 0), (second.Metrics.Broken, second.Metrics.AlertsSent));

        // New broken code is a new problem.
        Deploy("broken", Packages.NotExecutable("v2"), list: false);
        await _scan.RunAsync(Cancel);

        Assert.Equal(2, _sns.Published.Count);
    }

    [Fact]
    public async Task Run_PlaceholderAndManagedRuntime_NoAlert()
    {
        Deploy("dummy", new Guard.Testing.PackageBuilder().ToArray());
        Deploy("python", Packages.NotExecutable(), runtime: "python3.12");

        var summary = await _scan.RunAsync(Cancel);

        Assert.Empty(_sns.Published);
        Assert.Equal(1, summary.Metrics.Placeholders);
    }

    [Fact]
    public async Task Run_TaggedPlaceholderOnItsFirstCode_NoAlert()
    {
        var tags = new Dictionary<string, string> { [DeployCheck.PlaceholderTag] = "true" };
        var function = Deploy("stub", Packages.NotExecutable("stub"), tags: tags);
        var key = FunctionKey.FromArn(function.Configuration.FunctionArn, "stub", null, null);
        _store.Tags[key.PlaceholderTagKey] = new PlaceholderTagRecord(function.Configuration.FunctionArn, function.Configuration.CodeSha256, "2026-01-01T00:00:00Z");

        var summary = await _scan.RunAsync(Cancel);

        Assert.Empty(_sns.Published);
        Assert.Equal((0, 1), (summary.Metrics.Broken, summary.Metrics.Placeholders));
    }

    [Fact]
    public async Task Run_FunctionUnreadable_LoggedAndTheRestScanned()
    {
        var lost = _catalog.Add("lost", Packages.GoodX8664());
        _lambda.List("lost");
        Deploy("broken", Packages.NotExecutable());

        var summary = await _scan.RunAsync(Cancel);

        Assert.Equal(1, summary.Metrics.Errors);
        Assert.Single(_sns.Published);
        Assert.Contains("lost not checked by the full scan", _output.ToString(), StringComparison.Ordinal);
        Assert.NotNull(lost);
    }

    private Aws.Lambda.FunctionDetails Deploy(string name, byte[] zip, string runtime = "provided.al2023", IReadOnlyDictionary<string, string>? tags = null, bool list = true)
    {
        var details = _catalog.Add(name, zip, runtime, tags: tags);
        _packages.Serve(new Uri(details.CodeLocation!), zip);
        if (list)
        {
            _lambda.List(name);
        }

        return details;
    }
}
