using System.Text.Json;
using Guard.Cli.Images;
using Guard.Cli.Tests.Support;
using Guard.Testing;

namespace Guard.Cli.Tests.Images;

/// <summary><c>guard check IMAGE</c>: a layout folder, an image tar and a registry reference each get an image verdict and exit code.</summary>
public sealed class ImageCheckTests : IDisposable
{
    private static readonly byte[] StaticX8664 = ElfBuilder.Static(ElfBuilder.X8664);
    private readonly Scratch _scratch = new();

    public void Dispose() => _scratch.Dispose();

    private static async Task<(int ExitCode, string Output, string Error)> RunAsync(params string[] args)
    {
        var output = new StringWriter();
        var error = new StringWriter();
        var exitCode = await GuardCommandLine.RunAsync(args, output, error, TestContext.Current.CancellationToken);
        ReportSchemaGate.AssertReportMatches(args, output.ToString());
        return (exitCode, output.ToString(), error.ToString());
    }

    private static BuiltImage Image(string architecture = "amd64", int mode = 0b111_101_101) => new ImageBuilder
    {
        Architecture = architecture,
        Entrypoint = ["/main"],
        Layers = [new ImageLayerContent().File("/main", StaticX8664, mode)],
    }.Build();

    [Fact]
    public async Task Check_WhenGivenAnOciLayoutForTheOtherCpu_ReportsImageWrongArchAndExitsOne()
    {
        var layout = Image().WriteOciLayout(_scratch.PathOf("layout"));

        var (exitCode, output, _) = await RunAsync("check", layout, "--architecture", "arm64");

        Assert.Equal(ExitCodes.Broken, exitCode);
        Assert.StartsWith("BROKEN", output, StringComparison.Ordinal);
        Assert.Contains("IMAGE_WRONG_ARCH", output, StringComparison.Ordinal);
        Assert.Contains("fork/exec /main: exec format error", output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Check_WhenGivenAGoodImageTar_PrintsOkAsJsonAndExitsZero()
    {
        var tar = Image().WriteDockerArchive(_scratch.PathOf("image.tar"));

        var (exitCode, output, _) = await RunAsync("check", tar, "--format", "json");

        Assert.Equal(ExitCodes.Ok, exitCode);
        using var json = JsonDocument.Parse(output);
        Assert.Equal("ok", json.RootElement.GetProperty("verdict").GetString());
        Assert.Equal("image", json.RootElement.GetProperty("runtime").GetString());
        Assert.Equal("/main", json.RootElement.GetProperty("bootstrap").GetProperty("path").GetString());
        Assert.Equal("image", json.RootElement.GetProperty("bootstrap").GetProperty("origin").GetString());
    }

    [Fact]
    public async Task Check_WhenGivenARegistryReference_ReadsItThroughTheDistributionApi()
    {
        await using var registry = RegistryStandIn.Start(Image(mode: 0b110_100_100));

        var (exitCode, output, _) = await RunAsync("check", registry.Reference());

        Assert.Equal(ExitCodes.Broken, exitCode);
        Assert.Contains("BOOTSTRAP_NOT_EXECUTABLE", output, StringComparison.Ordinal);
        Assert.Contains("RUN chmod 755 /main", output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Check_WhenTheRegistryIsUnreachable_ExitsTwoWithOneLine()
    {
        var (exitCode, _, error) = await RunAsync("check", "127.0.0.1:1/guard/none:v1", "--timeout", "10");

        Assert.Equal(ExitCodes.UsageOrUnavailable, exitCode);
        Assert.StartsWith("guard: 127.0.0.1:1/guard/none:v1", error, StringComparison.Ordinal);
    }
}
