using Guard.Aws.Rollback;
using System.Text.Json;
using Guard.Aws.Lambda;
using Guard.Aws.Store;
using Guard.Function.Deploys;
using Guard.Function.Rollback;
using Guard.Function.Routing;
using Guard.Function.Tests.Support;

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
}
