using Guard.Aws.Rollback;
using System.Text.Json;
using Guard.Aws.Lambda;
using Guard.Aws.Store;
using Guard.Function.Deploys;
using Guard.Function.Rollback;
using Guard.Function.Routing;
using Guard.Function.Tests.Support;
using Guard.Inspection.Images;

namespace Guard.Function.Tests.Rollback;

public sealed class RollbackRulesTests
{
    private static readonly string GoodSha = Convert.ToBase64String(new byte[32]);
    private static readonly string BadSha = Convert.ToBase64String(Enumerable.Repeat((byte)1, 32).ToArray());

    private static FunctionConfiguration Current(string sha, string runtime = "provided.al2023", string architecture = "x86_64", params string[] layers) =>
        new("fn", "arn:aws:lambda:us-east-1:1:function:fn", runtime, "bootstrap", [architecture], [.. layers.Select(l => new LayerReference(l, 1))], "Zip", sha, 10, "rev", "Active", "Successful", "$LATEST", null);

    private static DeployRecord Good(string runtime = "provided.al2023", string architecture = "x86_64", string? codeKey = "code/00.zip", params string[] layers) =>
        new("arn", GoodSha, 10, "ok", "t", null, null, null, "1", "us-east-1", "fn", runtime, "bootstrap", [architecture], layers, "bucket", codeKey);

    [Theory]
    [InlineData("3", "point the aliases")]
    [InlineData("$LATEST.PUBLISHED", "publish-version --publish-to LATEST_PUBLISHED")]
    public void WhyOnlyAlert_PublishedVersion_NeitherRollBackNorQuarantineAndSaysHowToRecover(string version, string recovery)
    {
        var why = RollbackRules.WhyOnlyAlert(Current(BadSha) with { Version = version });

        Assert.NotNull(why);
        Assert.Contains($"Version {version} is a published version", why, StringComparison.Ordinal);
        Assert.Contains("did not roll it back", why, StringComparison.Ordinal);
        Assert.Contains(recovery, why, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("$LATEST")]
    [InlineData(null)]
    public void WhyOnlyAlert_Latest_RollbackMayAct(string? version)
    {
        Assert.Null(RollbackRules.WhyOnlyAlert(Current(BadSha) with { Version = version }));
    }

    [Fact]
    public void Plan_CodeChanged_RestoresCodeOnly()
    {
        var plan = RollbackRules.Plan(Current(BadSha), Good(), out _)!;

        Assert.Equal((true, true, null, true), (plan.CodeDiffers, plan.UpdatesCode, plan.Architectures, plan.Configuration.IsEmpty));
    }

    [Fact]
    public void Plan_ArchitectureFlippedWithSameCode_SendsTheCodeWithTheGoodArchitecture()
    {
        var plan = RollbackRules.Plan(Current(GoodSha, architecture: "arm64"), Good(), out _)!;

        Assert.False(plan.CodeDiffers);
        Assert.True(plan.UpdatesCode);
        Assert.Equal(["x86_64"], plan.Architectures!);
    }

    [Fact]
    public void Plan_LayerRemoved_PutsTheLayersBack()
    {
        var plan = RollbackRules.Plan(Current(GoodSha), Good(layers: "arn:aws:lambda:us-east-1:1:layer:runtime:3"), out _)!;

        Assert.False(plan.UpdatesCode);
        Assert.Equal(["arn:aws:lambda:us-east-1:1:layer:runtime:3"], plan.Configuration.Layers!);
        Assert.Null(plan.Configuration.Runtime);
    }

    [Fact]
    public void Plan_NoGoodRecord_NothingToGoBackTo()
    {
        Assert.Null(RollbackRules.Plan(Current(BadSha), null, out var why));
        Assert.Contains("no good code recorded", why, StringComparison.Ordinal);
    }

    [Fact]
    public void Plan_CodeChangedButGoodCodeNotKept_NothingToGoBackTo()
    {
        Assert.Null(RollbackRules.Plan(Current(BadSha), Good(codeKey: null), out var why));
        Assert.Contains("not kept", why, StringComparison.Ordinal);
    }

    [Fact]
    public void Plan_RecordFromBeforeRollback_NothingToGoBackTo()
    {
        var old = new DeployRecord("arn", GoodSha, 10, "ok", "t", null, null, null);

        Assert.Null(RollbackRules.Plan(Current(BadSha), old, out var why));
        Assert.Contains("predates rollback", why, StringComparison.Ordinal);
    }

    [Fact]
    public void Plan_FunctionAsItWasWhenGood_NothingToPutBack()
    {
        Assert.Null(RollbackRules.Plan(Current(GoodSha), Good(), out var why));
        Assert.Contains("nothing to put back", why, StringComparison.Ordinal);
    }

    [Fact]
    public void QuarantineReason_AnyFinding_OnlyTagSafeCharacters()
    {
        var reason = RollbackRules.QuarantineReason("BOOTSTRAP_MISSING(!)", new DateTimeOffset(2024, 8, 1, 13, 52, 2, TimeSpan.Zero));

        Assert.Equal("BOOTSTRAP_MISSING    no good code to roll back to 2024-08-01T13:52:02Z", reason);
    }

    [Fact]
    public void RevisionOf_NoRevisionId_HexOfTheDigest()
    {
        var current = Current(BadSha) with { RevisionId = null };

        Assert.Equal("code-" + new string('0', 0) + string.Concat(Enumerable.Repeat("01", 32)), RollbackRules.RevisionOf(current));
    }

    private const string GoodDigest = "0000000000000000000000000000000000000000000000000000000000000000";
    private const string BadDigest = "1111111111111111111111111111111111111111111111111111111111111111";
    private const string Repository = "266106314375.dkr.ecr.us-east-1.amazonaws.com/orders";

    private static FunctionConfiguration CurrentImage(string digest, string architecture = "x86_64") =>
        new("fn", "arn:aws:lambda:us-east-1:1:function:fn", null, null, [architecture], [], "Image", digest, 0, "rev", "Active", "Successful", "$LATEST", null);

    private static DeployRecord GoodImage(string architecture = "x86_64") =>
        new("arn", GoodDigest, 0, "ok", "t", null, null, null, "1", "us-east-1", "fn", null, null, [architecture], [], ImageUri: $"{Repository}@sha256:{GoodDigest}");

    [Fact]
    public void Plan_ImageChanged_PutsBackTheGoodDigestAndNoConfiguration()
    {
        var plan = RollbackRules.Plan(CurrentImage(BadDigest), GoodImage(), out _)!;

        Assert.Equal((true, null, true), (plan.CodeDiffers, plan.Architectures, plan.Configuration.IsEmpty));
        Assert.Null(plan.StoredIn("guard-store", "1"));
    }

    [Fact]
    public void Plan_ImageFunctionMovedToArm64_PutsTheGoodArchitectureBackWithTheImage()
    {
        var plan = RollbackRules.Plan(CurrentImage(BadDigest, "arm64"), GoodImage(), out _)!;

        Assert.True(plan.UpdatesCode);
        Assert.Equal(["x86_64"], plan.Architectures!);
    }

    [Fact]
    public void Plan_ImageFunctionWithAZipRecord_NothingToGoBackTo()
    {
        Assert.Null(RollbackRules.Plan(CurrentImage(BadDigest), Good(), out var why));
        Assert.Contains("names no image digest", why, StringComparison.Ordinal);
    }

    [Fact]
    public void Plan_ZipFunctionWithAnImageRecord_NothingToGoBackTo()
    {
        Assert.Null(RollbackRules.Plan(Current(BadSha), GoodImage(), out var why));
        Assert.Contains("container image", why, StringComparison.Ordinal);
    }

    [Fact]
    public void Plan_ImageFunctionRunsTheGoodDigest_NothingToPutBack()
    {
        Assert.Null(RollbackRules.Plan(CurrentImage(GoodDigest), GoodImage(), out var why));
        Assert.Contains("nothing to put back", why, StringComparison.Ordinal);
    }

    [Fact]
    public void Plan_ImageConfigChangedOnTheGoodDigest_PutsBackTheRecordedImageConfigAlone()
    {
        var current = CurrentImage(GoodDigest) with { ImageConfig = new FunctionImageConfig(["/app/missing"]) };

        var plan = RollbackRules.Plan(current, GoodImage() with { ImageConfig = FunctionImageConfig.None }, out _)!;

        Assert.Equal((false, false), (plan.CodeDiffers, plan.UpdatesCode));
        Assert.Equal(FunctionImageConfig.None, plan.Configuration.ImageConfig);
        Assert.Equal((null, null, null), (plan.Configuration.Runtime, plan.Configuration.Handler, plan.Configuration.Layers));
    }

    [Fact]
    public void Plan_ImageAndImageConfigChanged_PutsBackTheDigestAndTheRecordedImageConfig()
    {
        var current = CurrentImage(BadDigest) with { ImageConfig = new FunctionImageConfig(["/app/missing"], ["serve"]) };
        var recorded = new FunctionImageConfig(["/main"], null, "/srv");

        var plan = RollbackRules.Plan(current, GoodImage() with { ImageConfig = recorded }, out _)!;

        Assert.True(plan.CodeDiffers);
        Assert.Equal(["/main"], plan.Configuration.ImageConfig!.EntryPoint!);
        Assert.Equal((null, "/srv"), (plan.Configuration.ImageConfig.Command, plan.Configuration.ImageConfig.WorkingDirectory));
        Assert.Equal(recorded, plan.ImageConfigUnder(current));
    }

    [Fact]
    public void Plan_ImageConfigDiffersOnlyByWhatLambdaReportsForNoOverride_NothingToPutBack()
    {
        // GetFunction reports an unset WorkingDirectory as "", and may give empty lists: no override either way.
        var current = CurrentImage(GoodDigest) with { ImageConfig = new FunctionImageConfig([], ["serve"], "") };

        Assert.Null(RollbackRules.Plan(current, GoodImage() with { ImageConfig = new FunctionImageConfig(null, ["serve"]) }, out var why));
        Assert.Contains("with the ImageConfig it passed with, so there is nothing to put back", why, StringComparison.Ordinal);
    }

    [Fact]
    public void Plan_ImageConfigChangedAndTheRecordPredatesImageConfig_NothingToPutBackAndSaysWhy()
    {
        var current = CurrentImage(GoodDigest) with { ImageConfig = new FunctionImageConfig(["/app/missing"]) };

        var plan = RollbackRules.Plan(current, GoodImage(), out var why);

        Assert.Null(plan);
        Assert.Contains("predates Guard keeping the ImageConfig", why, StringComparison.Ordinal);
    }

    [Fact]
    public void Plan_ImageChangedAndTheRecordPredatesImageConfig_JudgedUnderTheFunctionsOwnAndLeavesIt()
    {
        var current = CurrentImage(BadDigest) with { ImageConfig = new FunctionImageConfig(["/main"]) };

        var plan = RollbackRules.Plan(current, GoodImage(), out _)!;

        Assert.True(plan.Configuration.IsEmpty);
        Assert.Same(current.ImageConfig, plan.ImageConfigUnder(current));
    }

    [Theory]
    [InlineData(Repository + "@sha256:" + GoodDigest, Repository + ":v1", Repository + "@sha256:" + GoodDigest)]
    [InlineData(null, Repository + "@sha256:" + GoodDigest, Repository + "@sha256:" + GoodDigest)]
    [InlineData(null, Repository + ":v1", null)]
    [InlineData(Repository + "@sha256:ABC", Repository + ":latest", null)]
    public void PinnedImage_ImageFunction_OnlyAnExactDigestIsRecorded(string? resolved, string imageUri, string? expected)
    {
        var function = new FunctionDetails(CurrentImage(GoodDigest), null, "ECR", imageUri, new Dictionary<string, string>()) { ResolvedImageUri = resolved };

        Assert.Equal(expected, RollbackRules.PinnedImage(function));
    }

    [Fact]
    public void PinnedImage_ZipFunction_Null()
    {
        Assert.Null(RollbackRules.PinnedImage(new FunctionDetails(Current(GoodSha), "https://example/p.zip", "S3", null, new Dictionary<string, string>())));
    }
}
