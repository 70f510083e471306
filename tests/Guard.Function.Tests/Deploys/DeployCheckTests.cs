using System.Text.Json;
using Guard.Aws.Http;
using Guard.Aws.Store;
using Guard.Function.Alerts;
using Guard.Function.Rollback;
using Guard.Function.Routing;
using Guard.Function.Tests.Support;
using Guard.Inspection.Reading;
using Guard.Inspection.Reporting;
using Guard.Testing;

namespace Guard.Function.Tests.Deploys;

public sealed class DeployCheckTests
{
    private const string UpdateCode = "UpdateFunctionCode20150331v2";
    private const string Create = "CreateFunction20150331";

    [Fact]
    public async Task Check_SameCodeOnAnotherFunctionAndRedeployed_JudgedOnceAndNotFetchedAgain()
    {
        var harness = new DeployHarness();
        var zip = Packages.NotExecutable("shared");
        harness.Deploy("orders-api", zip);
        harness.Deploy("orders-worker", zip);
        var sha = FunctionCatalogStandIn.Sha256(zip);

        var first = await harness.CheckAsync(CloudTrailEvents.Deploy(UpdateCode, "orders-api", sha));
        var other = await harness.CheckAsync(CloudTrailEvents.Deploy(UpdateCode, "orders-worker", sha));
        var retried = await harness.CheckAsync(CloudTrailEvents.Deploy("UpdateFunctionConfiguration20150331v2", "orders-api", sha));

        Assert.Equal(1, harness.Opener.Opened);
        Assert.All([first, other, retried], o => Assert.Equal("BOOTSTRAP_NOT_EXECUTABLE", o.Report!.LeadingFinding!.Code));
        Assert.EndsWith(":function:orders-worker", other.Report!.Source, StringComparison.Ordinal);
        Assert.Equal(0, other.Report.Stats.BytesRead);
        // Each deploy of broken code still alerts: the verdict is reused, not the alert.
        Assert.Equal(3, harness.Sns.Published.Count);
    }

    [Fact]
    public async Task Check_SameCodeUnderAnotherArchitecture_JudgedAgain()
    {
        var harness = new DeployHarness();
        var zip = Packages.GoodX8664("both");
        harness.Deploy("on-x86", zip, architecture: "x86_64");
        harness.Deploy("on-arm", zip, architecture: "arm64");
        var sha = FunctionCatalogStandIn.Sha256(zip);

        var x86 = await harness.CheckAsync(CloudTrailEvents.Deploy(UpdateCode, "on-x86", sha));
        var arm = await harness.CheckAsync(CloudTrailEvents.Deploy(UpdateCode, "on-arm", sha));

        Assert.Equal((Verdict.Ok, Verdict.Broken), (x86.Report!.Verdict, arm.Report!.Verdict));
        Assert.Equal(2, harness.Opener.Opened);
        Assert.Equal(2, harness.Store.Verdicts.Count);
    }

    [Fact]
    public async Task Check_WhenBootstrapLacksExecuteBit_PublishesOneAlert()
    {
        var harness = new DeployHarness();
        var zip = Packages.NotExecutable();
        harness.Deploy("orders-api", zip);

        var outcome = await harness.CheckAsync(CloudTrailEvents.Deploy(UpdateCode, "orders-api", FunctionCatalogStandIn.Sha256(zip)));

        Assert.Equal(Outcomes.Checked, outcome.Outcome);
        Assert.Equal(Verdict.Broken, outcome.Report!.Verdict);
        Assert.Equal("BOOTSTRAP_NOT_EXECUTABLE", outcome.Report.LeadingFinding!.Code);
        var published = Assert.Single(harness.Sns.Published);
        Assert.Equal(DeployHarness.TopicArn, published.TopicArn);
        Assert.True(published.MessageStructureJson);
        Assert.Contains("orders-api", published.Subject, StringComparison.Ordinal);
        Assert.Equal(new Logging.DeployMetrics(1, 1, 0, 1), outcome.Metrics);
        Assert.Contains("\"findings\":[\"BOOTSTRAP_NOT_EXECUTABLE\"]", harness.Output.ToString(), StringComparison.Ordinal);
        Assert.Contains("\"_aws\":", harness.Output.ToString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Check_WhenPackageIsGood_RemembersGoodAndSendsNothing()
    {
        var harness = new DeployHarness();
        var zip = Packages.GoodX8664();
        harness.Deploy("orders-api", zip);
        harness.Store.Objects["pending/266106314375/us-east-1/orders-api.json"] = new DeployRecord("a", "p", 1, "placeholder", "t", null, null, null);

        var outcome = await harness.CheckAsync(CloudTrailEvents.Deploy(UpdateCode, "orders-api", FunctionCatalogStandIn.Sha256(zip)));

        Assert.Equal(Verdict.Ok, outcome.Report!.Verdict);
        Assert.Empty(harness.Sns.Published);
        var good = harness.Store.Objects["good/266106314375/us-east-1/orders-api.json"];
        Assert.Equal(FunctionCatalogStandIn.Sha256(zip), good.CodeSha256);
        Assert.Equal(zip.Length, good.CodeSize);
        Assert.Equal("arn:aws:iam::266106314375:user/christophe", good.DeployedBy);
        Assert.False(harness.Store.Objects.ContainsKey("pending/266106314375/us-east-1/orders-api.json"));
    }

    [Fact]
    public async Task Check_JudgesCurrentConfigurationNotEvent_X8664BinaryOnArm64IsWrongArch()
    {
        var harness = new DeployHarness();
        var zip = Packages.GoodX8664();
        // The event's responseElements say x86_64; the function was moved to arm64 since.
        harness.Deploy("orders-api", zip, architecture: "arm64");

        var outcome = await harness.CheckAsync(CloudTrailEvents.Deploy(UpdateCode, "orders-api", FunctionCatalogStandIn.Sha256(zip)));

        Assert.Equal("BOOTSTRAP_WRONG_ARCH", outcome.Report!.LeadingFinding!.Code);
        Assert.Single(harness.Sns.Published);
    }

    [Fact]
    public async Task Check_PlaceholderOnCreate_NoAlertAndRememberedAsPending()
    {
        var placeholder = Packages.DummyPlaceholder();
        var harness = new DeployHarness(placeholders: new HashSet<string> { FunctionCatalogStandIn.Sha256(placeholder) });
        harness.Deploy("infra-first", placeholder);

        var outcome = await harness.CheckAsync(CloudTrailEvents.Deploy(Create, "infra-first", FunctionCatalogStandIn.Sha256(placeholder)));

        Assert.Equal(Verdict.Placeholder, outcome.Report!.Verdict);
        Assert.Empty(harness.Sns.Published);
        Assert.Equal("placeholder", harness.Store.Objects["pending/266106314375/us-east-1/infra-first.json"].Verdict);
        Assert.Equal(1, outcome.Metrics.Placeholders);
    }

    [Fact]
    public async Task Check_PlaceholderOverGoodOnUpdateCode_AlertsPlaceholderOverGood()
    {
        var placeholder = Packages.DummyPlaceholder();
        var harness = new DeployHarness(placeholders: new HashSet<string> { FunctionCatalogStandIn.Sha256(placeholder) });
        var good = Packages.GoodX8664();
        harness.Deploy("infra-first", good);
        await harness.CheckAsync(CloudTrailEvents.Deploy(UpdateCode, "infra-first", FunctionCatalogStandIn.Sha256(good)));
        harness.Deploy("infra-first", placeholder);

        var outcome = await harness.CheckAsync(CloudTrailEvents.Deploy(UpdateCode, "infra-first", FunctionCatalogStandIn.Sha256(placeholder)));

        Assert.Equal(Verdict.Broken, outcome.Report!.Verdict);
        Assert.Equal("PLACEHOLDER_OVER_GOOD", outcome.Report.LeadingFinding!.Code);
        Assert.Contains(FunctionCatalogStandIn.Sha256(good), outcome.Report.LeadingFinding.Message, StringComparison.Ordinal);
        var published = Assert.Single(harness.Sns.Published);
        Assert.Contains("PLACEHOLDER_OVER_GOOD", published.Subject, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Check_StaleEvent_SaysSoWithoutReadingCode()
    {
        var harness = new DeployHarness();
        harness.Deploy("orders-api", Packages.NotExecutable("newer"));

        var outcome = await harness.CheckAsync(CloudTrailEvents.Deploy(UpdateCode, "orders-api", FunctionCatalogStandIn.Sha256(Packages.NotExecutable("older"))));

        Assert.Equal(Outcomes.Stale, outcome.Outcome);
        Assert.Null(outcome.Report);
        Assert.Equal(0, harness.Opener.Opened);
        Assert.Empty(harness.Sns.Published);
        Assert.Contains("stale event", harness.Output.ToString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Check_ArmImageCreatedOnAnX8664Function_AlertsWithTheImageFindingAndItsFix()
    {
        await using var ecr = EcrStandIn.Start();
        var harness = new DeployHarness(ecr: ecr);
        var image = ImageBuilder.GoFunction("arm64").Build();
        var uri = harness.DeployImage("image-fn", image);

        var outcome = await harness.CheckAsync(CloudTrailEvents.Deploy(Create, "image-fn", image.TopDigest["sha256:".Length..], imageUri: uri));

        Assert.Equal(Outcomes.Checked, outcome.Outcome);
        var finding = outcome.Report!.LeadingFinding!;
        Assert.Equal(("IMAGE_WRONG_ARCH", Verdict.Broken), (finding.Code, outcome.Report.Verdict));
        var published = Assert.Single(harness.Sns.Published);
        Assert.Contains("image-fn", published.Subject, StringComparison.Ordinal);
        // The alert's text is the one every renderer uses for a finding: message and fix.
        // The alert's findings are rendered by the one FindingText block every renderer uses: message, then fix.
        var text = JsonDocument.Parse(published.Message).RootElement.GetProperty("default").GetString()!;
        Assert.Contains(FindingText.AppendBlock(new System.Text.StringBuilder(), finding).ToString(), text, StringComparison.Ordinal);
        Assert.Contains($"Code:        image {image.TopDigest}\n", text, StringComparison.Ordinal);
        Assert.DoesNotContain(EcrStandIn.Signature, published.Message, StringComparison.Ordinal);
        Assert.Equal(new Logging.DeployMetrics(1, 1, 0, 1), outcome.Metrics);
    }

    [Fact]
    public async Task Check_GoodImageUpdated_RecordsGoodAndSendsNothing()
    {
        await using var ecr = EcrStandIn.Start();
        var harness = new DeployHarness(ecr: ecr);
        var image = ImageBuilder.GoFunction().Build();
        var uri = harness.DeployImage("image-fn", image);

        var outcome = await harness.CheckAsync(CloudTrailEvents.Deploy(UpdateCode, "image-fn", image.TopDigest["sha256:".Length..], imageUri: uri));

        Assert.Equal(Verdict.Ok, outcome.Report!.Verdict);
        Assert.Empty(harness.Sns.Published);
        Assert.Equal(image.TopDigest["sha256:".Length..], harness.Store.Objects["good/266106314375/us-east-1/image-fn.json"].CodeSha256);
    }

    [Fact]
    public async Task Check_ImageWhoseCommandTheFunctionOverrides_JudgedWithTheOverride()
    {
        await using var ecr = EcrStandIn.Start();
        var harness = new DeployHarness(ecr: ecr);
        var image = ImageBuilder.GoFunction().Build();
        var uri = harness.DeployImage("image-fn", image, imageConfig: new Guard.Inspection.Images.FunctionImageConfig(EntryPoint: ["/usr/bin/not-there"]));

        var outcome = await harness.CheckAsync(CloudTrailEvents.Deploy(UpdateCode, "image-fn", image.TopDigest["sha256:".Length..], imageUri: uri));

        Assert.Equal("IMAGE_ENTRYPOINT_MISSING", outcome.Report!.LeadingFinding!.Code);
        Assert.Single(harness.Sns.Published);
    }

    [Theory]
    [InlineData("python3.12")]
    [InlineData("nodejs22.x")]
    public async Task Check_ManagedRuntimeWithoutLayers_SkippedWithoutFetchingItsCode(string runtime)
    {
        var harness = new DeployHarness();
        var zip = Packages.NotExecutable();
        harness.Deploy("managed", zip, runtime: runtime);

        var outcome = await harness.CheckAsync(CloudTrailEvents.Deploy(UpdateCode, "managed", FunctionCatalogStandIn.Sha256(zip), runtime: runtime));

        Assert.Equal(Outcomes.Skipped, outcome.Outcome);
        Assert.Equal($"managed runtime {runtime} without layers: Lambda supplies the bootstrap and no layer brings an extension", outcome.Reason);
        Assert.Equal(0, harness.Opener.Opened);
    }

    [Fact]
    public async Task Check_Python312WithAnAarch64ExtensionOnX8664_BrokenAlertedAndItsCodeNeverFetched()
    {
        var harness = new DeployHarness();
        var code = ManagedCode();
        var layerArn = await ServeExtensionLayerAsync(harness, "arm-extension", CCompiler.Aarch64);
        harness.Deploy("py-orders", code, runtime: "python3.12", layers: [layerArn], handler: "app.handler");

        var outcome = await harness.CheckAsync(CloudTrailEvents.Deploy(UpdateCode, "py-orders", FunctionCatalogStandIn.Sha256(code), runtime: "python3.12"));

        Assert.Equal(Outcomes.Checked, outcome.Outcome);
        Assert.Equal(Verdict.Broken, outcome.Report!.Verdict);
        Assert.Equal("EXTENSION_WRONG_ARCH", outcome.Report.LeadingFinding!.Code);
        Assert.DoesNotContain(outcome.Report.Findings, f => f.Code.StartsWith("BOOTSTRAP_", StringComparison.Ordinal));
        // The layer only: the function's own code is not judged, so it is not fetched.
        Assert.Equal(1, harness.Opener.Opened);
        Assert.Equal(new Logging.DeployMetrics(1, 1, 0, 1), outcome.Metrics);
        var published = Assert.Single(harness.Sns.Published);
        Assert.Contains("py-orders", published.Subject, StringComparison.Ordinal);
        Assert.Contains("EXTENSION_WRONG_ARCH", published.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Check_Python312WithAGoodExtension_OkNoAlertAndRecordedGood()
    {
        var harness = new DeployHarness();
        var code = ManagedCode();
        var layerArn = await ServeExtensionLayerAsync(harness, "x86-extension", CCompiler.X8664);
        harness.Deploy("py-good", code, runtime: "python3.12", layers: [layerArn], handler: "app.handler");

        var outcome = await harness.CheckAsync(CloudTrailEvents.Deploy(UpdateCode, "py-good", FunctionCatalogStandIn.Sha256(code), runtime: "python3.12"));

        Assert.Equal(Verdict.Ok, outcome.Report!.Verdict);
        Assert.Empty(harness.Sns.Published);
        var good = harness.Store.Objects["good/266106314375/us-east-1/py-good.json"];
        Assert.Equal(("python3.12", FunctionCatalogStandIn.Sha256(code)), (good.Runtime, good.CodeSha256));
        Assert.Equal([layerArn], good.Layers!);
    }

    /// <summary>A Python function's code: nothing in it is exec'd, and nothing in it is judged.</summary>
    private static byte[] ManagedCode() =>
        new PackageBuilder().AddFile("app.py", "def handler(event, context):\n    return event\n").ToArray();

    /// <summary>A layer whose only file is extensions/NAME, a hello world <paramref name="compiler"/> built, served at its Content.Location.</summary>
    private static async Task<string> ServeExtensionLayerAsync(DeployHarness harness, string name, string compiler)
    {
        var extension = await CCompiler.CompileAsync(compiler, cancellationToken: TestContext.Current.CancellationToken);
        var layer = new PackageBuilder().AddFile($"extensions/{name}", extension, PackageBuilder.ExecutableMode).ToArray();
        var arn = $"arn:aws:lambda:us-east-1:266106314375:layer:{name}:1";
        var location = new Uri($"https://awslambda-us-east-1-layers.s3.us-east-1.amazonaws.com/snapshots/{name}-1?X-Amz-Signature=s");
        harness.Lambda.AddLayer(arn, location.AbsoluteUri);
        harness.Opener.Serve(location, layer);
        return arn;
    }

    [Fact]
    public async Task Check_Go1x_CheckedAndReportedDeprecated()
    {
        var harness = new DeployHarness();
        var zip = new PackageBuilder().AddFile("main", ElfBuilder.Static(ElfBuilder.X8664, go: true), PackageBuilder.ExecutableMode).ToArray();
        harness.Deploy("legacy-go", zip, runtime: "go1.x", handler: "main");

        var outcome = await harness.CheckAsync(CloudTrailEvents.Deploy(UpdateCode, "legacy-go", FunctionCatalogStandIn.Sha256(zip), runtime: "go1.x"));

        Assert.Equal(Outcomes.Checked, outcome.Outcome);
        Assert.Contains(outcome.Report!.Findings, f => f.Code == "RUNTIME_DEPRECATED");
    }

    [Fact]
    public async Task Check_TagSaysOff_SkippedEvenWhenBroken()
    {
        var harness = new DeployHarness(GuardMode.Alert);
        var zip = Packages.NotExecutable();
        harness.Deploy("quiet", zip, tags: new Dictionary<string, string> { ["guard:mode"] = "off" });

        var outcome = await harness.CheckAsync(CloudTrailEvents.Deploy(UpdateCode, "quiet", FunctionCatalogStandIn.Sha256(zip)));

        Assert.Equal(Outcomes.Skipped, outcome.Outcome);
        Assert.Contains("guard:mode", outcome.Reason, StringComparison.Ordinal);
        Assert.Empty(harness.Sns.Published);
    }

    [Fact]
    public async Task Check_EnvironmentOffButTagAlert_Checked()
    {
        var harness = new DeployHarness(GuardMode.Off);
        var zip = Packages.NotExecutable();
        harness.Deploy("loud", zip, tags: new Dictionary<string, string> { ["guard:mode"] = "alert" });

        var outcome = await harness.CheckAsync(CloudTrailEvents.Deploy(UpdateCode, "loud", FunctionCatalogStandIn.Sha256(zip)));

        Assert.Equal(Verdict.Broken, outcome.Report!.Verdict);
        Assert.Single(harness.Sns.Published);
    }

    [Fact]
    public async Task Check_FunctionDeletedSince_AcknowledgedAsNotFound()
    {
        var harness = new DeployHarness();

        var outcome = await harness.CheckAsync(CloudTrailEvents.Deploy(UpdateCode, "gone", "sha="));

        Assert.Equal(Outcomes.NotFound, outcome.Outcome);
        Assert.Empty(harness.Sns.Published);
    }

    [Fact]
    public async Task Check_LambdaThrottledPastRetries_Throws()
    {
        var harness = new DeployHarness();
        harness.Lambda.FailWith = new AwsServiceException("TooManyRequestsException", 429, "Rate exceeded");

        var error = await Assert.ThrowsAsync<AwsServiceException>(() => harness.CheckAsync(CloudTrailEvents.Deploy(UpdateCode, "fn", "sha=")));

        Assert.True(error.IsTransient);
    }

    [Fact]
    public async Task Check_CodeLocationUnreadable_Throws()
    {
        var harness = new DeployHarness();
        var zip = Packages.NotExecutable();
        harness.Lambda.Add("unserved", zip);

        await Assert.ThrowsAsync<PackageUnavailableException>(() => harness.CheckAsync(CloudTrailEvents.Deploy(UpdateCode, "unserved", FunctionCatalogStandIn.Sha256(zip))));
    }

    [Fact]
    public async Task Check_SnsFails_ThrowsSoTheEventIsRetried()
    {
        var harness = new DeployHarness();
        var zip = Packages.NotExecutable();
        harness.Deploy("orders-api", zip);
        harness.Sns.FailWith = new AwsServiceException("Throttling", 400, "Rate exceeded");

        await Assert.ThrowsAsync<AwsServiceException>(() => harness.CheckAsync(CloudTrailEvents.Deploy(UpdateCode, "orders-api", FunctionCatalogStandIn.Sha256(zip))));
    }

    [Fact]
    public async Task Check_BootstrapOnlyInLayer_JudgedWithTheLayer()
    {
        var harness = new DeployHarness();
        var code = new PackageBuilder().AddFile("handler.txt", "no bootstrap here").ToArray();
        var layerArn = "arn:aws:lambda:us-east-1:266106314375:layer:runtime:3";
        var layerUrl = new Uri("https://awslambda-us-east-1-layers.s3.us-east-1.amazonaws.com/snapshots/runtime-3?X-Amz-Signature=s");
        harness.Lambda.AddLayer(layerArn, layerUrl.AbsoluteUri);
        harness.Opener.Serve(layerUrl, Packages.GoodX8664("layer"));
        harness.Deploy("layered", code, layers: [layerArn]);

        var outcome = await harness.CheckAsync(CloudTrailEvents.Deploy(UpdateCode, "layered", FunctionCatalogStandIn.Sha256(code)));

        Assert.Equal(Verdict.Ok, outcome.Report!.Verdict);
        Assert.Equal("layer", outcome.Report.Bootstrap!.Origin);
    }

    [Theory]
    [InlineData(true, true)]
    [InlineData(false, false)]
    public async Task Check_BrokenDeployAsGuardsRole_OnlyCheckedWhenGuardRecordedItsRevision(bool recorded, bool exempt)
    {
        var guardRole = $"arn:aws:iam::{CloudTrailEvents.Account}:role/guard-GuardFunctionRole-1ABC";
        var harness = new DeployHarness(GuardMode.Rollback, roleArn: guardRole);
        var zip = Packages.NotExecutable();
        var function = harness.Lambda.Add("orders-api", zip);
        harness.Opener.Serve(new Uri(function.CodeLocation!), zip);
        const string Revision = "0c2f5d1e-7d0a-4a4b-9a51-3f1d2c6b8e90";
        if (recorded)
        {
            var key = new Aws.Store.FunctionKey(CloudTrailEvents.Account, CloudTrailEvents.Region, "orders-api");
            await harness.Store.PutGuardUpdateAsync(
                key, new Aws.Store.GuardUpdate(function.Configuration.FunctionArn, Revision, FunctionCatalogStandIn.Sha256(zip), "UpdateFunctionCode", "t", null), TestContext.Current.CancellationToken);
        }

        // The session's ARN names no role of Guard's, so only sessionIssuer.arn can tell this call was made as Guard's role.
        var outcome = await harness.CheckAsync(CloudTrailEvents.Deploy(
            UpdateCode, "orders-api", FunctionCatalogStandIn.Sha256(zip),
            identityArn: $"arn:aws:sts::{CloudTrailEvents.Account}:assumed-role/renamed/guard-function", sessionIssuerArn: guardRole, revisionId: Revision));

        Assert.Equal(Verdict.Broken, outcome.Report!.Verdict);
        Assert.Equal(GuardAction.NotRolledBack, outcome.Action!.Kind);
        Assert.Equal(exempt, outcome.Action.Summary.Contains("made by Guard itself", StringComparison.Ordinal));
    }

    [Theory]
    [InlineData(UpdateCode)]
    [InlineData(Create)]
    public async Task Check_GoodDeployFromVersionedS3_CodeStoreToldTheObjectVersion(string eventName)
    {
        var codes = new RecordingCodeStore();
        var harness = new DeployHarness(codes: codes);
        var zip = Packages.GoodX8664("versioned");
        harness.Deploy("orders-api", zip);

        var outcome = await harness.CheckAsync(CloudTrailEvents.Deploy(
            eventName, "orders-api", FunctionCatalogStandIn.Sha256(zip), s3Code: ("artifacts", "builds/orders.zip", "tufRRRRAn_XXXXrRhNThQq6N")));

        Assert.Equal(Verdict.Ok, outcome.Report!.Verdict);
        var kept = Assert.Single(codes.Kept);
        Assert.Equal(new CodeOrigin("artifacts", "builds/orders.zip", "tufRRRRAn_XXXXrRhNThQq6N"), kept.Origin);
    }

    [Fact]
    public async Task Handle_CheckedEvent_RespondsWithTheReportJson()
    {
        var harness = new DeployHarness();
        var zip = Packages.NotExecutable();
        harness.Deploy("orders-api", zip);
        using var document = JsonDocument.Parse(CloudTrailEvents.Deploy(UpdateCode, "orders-api", FunctionCatalogStandIn.Sha256(zip)));

        var response = await harness.Check.HandleAsync(EventRouter.Classify(document.RootElement), TestContext.Current.CancellationToken);

        var report = JsonSerializer.Deserialize(response.Span, ReportJsonContext.Default.Report)!;
        Assert.Equal(Verdict.Broken, report.Verdict);
        Assert.Equal(1, report.SchemaVersion);
    }
}
