using System.Text.Json;
using Guard.Cli.Tests.Support;
using Guard.Testing;

namespace Guard.Cli.Tests.Apps;

/// <summary>What CI linters have: --fail-on, --ignore, and per-function suppression in the template.</summary>
public sealed class SuppressionTests : IDisposable
{
    private readonly Scratch _scratch = new();

    public void Dispose() => _scratch.Dispose();

    private static Task<(int ExitCode, string Output, string Error)> RunAsync(params string[] args) => FolderPackageTests.RunAsync(args);

    private static string Sample(string name) => Path.Combine(AppContext.BaseDirectory, "samples", name);

    [Fact]
    public async Task FailOn_ByDefault_AWarningOnlyPackageExitsZero()
    {
        var (exitCode, output, _) = await RunAsync("check", Sample("function.zip"), "--runtime", "provided.al2", "--ignore", "RUNTIME_DEPLOY_BLOCKED");

        Assert.Equal(ExitCodes.Ok, exitCode);
        Assert.Contains("RUNTIME_DEPRECATED", output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task FailOn_Warning_AWarningOnlyPackageExitsOne()
    {
        var (exitCode, output, _) = await RunAsync("check", Sample("function.zip"), "--runtime", "provided.al2", "--fail-on", "warning", "--ignore", "RUNTIME_DEPLOY_BLOCKED");

        Assert.Equal(ExitCodes.Broken, exitCode);
        Assert.StartsWith("OK", output, StringComparison.Ordinal);
        Assert.Contains("--fail-on warning: a warning that is not suppressed fails the check (exit 1)", output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task FailOn_Warning_InfoFindingsDoNotFail()
    {
        var (exitCode, output, _) = await RunAsync("check", Sample("function.zip"), "--handler", "main", "--fail-on", "warning");

        Assert.Equal(ExitCodes.Ok, exitCode);
        Assert.Contains("HANDLER_IGNORED", output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Ignore_AnError_IsShownSuppressedAndTheVerdictIsOk()
    {
        var (exitCode, output, _) = await RunAsync("check", Sample("made-on-windows.zip"), "--ignore", "BOOTSTRAP_NOT_EXECUTABLE");

        Assert.Equal(ExitCodes.Ok, exitCode);
        Assert.StartsWith("OK", output, StringComparison.Ordinal);
        Assert.Contains("suppressed BOOTSTRAP_NOT_EXECUTABLE (--ignore; error, not counted)", output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Ignore_InJsonV1_MarksTheFindingSuppressed()
    {
        var (exitCode, output, _) = await RunAsync("check", Sample("made-on-windows.zip"), "--ignore", "BOOTSTRAP_NOT_EXECUTABLE", "--format", "json");

        Assert.Equal(ExitCodes.Ok, exitCode);
        using var json = JsonDocument.Parse(output);
        Assert.Equal(1, json.RootElement.GetProperty("schemaVersion").GetInt32());
        Assert.Equal("ok", json.RootElement.GetProperty("verdict").GetString());
        var finding = Assert.Single(json.RootElement.GetProperty("findings").EnumerateArray());
        Assert.True(finding.GetProperty("suppressed").GetBoolean());
    }

    [Fact]
    public async Task Ignore_WithoutSuppressions_LeavesTheV1DocumentAsItWas()
    {
        var (_, output, _) = await RunAsync("check", Sample("made-on-windows.zip"), "--format", "json");

        Assert.DoesNotContain("suppressed", output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Ignore_InSarif_KeepsTheResultWithAnExternalSuppression()
    {
        var (_, output, _) = await RunAsync("check", Sample("made-on-windows.zip"), "--ignore", "BOOTSTRAP_NOT_EXECUTABLE", "--format", "sarif");

        using var json = JsonDocument.Parse(output);
        var result = Assert.Single(json.RootElement.GetProperty("runs")[0].GetProperty("results").EnumerateArray());
        Assert.Equal("BOOTSTRAP_NOT_EXECUTABLE", result.GetProperty("ruleId").GetString());
        Assert.Equal("external", result.GetProperty("suppressions")[0].GetProperty("kind").GetString());
    }

    [Fact]
    public async Task Ignore_AnUnknownCode_IsAUsageError()
    {
        var (exitCode, _, error) = await RunAsync("check", Sample("function.zip"), "--ignore", "BOOTSTRAP_MISING");

        Assert.Equal(ExitCodes.UsageOrUnavailable, exitCode);
        Assert.Contains("--ignore BOOTSTRAP_MISING: not a finding code (see docs/findings.md", error, StringComparison.Ordinal);
        Assert.True(File.Exists(Path.Combine(Checkout.Root, "docs", "findings.md")), "the usage error points to docs/findings.md, which must exist");
    }

    [Fact]
    public async Task TemplateMetadata_SuppressesForThatFunctionOnly()
    {
        var template = TestApps.WriteLegacy(_scratch);

        var (exitCode, output, _) = await RunAsync("check", template, "--parameter-overrides", "RuntimeVersion=provided.al2", "--fail-on", "warning", "--format", "json", "--ignore", "RUNTIME_DEPLOY_BLOCKED");

        Assert.Equal(ExitCodes.Broken, exitCode);
        using var json = JsonDocument.Parse(output);
        var functions = json.RootElement.GetProperty("functions").EnumerateArray().ToDictionary(f => f.GetProperty("logicalId").GetString()!, f => f.Clone());
        // provided.al2's deploys are blocked (an error, ignored here): what is under test is the deprecation warning.
        var legacy = Assert.Single(functions["LegacyFunction"].GetProperty("findings").EnumerateArray(), f => f.GetProperty("code").GetString() == "RUNTIME_DEPRECATED");
        Assert.True(legacy.GetProperty("suppressed").GetBoolean());
        Assert.Equal("Metadata.guard.ignore of LegacyFunction", legacy.GetProperty("suppressedBy").GetString());
        var current = Assert.Single(functions["CurrentFunction"].GetProperty("findings").EnumerateArray(), f => !f.GetProperty("suppressed").GetBoolean());
        Assert.Equal("RUNTIME_DEPRECATED", current.GetProperty("code").GetString());
        Assert.False(current.GetProperty("suppressed").GetBoolean());
    }

    [Fact]
    public async Task TemplateMetadata_WhenEveryWarningIsSuppressed_FailOnWarningPasses()
    {
        var template = TestApps.WriteLegacy(_scratch);

        var (exitCode, output, _) = await RunAsync("check", template, "--parameter-overrides", "RuntimeVersion=provided.al2", "--fail-on", "warning", "--ignore", "RUNTIME_DEPRECATED", "--ignore", "RUNTIME_DEPLOY_BLOCKED");

        Assert.Equal(ExitCodes.Ok, exitCode);
        Assert.Contains("suppressed RUNTIME_DEPRECATED (Metadata.guard.ignore of LegacyFunction", output, StringComparison.Ordinal);
        Assert.Contains("suppressed RUNTIME_DEPRECATED (--ignore", output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task TemplateMetadata_InSarif_IsAnInSourceSuppression()
    {
        var template = TestApps.WriteLegacy(_scratch);

        var (_, output, _) = await RunAsync("check", template, "--parameter-overrides", "RuntimeVersion=provided.al2", "--format", "sarif", "--ignore", "RUNTIME_DEPLOY_BLOCKED");

        using var json = JsonDocument.Parse(output);
        var results = json.RootElement.GetProperty("runs")[0].GetProperty("results").EnumerateArray().ToArray();
        results = [.. results.Where(r => r.GetProperty("ruleId").GetString() == "RUNTIME_DEPRECATED")];
        var legacy = Assert.Single(results, r => r.GetProperty("message").GetProperty("text").GetString()!.StartsWith("LegacyFunction: ", StringComparison.Ordinal));
        Assert.Equal("inSource", legacy.GetProperty("suppressions")[0].GetProperty("kind").GetString());
        var current = Assert.Single(results, r => r.GetProperty("message").GetProperty("text").GetString()!.StartsWith("CurrentFunction: ", StringComparison.Ordinal));
        Assert.False(current.TryGetProperty("suppressions", out _));
    }

    [Fact]
    public async Task Ignore_FunctionNotChecked_CountsThatFunctionAsSkipped()
    {
        var template = TestApps.WriteGetAtt(_scratch);

        var (exitCode, output, _) = await RunAsync("check", template, "--ignore", "FUNCTION_NOT_CHECKED");

        Assert.Equal(ExitCodes.Ok, exitCode);
        Assert.Contains("SKIPPED", output, StringComparison.Ordinal);
        Assert.Contains("suppressed FUNCTION_NOT_CHECKED (--ignore)", output, StringComparison.Ordinal);
    }
}
