using System.Text.Json;
using Guard.Cli;
using Guard.Cli.Tests.Support;
using Guard.Testing;

namespace Guard.Cli.Tests;

public class CheckCommandTests
{
    private static string Sample(string name) => Path.Combine(AppContext.BaseDirectory, "samples", name);

    private static async Task<(int ExitCode, string Output, string Error)> RunAsync(params string[] args)
    {
        var output = new StringWriter();
        var error = new StringWriter();
        var exitCode = await GuardCommandLine.RunAsync(args, output, error, TestContext.Current.CancellationToken);
        ReportSchemaGate.AssertReportMatches(args, output.ToString());
        return (exitCode, output.ToString(), error.ToString());
    }

    [Fact]
    public async Task Check_WhenPackageIsGood_PrintsOkAndExitsZero()
    {
        var (exitCode, output, _) = await RunAsync("check", Sample("function.zip"));

        Assert.Equal(ExitCodes.Ok, exitCode);
        Assert.StartsWith("OK", output, StringComparison.Ordinal);
        Assert.Contains("ELF x86_64", output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Check_WhenArchitectureDiffers_ReportsWrongArchWithFixAndExitsOne()
    {
        var (exitCode, output, _) = await RunAsync("check", Sample("function.zip"), "--architecture", "arm64");

        Assert.Equal(ExitCodes.Broken, exitCode);
        Assert.StartsWith("BROKEN", output, StringComparison.Ordinal);
        Assert.Contains("BOOTSTRAP_WRONG_ARCH", output, StringComparison.Ordinal);
        Assert.Contains("fix:", output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Check_WithJsonFormat_WritesTheDesignReport()
    {
        var (exitCode, output, _) = await RunAsync("check", Sample("made-on-windows.zip"), "--format", "json");

        Assert.Equal(ExitCodes.Broken, exitCode);
        using var json = JsonDocument.Parse(output);
        var root = json.RootElement;
        Assert.Equal(1, root.GetProperty("schemaVersion").GetInt32());
        Assert.Equal("broken", root.GetProperty("verdict").GetString());
        Assert.Equal("provided.al2023", root.GetProperty("runtime").GetString());
        Assert.Equal("x86_64", root.GetProperty("architecture").GetString());
        Assert.Equal("bootstrap", root.GetProperty("bootstrap").GetProperty("path").GetString());
        Assert.Equal(JsonValueKind.Null, root.GetProperty("bootstrap").GetProperty("mode").ValueKind);
        var finding = root.GetProperty("findings")[0];
        Assert.Equal("BOOTSTRAP_NOT_EXECUTABLE", finding.GetProperty("code").GetString());
        Assert.Equal("error", finding.GetProperty("severity").GetString());
        Assert.True(root.GetProperty("stats").GetProperty("requests").GetInt32() >= 1);
    }

    [Fact]
    public async Task Check_WithSarifFormat_WritesSarif210WithOneResultPerFinding()
    {
        var (exitCode, output, _) = await RunAsync("check", Sample("zipped-folder.zip"), "--format", "sarif");

        Assert.Equal(ExitCodes.Broken, exitCode);
        using var json = JsonDocument.Parse(output);
        Assert.Equal("2.1.0", json.RootElement.GetProperty("version").GetString());
        var run = json.RootElement.GetProperty("runs")[0];
        Assert.Equal("guard", run.GetProperty("tool").GetProperty("driver").GetProperty("name").GetString());
        var result = Assert.Single(run.GetProperty("results").EnumerateArray());
        Assert.Equal("BOOTSTRAP_NESTED", result.GetProperty("ruleId").GetString());
        Assert.Equal("error", result.GetProperty("level").GetString());
        var ruleIndex = result.GetProperty("ruleIndex").GetInt32();
        Assert.Equal("BOOTSTRAP_NESTED", run.GetProperty("tool").GetProperty("driver").GetProperty("rules")[ruleIndex].GetProperty("id").GetString());
    }

    [Fact]
    public async Task Check_WhenGo1xBinaryIsNamedAfterHandler_HintsTheRename()
    {
        var (exitCode, output, _) = await RunAsync("check", Sample("go1x-main.zip"), "--handler", "main");

        Assert.Equal(ExitCodes.Broken, exitCode);
        Assert.Contains("BOOTSTRAP_MISSING", output, StringComparison.Ordinal);
        Assert.Contains("rename main to bootstrap", output, StringComparison.Ordinal);
        Assert.Contains("HANDLER_IGNORED", output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Check_WhenFileDoesNotExist_ExitsTwoWithOneLine()
    {
        var (exitCode, output, error) = await RunAsync("check", "/nonexistent/function.zip");

        Assert.Equal(ExitCodes.UsageOrUnavailable, exitCode);
        Assert.Empty(output);
        Assert.Equal("guard: /nonexistent/function.zip: no such file", error.Trim());
    }

    [Theory]
    [InlineData("check")]
    [InlineData("check", "x.zip", "--runtime", "python3.99")]
    [InlineData("check", "x.zip", "--architecture", "sparc")]
    [InlineData("check", "x.zip", "--format", "xml")]
    public async Task Check_WhenArgumentsAreWrong_ExitsTwo(params string[] args)
    {
        var (exitCode, _, error) = await RunAsync(args);

        Assert.Equal(ExitCodes.UsageOrUnavailable, exitCode);
        Assert.StartsWith("guard: ", error, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Check_WhenDigestIsListedAsPlaceholder_ExitsThree()
    {
        var path = Sample("function.zip");
        var digest = Convert.ToBase64String(System.Security.Cryptography.SHA256.HashData(await File.ReadAllBytesAsync(path, TestContext.Current.CancellationToken)));

        var (exitCode, output, _) = await RunAsync("check", path, "--placeholder-sha256", "AAAA," + digest);

        Assert.Equal(ExitCodes.Placeholder, exitCode);
        Assert.StartsWith("PLACEHOLDER", output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Help_DescribesCheckAndItsOptions()
    {
        var (exitCode, output, _) = await RunAsync("check", "--help");

        Assert.Equal(0, exitCode);
        foreach (var option in new[] { "--runtime", "--architecture", "--layer", "--format", "--placeholder-sha256" })
        {
            Assert.Contains(option, output, StringComparison.Ordinal);
        }
    }

    [Fact]
    public async Task Check_OnPython312_WhenALayersExtensionIsAarch64_ReportsExtensionWrongArchAndNoBootstrapFinding()
    {
        var scratch = Directory.CreateTempSubdirectory("guard-managed-");
        try
        {
            var package = Path.Combine(scratch.FullName, "pkg.zip");
            var layer = Path.Combine(scratch.FullName, "layer.zip");
            await File.WriteAllBytesAsync(
                package, new PackageBuilder().AddFile("lambda_function.py", "def handler(event, context):\n    return event\n").ToArray(), TestContext.Current.CancellationToken);
            var extension = await CCompiler.CompileAsync(CCompiler.Aarch64, cancellationToken: TestContext.Current.CancellationToken);
            await File.WriteAllBytesAsync(
                layer, new PackageBuilder().AddFile("extensions/ext", extension, PackageBuilder.ExecutableMode).ToArray(), TestContext.Current.CancellationToken);

            var (exitCode, output, error) = await RunAsync("check", package, "--runtime", "python3.12", "--layer", layer);
            var (goodExit, goodOutput, _) = await RunAsync("check", package, "--runtime", "python3.12");

            Assert.True(exitCode == ExitCodes.Broken, output + error);
            Assert.StartsWith("BROKEN", output, StringComparison.Ordinal);
            Assert.Contains("EXTENSION_WRONG_ARCH", output, StringComparison.Ordinal);
            Assert.Contains("/opt/extensions/ext is an aarch64 executable", output, StringComparison.Ordinal);
            Assert.DoesNotContain("BOOTSTRAP_", output, StringComparison.Ordinal);
            Assert.True(goodExit == ExitCodes.Ok, goodOutput);
            Assert.StartsWith("OK", goodOutput, StringComparison.Ordinal);
        }
        finally
        {
            scratch.Delete(recursive: true);
        }
    }
}
