using System.Text.Json;
using Guard.Aws.Functions;
using Guard.Aws.Http;
using Guard.Cli.Apps;
using Guard.Cli.Commands;
using Guard.Cli.Images;
using Guard.Cli.Scanning;
using Guard.Inspection.Rules;
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

    /// <summary><c>guard check IMAGE</c> as the command runs it, over a connection whose ECR is <paramref name="ecr"/>.</summary>
    private static async Task<(int ExitCode, string Output, string Error)> CheckWithAwsAsync(string image, EcrStandIn ecr, Func<IAwsCredentialsProvider> credentials)
    {
        using var connection = new AwsConnection(
            region => AwsEnvironment.From(new Dictionary<string, string?> { ["AWS_REGION"] = region, ["AWS_ENDPOINT_URL_ECR"] = ecr.Endpoint.AbsoluteUri }),
            credentials,
            EcrStandIn.Region,
            new HttpPackageOpener(new HttpClient()));
        var options = new CheckOptions(
            [image], "provided.al2023", Architecture.X8664, [], "text", null, new HashSet<string>(), null, TimeSpan.FromSeconds(30),
            new Dictionary<string, string>(), FailOn.Error, new HashSet<string>());
        var output = new StringWriter();
        var error = new StringWriter();
        var exitCode = await CheckCommand.RunAsync(options, new CheckService(connection), output, error, TestContext.Current.CancellationToken);
        return (exitCode, output.ToString(), error.ToString());
    }

    [Fact]
    public async Task Check_WhenGivenAnEcrUri_ReadsItThroughEcrWithTheAwsCredentials()
    {
        await using var ecr = EcrStandIn.Start();
        var uri = ecr.Push(Image("arm64"), account: "444455556666");

        var (exitCode, output, error) = await CheckWithAwsAsync(uri, ecr, () => new AwsCredentials("AKIDGUARD", "guard-secret"));

        Assert.True(exitCode == ExitCodes.Broken, $"exit {exitCode}: {error}");
        Assert.Contains("IMAGE_WRONG_ARCH", output, StringComparison.Ordinal);
        // Signed ECR calls on the image's own registry (the stand-in refuses unsigned ones), not the registry API.
        Assert.Equal(["BatchGetImage", "GetDownloadUrlForLayer"], ecr.Calls.Select(c => c.Operation));
        Assert.All(ecr.Calls, c => Assert.Equal("444455556666", c.RegistryId));
    }

    [Fact]
    public async Task Check_WhenAnEcrUriMeetsNoAwsCredentials_NotCheckedSayingSo()
    {
        await using var ecr = EcrStandIn.Start();
        var uri = ecr.Push(Image());

        var (exitCode, _, error) = await CheckWithAwsAsync(uri, ecr, () => throw new CredentialsUnavailableException("no AWS credentials were found", null));

        Assert.Equal(ExitCodes.UsageOrUnavailable, exitCode);
        Assert.Contains("an ECR image is read with AWS credentials: no AWS credentials were found", error, StringComparison.Ordinal);
        Assert.Empty(ecr.Calls);
    }
}
