using Guard.Aws.Functions;
using Guard.Testing;
using Guard.Function.Alerts;
using Guard.Function.Deploys;
using Guard.Function.Logging;
using Guard.Function.Routing;
using Guard.Function.Tests.Support;
using Guard.Inspection;
using Guard.Inspection.Reporting;
using Guard.Inspection.Rules;

namespace Guard.Function.Tests.Scheduled;

/// <summary>The deploy check's side of <c>guard:placeholder=true</c>: a placeholder until the code changes.</summary>
public sealed class PlaceholderTagTests
{
    private static readonly Dictionary<string, string> Tagged = new() { [DeployCheck.PlaceholderTag] = "true" };

    private readonly FunctionCatalogStandIn _lambda = new();
    private readonly InMemoryPackageOpener _packages = new();
    private readonly InMemoryGuardStore _store = new();
    private readonly RecordingSnsPublisher _sns = new();
    private readonly DeployCheck _check;

    public PlaceholderTagTests()
    {
        var log = new GuardLog(new StringWriter(), TimeProvider.System);
        var options = new GuardOptions(GuardMode.Alert, DeployHarness.TopicArn, "guard-store", new HashSet<string>(), GuardOptions.DefaultPlaceholderGrace, null, null);
        _check = new DeployCheck(_lambda, new DeployedFunctionInspector(_lambda, _packages, new PackageInspector(), RuntimeCatalog.Default), _store, new AlertSender([new SnsAlertChannel(_sns, DeployHarness.TopicArn, log)], log), options, log, TimeProvider.System);
    }

    [Fact]
    public async Task Check_TaggedFunctionOnFirstSeenCode_PlaceholderPendingAndNoAlert()
    {
        var zip = Packages.NotExecutable("stub");
        Deploy("stub", zip, Tagged);

        var outcome = await CheckAsync("CreateFunction20150331", "stub", zip);
        var again = await CheckAsync("UpdateFunctionConfiguration20150331v2", "stub", zip);

        Assert.Equal(Verdict.Placeholder, outcome.Report!.Verdict);
        Assert.Equal("PLACEHOLDER", outcome.Report.Findings[0].Code);
        Assert.Equal(Verdict.Placeholder, again.Report!.Verdict);
        Assert.Empty(_sns.Published);
        Assert.Contains("pending/266106314375/us-east-1/stub.json", _store.Objects.Keys);
        Assert.Equal(FunctionCatalogStandIn.Sha256(zip), Assert.Single(_store.Tags).Value.CodeSha256);
    }

    [Fact]
    public async Task Check_TaggedFunctionWhoseCodeChanged_JudgedAndAlerted()
    {
        var stub = Packages.GoodX8664("stub");
        Deploy("app", stub, Tagged);
        await CheckAsync("CreateFunction20150331", "app", stub);

        var broken = Packages.NotExecutable("real but broken");
        Deploy("app", broken, Tagged);
        var outcome = await CheckAsync("UpdateFunctionCode20150331v2", "app", broken);

        Assert.Equal(Verdict.Broken, outcome.Report!.Verdict);
        Assert.Single(_sns.Published);
    }

    [Fact]
    public async Task Check_TagNotTrue_JudgedAsUsual()
    {
        var broken = Packages.NotExecutable();
        Deploy("plain", broken, new Dictionary<string, string> { [DeployCheck.PlaceholderTag] = "false" });

        var outcome = await CheckAsync("CreateFunction20150331", "plain", broken);

        Assert.Equal(Verdict.Broken, outcome.Report!.Verdict);
        Assert.Empty(_store.Tags);
    }

    private void Deploy(string name, byte[] zip, IReadOnlyDictionary<string, string> tags)
    {
        var details = _lambda.Add(name, zip, tags: tags);
        _packages.Serve(new Uri(details.CodeLocation!), zip);
    }

    private Task<DeployOutcome> CheckAsync(string eventName, string name, byte[] zip)
    {
        using var document = System.Text.Json.JsonDocument.Parse(CloudTrailEvents.Deploy(eventName, name, FunctionCatalogStandIn.Sha256(zip)));
        return _check.CheckAsync(EventRouter.Classify(document.RootElement).CloudTrail!, TestContext.Current.CancellationToken);
    }
}
