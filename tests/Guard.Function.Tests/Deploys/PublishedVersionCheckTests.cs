using System.Text.Json;
using Guard.Function.Alerts;
using Guard.Function.Routing;
using Guard.Function.Tests.Support;
using Guard.Testing;

namespace Guard.Function.Tests.Deploys;

/// <summary>
/// Lambda Managed Instances' deploys through the function's entry point (router, then deploy check) over the stand-ins:
/// PublishVersion judged on the version it made, a capacity-provider CreateFunction, and Lambda's own verdict in alerts.
/// </summary>
public sealed class PublishedVersionCheckTests
{
    [Fact]
    public async Task Handle_PublishVersionOfBrokenCodeWhileLatestIsGood_JudgesThePublishedVersionAndAlerts()
    {
        var harness = new DeployHarness();
        harness.Deploy("orders-api", Packages.GoodX8664("fixed-since"));
        var broken = Packages.NotExecutable("published");
        harness.Publish("orders-api", "$LATEST.PUBLISHED", broken);

        using var response = await harness.HandleAsync(ManagedInstancesEvents.PublishVersion("orders-api", FunctionCatalogStandIn.Sha256(broken)));

        Assert.Equal("broken", response.RootElement.GetProperty("verdict").GetString());
        Assert.Equal("BOOTSTRAP_NOT_EXECUTABLE", response.RootElement.GetProperty("findings")[0].GetProperty("code").GetString());
        var alert = Assert.Single(harness.Sns.Published);
        Assert.Equal("Guard: orders-api will not start (BOOTSTRAP_NOT_EXECUTABLE)", alert.Subject);
        using var structure = JsonDocument.Parse(alert.Message);
        var text = structure.RootElement.GetProperty("default").GetString()!;
        Assert.Contains($"Function:    arn:aws:lambda:{CloudTrailEvents.Region}:{CloudTrailEvents.Account}:function:orders-api:$LATEST.PUBLISHED", text, StringComparison.Ordinal);
        Assert.Contains("PublishVersion20150331", text, StringComparison.Ordinal);
        // Guard's records are of $LATEST: a published version leaves them alone.
        Assert.Empty(harness.Store.Objects);
    }

    [Fact]
    public async Task Handle_PublishedVersionRepublishedSince_StaleAndNotJudged()
    {
        var harness = new DeployHarness();
        harness.Deploy("orders-api", Packages.GoodX8664());
        harness.Publish("orders-api", "$LATEST.PUBLISHED", Packages.GoodX8664("republished"));

        using var response = await harness.HandleAsync(ManagedInstancesEvents.PublishVersion("orders-api", FunctionCatalogStandIn.Sha256(Packages.NotExecutable("first publish"))));

        Assert.Equal(Outcomes.Stale, response.RootElement.GetProperty("outcome").GetString());
        Assert.Empty(harness.Sns.Published);
    }

    [Fact]
    public async Task Check_BrokenNumberedVersionInRollbackMode_AlertsWithoutTouchingTheFunctionAndSaysWhy()
    {
        // The stand-in throws on UpdateFunctionCode, UpdateFunctionConfiguration and PutFunctionConcurrency: any rollback or quarantine would fail the check.
        var harness = new DeployHarness(GuardMode.Rollback);
        harness.Deploy("orders-api", Packages.GoodX8664());
        var broken = Packages.NotExecutable("v3");
        harness.Publish("orders-api", "3", broken);

        var outcome = await harness.CheckAsync(ManagedInstancesEvents.PublishVersion("orders-api", FunctionCatalogStandIn.Sha256(broken), version: "3"));

        Assert.Equal(GuardAction.NotRolledBack, outcome.Action!.Kind);
        Assert.Contains("Version 3 is a published version", outcome.Action.Summary, StringComparison.Ordinal);
        var alert = Assert.Single(harness.Sns.Published);
        Assert.Contains("point the aliases that use it back to a good version", alert.Message, StringComparison.Ordinal);
        Assert.Empty(harness.Store.Objects);
    }

    [Fact]
    public async Task Handle_CreateOnCapacityProviderThatLambdaFailed_AlertCarriesLambdasReasonBesideGuardsVerdict()
    {
        var harness = new DeployHarness();
        var broken = Packages.NotExecutable("fleet");
        harness.Deploy("fleet-worker", broken);
        harness.Lambda.Change("fleet-worker", c => c with
        {
            LastUpdateStatus = "Failed",
            LastUpdateStatusReasonCode = "FunctionError.InvalidEntryPoint",
            LastUpdateStatusReason = "Runtime.InvalidEntrypoint: fork/exec /var/task/bootstrap: permission denied",
        });

        using var response = await harness.HandleAsync(ManagedInstancesEvents.CreateOnCapacityProvider("fleet-worker", FunctionCatalogStandIn.Sha256(broken)));

        Assert.Equal("broken", response.RootElement.GetProperty("verdict").GetString());
        var alert = Assert.Single(harness.Sns.Published);
        Assert.Equal("FunctionError.InvalidEntryPoint", alert.StringAttributes!["guard.lambda"]);
        using var structure = JsonDocument.Parse(alert.Message);
        var text = structure.RootElement.GetProperty("default").GetString()!;
        Assert.Contains("Verdict: broken.\nLambda says: FunctionError.InvalidEntryPoint: Runtime.InvalidEntrypoint: fork/exec /var/task/bootstrap: permission denied\n", text, StringComparison.Ordinal);
        using var document = JsonDocument.Parse(structure.RootElement.GetProperty("sqs").GetString()!);
        Assert.Equal("BOOTSTRAP_NOT_EXECUTABLE", document.RootElement.GetProperty("report").GetProperty("findings")[0].GetProperty("code").GetString());
        Assert.StartsWith("FunctionError.InvalidEntryPoint: ", document.RootElement.GetProperty("lambdaSays").GetString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Handle_VersionLambdaFailedThoughGuardFindsItsCodeFine_AlertedAsLambdasFailure()
    {
        var harness = new DeployHarness();
        harness.Deploy("orders-api", Packages.GoodX8664());
        var published = Packages.GoodX8664("init-fails");
        harness.Publish("orders-api", "$LATEST.PUBLISHED", published);
        harness.Lambda.Change("orders-api:$LATEST.PUBLISHED", c => c with
        {
            State = "Failed",
            StateReasonCode = "FunctionError.RuntimeInitError",
            StateReason = "Runtime exited with error: exit status 2",
        });

        using var response = await harness.HandleAsync(ManagedInstancesEvents.PublishVersion("orders-api", FunctionCatalogStandIn.Sha256(published)));

        Assert.Equal("ok", response.RootElement.GetProperty("verdict").GetString());
        var alert = Assert.Single(harness.Sns.Published);
        Assert.Equal("Guard: orders-api failed in Lambda (FunctionError.RuntimeInitError)", alert.Subject);
        Assert.Equal("ok", alert.StringAttributes!["guard.verdict"]);
        Assert.Contains("Lambda says: FunctionError.RuntimeInitError: Runtime exited with error: exit status 2", alert.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Handle_GoodCreateOnCapacityProvider_CheckedWithoutAlert()
    {
        var harness = new DeployHarness();
        var good = Packages.GoodX8664("fleet-good");
        harness.Deploy("fleet-worker", good);

        using var response = await harness.HandleAsync(ManagedInstancesEvents.CreateOnCapacityProvider("fleet-worker", FunctionCatalogStandIn.Sha256(good)));

        Assert.Equal("ok", response.RootElement.GetProperty("verdict").GetString());
        Assert.Empty(harness.Sns.Published);
        Assert.Single(harness.Store.Objects);
    }
}
