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
using Guard.Function.Tests.Support;
using Guard.Inspection;
using Guard.Inspection.Images;
using Guard.Inspection.Reporting;
using Guard.Inspection.Rules;
using Guard.Testing;

namespace Guard.Function.Tests.Rollback;

/// <summary>
/// Rollback mode for container-image functions: the good image is recorded by its digest (ECR keeps it, the store
/// does not), and a broken deploy is undone by UpdateFunctionCode with that digest — through the one
/// <see cref="FunctionRestore"/>, with the zips' guards (one claim per bad revision, writes conditional on the
/// RevisionId read, quarantine when nothing good can be put back). Images are written by the test kit, pushed to
/// <see cref="EcrStandIn"/> and read through Guard's ECR reader and the image engine; Lambda is
/// <see cref="ImageFunctionsStandIn"/>.
/// </summary>
public sealed class ImageRollbackTests
{
    private static readonly byte[] StaticX8664 = ElfBuilder.Static(ElfBuilder.X8664);
    private static readonly byte[] StaticAarch64 = ElfBuilder.Static(ElfBuilder.Aarch64);

    private static CancellationToken Cancel => TestContext.Current.CancellationToken;

    [Fact]
    public async Task Run_BrokenImageDeployedOverAGoodDigest_GoodDigestIsBackConditionalOnTheRevisionRead()
    {
        await using var world = new ImageWorld();
        var good = world.Push(ImageWorld.GoImage(StaticX8664));
        var broken = world.Push(ImageWorld.GoImage(StaticAarch64, "arm64"));
        world.RecordGood("orders", good, "x86_64");
        var read = world.Lambda.Deploy("orders", broken, named: broken[..broken.IndexOf('@')] + ":v2");

        var action = await world.RollBackAsync(read);

        Assert.Equal(GuardAction.RolledBack, action.Kind);
        Assert.Equal("ok", action.RecheckVerdict);
        var (function, update) = Assert.Single(world.Lambda.CodeUpdates);
        Assert.Equal(("orders", good, read.Configuration.RevisionId, (IReadOnlyList<string>?)null, (string?)null), (function, update.ImageUri, update.RevisionId, update.Architectures, update.S3Bucket));
        var now = await world.Lambda.GetFunctionAsync("orders", Cancel);
        Assert.Equal((good, ImageFunctionsStandIn.HexOf(good)), (now.ResolvedImageUri, now.Configuration.CodeSha256));
        Assert.Equal(now.Configuration.CodeSha256, action.RestoredCodeSha256);
        Assert.Contains($"image {good}", action.Summary, StringComparison.Ordinal);
        // Guard's own update is recorded before its CloudTrail event can arrive, so that event is never acted on again.
        Assert.Equal(now.Configuration.RevisionId, Assert.Single(world.Store.GuardUpdates.Values).RevisionId);
        // The good image was read by its digest before it was put back: never by a tag a later push could move.
        Assert.Contains(world.Ecr.Calls, c => c.Operation == "BatchGetImage" && c.ImageId == "sha256:" + ImageFunctionsStandIn.HexOf(good));
        Assert.DoesNotContain(world.Ecr.Calls, c => c.ImageId == "latest");
    }

    [Fact]
    public async Task Check_GoodImageThenABrokenOneInRollbackMode_GoodDigestRecordedAndPutBack()
    {
        await using var world = new ImageWorld();
        var good = world.Push(ImageWorld.GoImage(StaticX8664));
        var tag = good[..good.IndexOf('@')] + ":latest";
        world.Lambda.Deploy("orders", good, named: tag);
        var first = await world.CheckAsync("orders", good, tag);
        var broken = world.Push(ImageWorld.GoImage(StaticAarch64, "arm64"));
        world.Lambda.Deploy("orders", broken, named: tag);

        var second = await world.CheckAsync("orders", broken, tag);

        Assert.Equal(Verdict.Ok, first.Report!.Verdict);
        // Recorded by its digest: the tag it was deployed by now names the broken image.
        var record = world.Store.Objects[ImageWorld.Key("orders").GoodKey];
        Assert.Equal((good, (string?)null), (record.ImageUri, record.CodeKey));
        Assert.Equal(["x86_64"], record.Architectures!);
        Assert.Equal((Verdict.Broken, GuardAction.RolledBack, "ok"), (second.Report!.Verdict, second.Action!.Kind, second.Action.RecheckVerdict));
        Assert.Equal(good, (await world.Lambda.GetFunctionAsync("orders", Cancel)).ResolvedImageUri);
        Assert.Equal("Guard rolled back orders (IMAGE_WRONG_ARCH)", Assert.Single(world.Sns.Published).Subject);
    }

    [Fact]
    public async Task Run_DeployMovedTheFunctionToArm64_GoodDigestAndItsArchitectureGoBackTogether()
    {
        await using var world = new ImageWorld();
        var good = world.Push(ImageWorld.GoImage(StaticX8664));
        // An arm64 image whose entrypoint is not executable, deployed with Architectures [arm64].
        var broken = world.Push(ImageWorld.GoImage(StaticAarch64, "arm64", mode: 0b110_100_100));
        world.RecordGood("orders", good, "x86_64");
        var read = world.Lambda.Deploy("orders", broken, "arm64");

        var action = await world.RollBackAsync(read);

        Assert.Equal(GuardAction.RolledBack, action.Kind);
        var update = Assert.Single(world.Lambda.CodeUpdates).Update;
        Assert.Equal((good, "x86_64"), (update.ImageUri, Assert.Single(update.Architectures!)));
        var now = (await world.Lambda.GetFunctionAsync("orders", Cancel)).Configuration;
        Assert.Equal(["x86_64"], now.Architectures);
    }

    [Fact]
    public async Task Run_GoodDigestDeletedFromTheRepository_QuarantinedAndNothingDeployed()
    {
        await using var world = new ImageWorld(quarantine: true);
        var good = world.Push(ImageWorld.GoImage(StaticX8664));
        var broken = world.Push(ImageWorld.GoImage(StaticAarch64, "arm64"));
        world.RecordGood("orders", good, "x86_64");
        world.Ecr.Delete(world.Built[good], ImageWorld.Repository);
        var read = world.Lambda.Deploy("orders", broken);

        var action = await world.RollBackAsync(read);

        Assert.Equal(GuardAction.Quarantined, action.Kind);
        Assert.Contains("could not be read", action.Summary, StringComparison.Ordinal);
        Assert.Empty(world.Lambda.CodeUpdates);
        Assert.Equal(0, world.Lambda.Concurrency["orders"]);
    }

    [Fact]
    public async Task Run_NoGoodDigestRecorded_QuarantinedAndTaggedAsForZips()
    {
        await using var world = new ImageWorld(quarantine: true);
        var broken = world.Push(ImageWorld.GoImage(StaticAarch64, "arm64"));
        var read = world.Lambda.Deploy("orders", broken);

        var action = await world.RollBackAsync(read);

        Assert.Equal(GuardAction.Quarantined, action.Kind);
        Assert.Empty(world.Lambda.CodeUpdates);
        Assert.Equal(0, world.Lambda.Concurrency["orders"]);
        var now = await world.Lambda.GetFunctionAsync("orders", Cancel);
        Assert.StartsWith("IMAGE_WRONG_ARCH no good code", now.Tags[RollbackRules.QuarantineTag], StringComparison.Ordinal);
    }

    [Fact]
    public async Task Run_NoGoodDigestRecordedWithoutQuarantine_AlertOnlyAndUntouched()
    {
        await using var world = new ImageWorld();
        var broken = world.Push(ImageWorld.GoImage(StaticAarch64, "arm64"));
        var read = world.Lambda.Deploy("orders", broken);

        var action = await world.RollBackAsync(read);

        Assert.Equal(GuardAction.NotRolledBack, action.Kind);
        Assert.Contains("no good code recorded", action.Summary, StringComparison.Ordinal);
        Assert.Empty(world.Lambda.CodeUpdates);
        Assert.Empty(world.Lambda.Concurrency);
    }

    [Fact]
    public async Task Run_DeployLandsBetweenGuardsReadAndItsUpdate_NewerImageLeftAlone()
    {
        await using var world = new ImageWorld();
        var good = world.Push(ImageWorld.GoImage(StaticX8664));
        var broken = world.Push(ImageWorld.GoImage(StaticAarch64, "arm64"));
        var fixedImage = world.Push(ImageWorld.GoImage(StaticX8664, mode: 0b111_111_101));
        world.RecordGood("orders", good, "x86_64");
        var read = world.Lambda.Deploy("orders", broken);
        world.Lambda.BeforeUpdate = (name, _) =>
        {
            world.Lambda.Deploy(name, fixedImage);
            return Task.CompletedTask;
        };

        var action = await world.RollBackAsync(read);

        Assert.Equal(GuardAction.LeftAlone, action.Kind);
        Assert.Equal(fixedImage, (await world.Lambda.GetFunctionAsync("orders", Cancel)).ResolvedImageUri);
    }

    [Fact]
    public async Task Run_SameBadRevisionTwice_ActsOnce()
    {
        await using var world = new ImageWorld();
        var good = world.Push(ImageWorld.GoImage(StaticX8664));
        var broken = world.Push(ImageWorld.GoImage(StaticAarch64, "arm64"));
        world.RecordGood("orders", good, "x86_64");
        var read = world.Lambda.Deploy("orders", broken);

        await world.RollBackAsync(read);
        var second = await world.RollBackAsync(read);

        Assert.Equal(GuardAction.NotRolledBack, second.Kind);
        Assert.Single(world.Lambda.CodeUpdates);
    }

    [Fact]
    public async Task Run_ImageConfigAloneBroke_RecordedImageConfigPutBackConditionalOnTheRevisionRead()
    {
        // aws lambda update-function-configuration --image-config EntryPoint=/app/missing on a working image function.
        await using var world = new ImageWorld();
        var good = world.Push(ImageWorld.GoImage(StaticX8664));
        world.RecordGood("orders", good, "x86_64", FunctionImageConfig.None);
        var read = world.Lambda.Deploy("orders", good, imageConfig: new FunctionImageConfig(["/app/missing"]));

        var action = await world.RollBackAsync(read);

        Assert.Equal((GuardAction.ConfigurationRestored, "ok"), (action.Kind, action.RecheckVerdict));
        Assert.Empty(world.Lambda.CodeUpdates);
        var (function, update) = Assert.Single(world.Lambda.ConfigurationUpdates);
        Assert.Equal(("orders", read.Configuration.RevisionId, FunctionImageConfig.None), (function, update.RevisionId, update.ImageConfig));
        var now = await world.Lambda.GetFunctionAsync("orders", Cancel);
        Assert.Equal((good, (FunctionImageConfig?)null), (now.ResolvedImageUri, now.Configuration.ImageConfig));
        Assert.Contains("no ImageConfig overrides", action.Summary, StringComparison.Ordinal);
        // Guard's own UpdateFunctionConfiguration is recorded before its CloudTrail event can arrive.
        Assert.Equal(now.Configuration.RevisionId, Assert.Single(world.Store.GuardUpdates.Values).RevisionId);
    }

    [Fact]
    public async Task Run_ImageAndImageConfigBroke_GoodDigestAndRecordedImageConfigBothPutBack()
    {
        await using var world = new ImageWorld();
        var good = world.Push(ImageWorld.GoImage(StaticX8664));
        var broken = world.Push(ImageWorld.GoImage(StaticAarch64, "arm64"));
        var recorded = new FunctionImageConfig(["/main"], ["serve"]);
        world.RecordGood("orders", good, "x86_64", recorded);
        var read = world.Lambda.Deploy("orders", broken, imageConfig: new FunctionImageConfig(["/app/missing"]));

        var action = await world.RollBackAsync(read);

        Assert.Equal((GuardAction.RolledBack, "ok"), (action.Kind, action.RecheckVerdict));
        Assert.Equal(good, Assert.Single(world.Lambda.CodeUpdates).Update.ImageUri);
        var update = Assert.Single(world.Lambda.ConfigurationUpdates).Update;
        // The second write is conditional on the revision the first one left, never on a stale one.
        var now = await world.Lambda.GetFunctionAsync("orders", Cancel);
        Assert.NotEqual(read.Configuration.RevisionId, update.RevisionId);
        Assert.Equal(good, now.ResolvedImageUri);
        Assert.True(RollbackRules.SameImageConfig(new FunctionImageConfig(["/main"], ["serve"]), now.Configuration.ImageConfig));
        Assert.Contains($"image {good}, ImageConfig (EntryPoint /main; Command of 1 argument)", action.Summary, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Run_ImageConfigAloneBrokeAndTheRecordPredatesImageConfig_QuarantinedAsBefore()
    {
        await using var world = new ImageWorld(quarantine: true);
        var good = world.Push(ImageWorld.GoImage(StaticX8664));
        world.RecordGood("orders", good, "x86_64");
        var read = world.Lambda.Deploy("orders", good, imageConfig: new FunctionImageConfig(["/app/missing"]));

        var action = await world.RollBackAsync(read);

        Assert.Equal(GuardAction.Quarantined, action.Kind);
        Assert.Contains("predates Guard keeping the ImageConfig", action.Summary, StringComparison.Ordinal);
        Assert.Empty(world.Lambda.CodeUpdates);
        Assert.Empty(world.Lambda.ConfigurationUpdates);
        Assert.Equal(0, world.Lambda.Concurrency["orders"]);
    }

    [Fact]
    public async Task Run_GoodDigestFailsUnderItsRecordedImageConfig_RefusedAndNothingDeployed()
    {
        // The broken deploy's ImageConfig would let the good digest pass; the recorded one, which the restore puts back, does not.
        await using var world = new ImageWorld(quarantine: true);
        var good = world.Push(ImageWorld.GoImage(StaticX8664));
        var broken = world.Push(ImageWorld.GoImage(StaticAarch64, "arm64"));
        world.RecordGood("orders", good, "x86_64", new FunctionImageConfig(["/gone"]));
        var read = world.Lambda.Deploy("orders", broken, imageConfig: new FunctionImageConfig(["/main"]));

        var action = await world.RollBackAsync(read);

        Assert.Equal(GuardAction.Quarantined, action.Kind);
        Assert.Contains("does not pass on x86_64 with the ImageConfig it passed with", action.Summary, StringComparison.Ordinal);
        Assert.Empty(world.Lambda.CodeUpdates);
        Assert.Empty(world.Lambda.ConfigurationUpdates);
    }

    [Fact]
    public async Task Check_GoodImageThenAnImageConfigThatBreaksIt_ImageConfigRecordedAndPutBack()
    {
        await using var world = new ImageWorld();
        var good = world.Push(ImageWorld.GoImage(StaticX8664));
        world.Lambda.Deploy("orders", good, imageConfig: new FunctionImageConfig(null, ["serve"], ""));
        var first = await world.CheckAsync("orders", good, good);
        world.Lambda.Deploy("orders", good, imageConfig: new FunctionImageConfig(["/app/missing"], ["serve"]));

        var second = await world.CheckAsync("orders", good, good, "UpdateFunctionConfiguration20150331v2");

        Assert.Equal(Verdict.Ok, first.Report!.Verdict);
        // Recorded as Lambda reads it: the empty WorkingDirectory GetFunction reports for none is no override.
        var record = world.Store.Objects[ImageWorld.Key("orders").GoodKey];
        Assert.Equal(["serve"], record.ImageConfig!.Command!);
        Assert.Equal((null, null), (record.ImageConfig.EntryPoint, record.ImageConfig.WorkingDirectory));
        Assert.Equal((Verdict.Broken, GuardAction.ConfigurationRestored, "ok"), (second.Report!.Verdict, second.Action!.Kind, second.Action.RecheckVerdict));
        var now = (await world.Lambda.GetFunctionAsync("orders", Cancel)).Configuration.ImageConfig!;
        Assert.Equal(["serve"], now.Command!);
        Assert.Null(now.EntryPoint);
        Assert.Empty(world.Lambda.CodeUpdates);
    }
}
