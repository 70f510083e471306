using System.Text.Json;
using Guard.Aws.Http;
using Guard.Aws.Lambda;
using Guard.Cli.Commands;
using Guard.Cli.Scanning;
using Guard.Testing;

namespace Guard.Cli.Tests.Scanning;

/// <summary>A moto_server account seeded once with 34 functions across the verdicts (and a second region with two good ones).</summary>
public sealed class SeededAccount : IAsyncLifetime
{
    public const string QuietRegion = "eu-west-1";
    public const string DeletedMidScan = "deleted-mid-scan";

    /// <summary>Function name → the verdict and first finding code the scan must report.</summary>
    public Dictionary<string, (string Verdict, string? Code)> Expected { get; } = new(StringComparer.Ordinal);

    internal ScanMotoAccount Account { get; private set; } = null!;

    public async ValueTask InitializeAsync()
    {
        var ct = CancellationToken.None;
        Account = await ScanMotoAccount.StartAsync(ct);
        var x86 = ElfBuilder.Static(ElfBuilder.X8664, go: true);
        var arm = ElfBuilder.Static(ElfBuilder.Aarch64, go: true);

        for (var i = 0; i < 10; i++)
        {
            await Add($"good-x86-{i:00}", Zip(("bootstrap", x86, PackageBuilder.ExecutableMode)), "provided.al2023", "x86_64", ("ok", null));
        }

        for (var i = 0; i < 3; i++)
        {
            await Add($"good-arm-{i:00}", Zip(("bootstrap", arm, PackageBuilder.ExecutableMode)), "provided.al2023", "arm64", ("ok", null));
            await Add($"wrong-arch-{i:00}", Zip(("bootstrap", x86, PackageBuilder.ExecutableMode)), "provided.al2023", "arm64", ("broken", "BOOTSTRAP_WRONG_ARCH"));
            await Add($"no-exec-{i:00}", Zip(("bootstrap", x86, PackageBuilder.RegularFileMode)), "provided.al2023", "x86_64", ("broken", "BOOTSTRAP_NOT_EXECUTABLE"));
            await Add($"go1x-{i:00}", Zip(("main", x86, PackageBuilder.ExecutableMode)), "go1.x", "x86_64", ("ok", "RUNTIME_DEPRECATED"), handler: "main");
        }

        for (var i = 0; i < 2; i++)
        {
            await Add($"nested-{i:00}", Zip(("dist/bootstrap", x86, PackageBuilder.ExecutableMode)), "provided.al2023", "x86_64", ("broken", "BOOTSTRAP_NESTED"));
            // Image functions are checked like zips: an amd64 image on x86_64, an arm64 one on arm64.
            await Account.CreateImageFunctionAsync($"image-{i:00}", ImageBuilder.GoFunction(i == 0 ? "amd64" : "arm64").Build(), i == 0 ? "x86_64" : "arm64", ct);
            Expected[$"image-{i:00}"] = ("ok", null);
            await Add($"python-{i:00}", Zip(("app.py", "print('hi')"u8.ToArray(), PackageBuilder.RegularFileMode)), "python3.12", "x86_64", ("skipped", null), handler: "app.handler");
        }

        await Add("go1x-handler-missing", Zip(("bootstrap", x86, PackageBuilder.ExecutableMode)), "go1.x", "x86_64", ("broken", "BOOTSTRAP_MISSING"), handler: "main");
        await Add("provided-al2-go", Zip(("bootstrap", x86, PackageBuilder.ExecutableMode)), "provided.al2", "x86_64", ("ok", "RUNTIME_DEPRECATED"));

        var layer = await Account.PublishLayerAsync("runtime-layer", Zip(("bootstrap", x86, PackageBuilder.ExecutableMode)), ct);
        await Add("bootstrap-in-layer", Zip(("handler.sh", "echo\n"u8.ToArray(), PackageBuilder.RegularFileMode)), "provided.al2023", "x86_64", ("ok", null), layers: [layer]);
        var armLayer = await Account.PublishLayerAsync("x86-layer", Zip(("bootstrap", x86, PackageBuilder.ExecutableMode)), ct);
        await Add("layer-wrong-arch", Zip(("handler.sh", "echo\n"u8.ToArray(), PackageBuilder.RegularFileMode)), "provided.al2023", "arm64", ("broken", "BOOTSTRAP_WRONG_ARCH"), layers: [armLayer]);

        // A managed runtime is judged by its layers' extensions (real gcc builds), its own code never read.
        var pythonCode = Zip(("app.py", "def handler(event, context):\n    return event\n"u8.ToArray(), PackageBuilder.RegularFileMode));
        var armExtension = await Account.PublishLayerAsync(
            "arm-extension", Zip(("extensions/agent", await CCompiler.CompileAsync(CCompiler.Aarch64, cancellationToken: ct), PackageBuilder.ExecutableMode)), ct);
        await Add("python-arm-extension", pythonCode, "python3.12", "x86_64", ("broken", "EXTENSION_WRONG_ARCH"), handler: "app.handler", layers: [armExtension]);
        var x86Extension = await Account.PublishLayerAsync(
            "x86-extension", Zip(("extensions/agent", await CCompiler.CompileAsync(CCompiler.X8664, cancellationToken: ct), PackageBuilder.ExecutableMode)), ct);
        await Add("python-x86-extension", pythonCode, "python3.12", "x86_64", ("ok", null), handler: "app.handler", layers: [x86Extension]);

        for (var i = 0; i < 2; i++)
        {
            await Account.CreateZipFunctionAsync($"quiet-{i}", Zip(("bootstrap", x86, PackageBuilder.ExecutableMode)), "provided.al2023", region: QuietRegion, cancellationToken: ct);
        }
    }

    public async ValueTask DisposeAsync() => await Account.DisposeAsync();

    private async Task Add(
        string name, byte[] zip, string runtime, string architecture, (string Verdict, string? Code) expected, string handler = "bootstrap", IReadOnlyList<string>? layers = null)
    {
        await Account.CreateZipFunctionAsync(name, zip, runtime, architecture, handler, layers, cancellationToken: CancellationToken.None);
        Expected[name] = expected;
    }

    internal static byte[] Zip(params (string Name, byte[] Content, int Mode)[] files)
    {
        var builder = new PackageBuilder();
        foreach (var (name, content, mode) in files)
        {
            builder.AddFile(name, content, mode);
        }

        return builder.ToArray();
    }
}

public sealed class ScanCommandTests(SeededAccount seeded) : IClassFixture<SeededAccount>
{
    private static CancellationToken Token => TestContext.Current.CancellationToken;

    private async Task<(int ExitCode, string Output, string Error)> ScanAsync(ScanSettings settings, Func<ILambdaApi, ILambdaApi>? wrap = null)
    {
        using var connection = seeded.Account.Connection(wrap);
        var output = new StringWriter();
        var error = new StringWriter();
        var exit = await ScanCommand.RunAsync(settings, connection, output, error, isTerminal: false, Token);
        return (exit, output.ToString(), error.ToString());
    }

    /// <summary>Deletes <see cref="SeededAccount.DeletedMidScan"/> after it was listed, just before its GetFunction.</summary>
    private Func<ILambdaApi, ILambdaApi> DeleteMidScan() => lambda =>
    {
        var standIn = (LambdaStandIn)lambda;
        standIn.BeforeGetFunction = async (name, ct) =>
        {
            if (name.EndsWith(":" + SeededAccount.DeletedMidScan, StringComparison.Ordinal))
            {
                await seeded.Account.DeleteFunctionAsync(SeededAccount.DeletedMidScan, ct);
            }
        };
        return standIn;
    };

    [Fact]
    public async Task Scan_SeededAccount_ReportsEveryFunctionWithItsVerdictAndExitsOne()
    {
        // Created here and gone when the scan reaches it, so the fixture's account stays the same for the other tests.
        await seeded.Account.CreateZipFunctionAsync(
            SeededAccount.DeletedMidScan, SeededAccount.Zip(("bootstrap", ElfBuilder.Static(ElfBuilder.X8664), PackageBuilder.ExecutableMode)), "provided.al2023", cancellationToken: Token);
        var expected = new Dictionary<string, (string Verdict, string? Code)>(seeded.Expected) { [SeededAccount.DeletedMidScan] = ("skipped", null) };

        var (exit, output, error) = await ScanAsync(new ScanSettings([], "json", 4), DeleteMidScan());

        Assert.True(exit == ExitCodes.Broken, error);
        using var json = JsonDocument.Parse(output);
        var functions = json.RootElement.GetProperty("functions").EnumerateArray().ToDictionary(f => f.GetProperty("functionName").GetString()!);
        Assert.Equal(expected.Keys.Order(StringComparer.Ordinal), functions.Keys.Order(StringComparer.Ordinal));
        foreach (var (name, (verdict, code)) in expected)
        {
            var function = functions[name];
            Assert.True(verdict == function.GetProperty("verdict").GetString(), $"{name}: {function}");
            if (code is not null)
            {
                var first = function.GetProperty("report").GetProperty("findings")[0].GetProperty("code").GetString();
                Assert.True(code == first, $"{name}: expected {code}, got {first}");
            }
        }

        Assert.Equal("deleted during the scan", functions[SeededAccount.DeletedMidScan].GetProperty("reason").GetString());
        Assert.Equal("image", functions["image-00"].GetProperty("report").GetProperty("runtime").GetString());
        Assert.Contains(".dkr.ecr.us-east-1.amazonaws.com/image-00@sha256:", functions["image-00"].GetProperty("report").GetProperty("source").GetString(), StringComparison.Ordinal);
        Assert.Equal("managed runtime python3.12 without layers: Lambda supplies the bootstrap and no layer brings an extension", functions["python-00"].GetProperty("reason").GetString());
        Assert.DoesNotContain("BOOTSTRAP_", functions["python-arm-extension"].GetProperty("report").ToString(), StringComparison.Ordinal);
        Assert.Equal("2023-12-31", functions["go1x-00"].GetProperty("runtimeDeprecated").GetString());
        Assert.StartsWith("arn:aws:lambda:us-east-1:", functions["no-exec-00"].GetProperty("report").GetProperty("source").GetString(), StringComparison.Ordinal);
        var summary = json.RootElement.GetProperty("summary");
        Assert.Equal(11, summary.GetProperty("broken").GetInt32());
        Assert.Equal(0, summary.GetProperty("unchecked").GetInt32());
        Assert.Equal("", error);
    }

    [Fact]
    public async Task Scan_TextFormat_PrintsTableWithFixesAndTotals()
    {
        var (exit, output, _) = await ScanAsync(new ScanSettings([], "text", 8));

        Assert.Equal(ExitCodes.Broken, exit);
        var lines = output.Split('\n');
        Assert.Matches(@"^FUNCTION\s+RUNTIME\s+ARCH\s+TOOLCHAIN\s+VERDICT\s+FIRST FINDING\s+DEPRECATED$", lines[0]);
        Assert.Contains(lines, l => l.StartsWith("wrong-arch-00 ", StringComparison.Ordinal) && l.Contains("BROKEN", StringComparison.Ordinal) && l.Contains("BOOTSTRAP_WRONG_ARCH", StringComparison.Ordinal));
        Assert.Contains(lines, l => l.StartsWith("go1x-00 ", StringComparison.Ordinal) && l.Contains("go1.x", StringComparison.Ordinal) && l.TrimEnd().EndsWith("2023-12-31", StringComparison.Ordinal));
        Assert.Contains(lines, l => l.StartsWith("image-01 ", StringComparison.Ordinal) && l.Contains("(image)", StringComparison.Ordinal) && l.Contains("OK", StringComparison.Ordinal));
        Assert.Contains("   fix: rebuild with GOOS=linux GOARCH=arm64", output, StringComparison.Ordinal);
        Assert.Contains("34 functions in us-east-1: 21 ok, 11 broken, 0 placeholder, 2 skipped, 0 unchecked", output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Scan_SarifFormat_HasOneResultPerFindingOfCheckedFunctions()
    {
        var (exit, output, _) = await ScanAsync(new ScanSettings([], "sarif", 4));

        Assert.Equal(ExitCodes.Broken, exit);
        using var json = JsonDocument.Parse(output);
        var results = json.RootElement.GetProperty("runs")[0].GetProperty("results").EnumerateArray().ToList();
        Assert.Equal(11, results.Count(r => r.GetProperty("level").GetString() == "error"));
    }

    [Fact]
    public async Task Scan_WithOutput_WritesTheReportToTheFileAndNothingToStandardOutput()
    {
        var folder = Directory.CreateTempSubdirectory("guard-scan-output-");
        try
        {
            var file = new FileInfo(Path.Combine(folder.FullName, "scan.sarif"));

            var (exit, output, _) = await ScanAsync(new ScanSettings([], "sarif", 4) { OutputFile = file });

            Assert.Equal(ExitCodes.Broken, exit);
            Assert.Equal("", output);
            using var json = JsonDocument.Parse(File.ReadAllText(file.FullName));
            Assert.Equal(11, json.RootElement.GetProperty("runs")[0].GetProperty("results").EnumerateArray().Count(r => r.GetProperty("level").GetString() == "error"));
        }
        finally
        {
            folder.Delete(recursive: true);
        }
    }

    [Fact]
    public async Task Scan_RegionWithOnlyGoodFunctions_ExitsZero()
    {
        var (exit, output, error) = await ScanAsync(new ScanSettings([SeededAccount.QuietRegion], "text", 4));

        Assert.True(exit == ExitCodes.Ok, output + error);
        Assert.Contains("2 functions in eu-west-1: 2 ok, 0 broken", output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Scan_SeveralRegions_AddsRegionColumn()
    {
        var (exit, output, _) = await ScanAsync(new ScanSettings([SeededAccount.QuietRegion, MotoServer.Region], "text", 4));

        Assert.Equal(ExitCodes.Broken, exit);
        Assert.Matches(@"^REGION\s+FUNCTION", output);
        Assert.Contains("36 functions in eu-west-1, us-east-1", output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Scan_ReferenceFunctionWhoseVersionWasDeleted_BrokenWithPackageSourceMissing()
    {
        // A Region of its own, so the seeded account the other tests count stays as it is.
        const string region = "ap-southeast-2";
        var zip = SeededAccount.Zip(("bootstrap", ElfBuilder.Static(ElfBuilder.X8664, go: true), PackageBuilder.ExecutableMode));
        await seeded.Account.CreateZipFunctionAsync("reference-gone", zip, "provided.al2023", region: region, cancellationToken: Token);
        var bucket = $"ref-scan-{Guid.NewGuid():N}"[..40];
        await seeded.Account.S3.PutBucketAsync(bucket, Token);
        await seeded.Account.S3.PutBucketVersioningAsync(
            new Amazon.S3.Model.PutBucketVersioningRequest { BucketName = bucket, VersioningConfig = new Amazon.S3.Model.S3BucketVersioningConfig { Status = Amazon.S3.VersionStatus.Enabled } }, Token);
        var version = (await seeded.Account.S3.PutObjectAsync(new Amazon.S3.Model.PutObjectRequest { BucketName = bucket, Key = "fn.zip", InputStream = new MemoryStream(zip) }, Token)).VersionId;
        await seeded.Account.S3.DeleteObjectAsync(new Amazon.S3.Model.DeleteObjectRequest { BucketName = bucket, Key = "fn.zip", VersionId = version }, Token);
        Func<ILambdaApi, ILambdaApi> reference = lambda =>
        {
            var standIn = (LambdaStandIn)lambda;
            standIn.AnswerGetFunction = details => details with { CodeLocation = null, CodeObject = new Guard.Aws.PackageLocation.S3Object(bucket, "fn.zip", version) };
            return standIn;
        };

        var (exit, output, error) = await ScanAsync(new ScanSettings([region], "json", 4), reference);

        Assert.True(exit == ExitCodes.Broken, output + error);
        using var json = JsonDocument.Parse(output);
        var function = Assert.Single(json.RootElement.GetProperty("functions").EnumerateArray());
        Assert.Equal("broken", function.GetProperty("verdict").GetString());
        Assert.Equal("PACKAGE_SOURCE_MISSING", function.GetProperty("report").GetProperty("findings")[0].GetProperty("code").GetString());
    }

    [Fact]
    public async Task Scan_WhenListFunctionsIsDenied_ExitsTwoWithOneLine()
    {
        var (exit, output, error) = await ScanAsync(new ScanSettings([], "text", 4), _ => new DeniedLambda());

        Assert.Equal(ExitCodes.UsageOrUnavailable, exit);
        Assert.Equal("", output);
        Assert.StartsWith("guard: cannot list functions: lambda:ListFunctions failed: AccessDeniedException", error, StringComparison.Ordinal);
        Assert.Single(error.TrimEnd().Split('\n'));
    }

    [Fact]
    public async Task Scan_CommandLine_RejectsConcurrencyOutOfRange()
    {
        var output = new StringWriter();
        var error = new StringWriter();

        var exit = await GuardCommandLine.RunAsync(["scan", "--concurrency", "0"], output, error, Token);

        Assert.Equal(ExitCodes.UsageOrUnavailable, exit);
        Assert.Contains("--concurrency must be between 1 and 32", error.ToString(), StringComparison.Ordinal);
    }

    private sealed class DeniedLambda : ILambdaApi
    {
        public async IAsyncEnumerable<FunctionConfiguration> ListFunctionsAsync([System.Runtime.CompilerServices.EnumeratorCancellation] CancellationToken cancellationToken)
        {
            await Task.Yield();
            throw new AwsServiceException("AccessDeniedException", 403, "not authorized to perform lambda:ListFunctions", "lambda:ListFunctions", null, null);
#pragma warning disable CS0162 // An iterator needs a yield to be one.
            yield break;
#pragma warning restore CS0162
        }

        public Task<FunctionDetails> GetFunctionAsync(string functionNameOrArn, CancellationToken cancellationToken) => throw new NotSupportedException();
        public Task<LayerVersionContent> GetLayerVersionByArnAsync(string layerVersionArn, CancellationToken cancellationToken) => throw new NotSupportedException();
        public Task<FunctionConfiguration> UpdateFunctionCodeAsync(string functionName, FunctionCodeUpdate update, CancellationToken cancellationToken) => throw new NotSupportedException();
        public Task<FunctionConfiguration> UpdateFunctionConfigurationAsync(string functionName, FunctionConfigurationUpdate update, CancellationToken cancellationToken) => throw new NotSupportedException();
        public Task<int> PutFunctionConcurrencyAsync(string functionName, int reservedConcurrentExecutions, CancellationToken cancellationToken) => throw new NotSupportedException();
        public Task TagResourceAsync(string functionArn, IReadOnlyDictionary<string, string> tags, CancellationToken cancellationToken) => throw new NotSupportedException();
    }
}
