using Guard.Function.Tests.Support;
using Guard.Inspection.Images;
using Guard.Inspection.Reporting;
using Guard.Testing;

namespace Guard.Function.Tests.Deploys;

/// <summary>
/// The deploy check on container-image functions and the store's verdicts: an image is named by the digest that runs,
/// so the same digest judged on the same CPU under the same ImageConfig is answered from the store, without reading ECR.
/// </summary>
public sealed class DeployCheckImageTests
{
    private static readonly byte[] StaticX8664 = ElfBuilder.Static(ElfBuilder.X8664);

    [Fact]
    public async Task Check_SameImageOnAnotherFunctionAndAfterAnEnvironmentChange_AnsweredFromTheStoreWithoutReadingEcr()
    {
        await using var world = new ImageWorld();
        var good = world.Push(ImageWorld.GoImage(StaticX8664));
        world.Lambda.Deploy("orders", good);
        world.Lambda.Deploy("billing", good);
        var first = await world.CheckAsync("orders", good, good, "CreateFunction20150331");
        var ecrCalls = world.Ecr.Calls.Count;

        var another = await world.CheckAsync("billing", good, good, "CreateFunction20150331");
        var configuration = await world.CheckAsync("orders", good, good, "UpdateFunctionConfiguration20150331v2");

        Assert.True(ecrCalls > 0, "the first check did not read the image from ECR");
        Assert.Equal([Verdict.Ok, Verdict.Ok, Verdict.Ok], [first.Report!.Verdict, another.Report!.Verdict, configuration.Report!.Verdict]);
        Assert.Equal(ecrCalls, world.Ecr.Calls.Count);
        Assert.Single(world.Store.Verdicts);
        // The stored verdict is told as this function's own.
        Assert.EndsWith(":function:billing", another.Report.Source, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Check_SameImageUnderAnotherImageConfig_JudgedAgain()
    {
        // The ImageConfig decides what starts: the same digest with an EntryPoint no layer has is another verdict.
        await using var world = new ImageWorld();
        var good = world.Push(ImageWorld.GoImage(StaticX8664));
        world.Lambda.Deploy("orders", good);
        var first = await world.CheckAsync("orders", good, good);
        var ecrCalls = world.Ecr.Calls.Count;
        world.Lambda.Deploy("orders", good, imageConfig: new FunctionImageConfig(["/app/missing"], null));

        var second = await world.CheckAsync("orders", good, good, "UpdateFunctionConfiguration20150331v2");

        Assert.Equal(Verdict.Ok, first.Report!.Verdict);
        Assert.Equal((Verdict.Broken, "IMAGE_ENTRYPOINT_MISSING"), (second.Report!.Verdict, second.Report.LeadingFinding!.Code));
        Assert.True(world.Ecr.Calls.Count > ecrCalls, "the image was not read again under its new ImageConfig");
        Assert.Equal(2, world.Store.Verdicts.Count);
    }

    [Fact]
    public async Task Check_SameImageOnTheOtherCpu_JudgedAgain()
    {
        await using var world = new ImageWorld();
        var good = world.Push(ImageWorld.GoImage(StaticX8664));
        world.Lambda.Deploy("orders", good);
        world.Lambda.Deploy("billing", good, architecture: "arm64");
        var first = await world.CheckAsync("orders", good, good);

        var other = await world.CheckAsync("billing", good, good, "CreateFunction20150331");

        Assert.Equal(Verdict.Ok, first.Report!.Verdict);
        Assert.Equal((Verdict.Broken, "IMAGE_WRONG_ARCH"), (other.Report!.Verdict, other.Report.LeadingFinding!.Code));
    }
}
