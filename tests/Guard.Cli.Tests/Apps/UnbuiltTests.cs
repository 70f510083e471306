using System.Text.Json;
using Guard.Cli.Tests.Support;
using Guard.Testing;

namespace Guard.Cli.Tests.Apps;

/// <summary>
/// <c>--unbuilt fail|warn|ok</c>: a SAM project's template before <c>sam build</c> (CodeUri at the Go source,
/// Metadata.BuildMethod, no <c>.aws-sam/build</c>) fails CI by default, but need not fail every commit.
/// </summary>
public sealed class UnbuiltTests : IDisposable
{
    private readonly Scratch _scratch = new();

    public void Dispose() => _scratch.Dispose();

    /// <summary>OrdersFunction is built by sam build and has not been; ReportsFunction's CodeUri is a built folder.</summary>
    private string WriteProject(byte[]? reportsBootstrap = null)
    {
        _scratch.Write("project/functions/orders/main.go", "package main\n\nfunc main() {}\n");
        _scratch.Write("project/functions/orders/Makefile", "build-OrdersFunction:\n\tGOOS=linux go build -o $(ARTIFACTS_DIR)/bootstrap .\n");
        _scratch.Write("project/dist/reports/bootstrap", reportsBootstrap ?? TestApps.Arm64, Scratch.Executable);
        return _scratch.Write("project/template.yaml", """
            AWSTemplateFormatVersion: "2010-09-09"
            Transform: AWS::Serverless-2016-10-31
            Globals:
              Function:
                Runtime: provided.al2023
                Handler: bootstrap
                Architectures: [arm64]
            Resources:
              OrdersFunction:
                Type: AWS::Serverless::Function
                Metadata:
                  BuildMethod: makefile
                Properties:
                  CodeUri: functions/orders/
              ReportsFunction:
                Type: AWS::Serverless::Function
                Properties:
                  CodeUri: dist/reports/
            """);
    }

    private static JsonElement Orders(string json)
    {
        using var document = JsonDocument.Parse(json);
        return document.RootElement.GetProperty("functions").EnumerateArray().Single(f => f.GetProperty("logicalId").GetString() == "OrdersFunction").Clone();
    }

    [Fact]
    public async Task Check_AnUnbuiltFunctionByDefault_IsNotCheckedAndExitsTwo()
    {
        var (exitCode, output, _) = await FolderPackageTests.RunAsync("check", WriteProject(), "--format", "json");

        Assert.Equal(ExitCodes.UsageOrUnavailable, exitCode);
        Assert.Equal("unchecked", Orders(output).GetProperty("verdict").GetString());
    }

    [Fact]
    public async Task Check_AnUnbuiltFunctionWithUnbuiltWarn_IsASkippedWarningAndExitsZero()
    {
        var (exitCode, output, _) = await FolderPackageTests.RunAsync("check", WriteProject(), "--unbuilt", "warn", "--format", "json");

        Assert.True(exitCode == ExitCodes.Ok, output);
        var orders = Orders(output);
        Assert.Equal("skipped", orders.GetProperty("verdict").GetString());
        var finding = Assert.Single(orders.GetProperty("findings").EnumerateArray(), f => f.GetProperty("code").GetString() == "FUNCTION_NOT_CHECKED");
        Assert.Equal("warning", finding.GetProperty("severity").GetString());
        Assert.False(finding.GetProperty("suppressed").GetBoolean());
        Assert.Contains("run sam build", finding.GetProperty("hint").GetString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Check_AnUnbuiltFunctionWithUnbuiltOk_IsSkippedWithTheWarningSuppressed()
    {
        var (exitCode, output, _) = await FolderPackageTests.RunAsync("check", WriteProject(), "--unbuilt", "ok", "--format", "json");

        Assert.Equal(ExitCodes.Ok, exitCode);
        var finding = Assert.Single(Orders(output).GetProperty("findings").EnumerateArray(), f => f.GetProperty("code").GetString() == "FUNCTION_NOT_CHECKED");
        Assert.Equal("--unbuilt ok", finding.GetProperty("suppressedBy").GetString());
    }

    [Fact]
    public async Task Check_WithUnbuiltWarn_StillFailsOnABuiltPackageThatCannotStart()
    {
        var (exitCode, output, _) = await FolderPackageTests.RunAsync("check", WriteProject(reportsBootstrap: TestApps.X8664), "--unbuilt", "warn");

        Assert.Equal(ExitCodes.Broken, exitCode);
        Assert.Contains("BOOTSTRAP_WRONG_ARCH", output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Check_WithAnUnknownUnbuiltValue_IsAUsageError()
    {
        var (exitCode, _, error) = await FolderPackageTests.RunAsync("check", WriteProject(), "--unbuilt", "maybe");

        Assert.Equal(ExitCodes.UsageOrUnavailable, exitCode);
        Assert.Contains("maybe", error, StringComparison.Ordinal);
    }
}
