using System.Text.Json;
using Guard.Cli.Tests.Support;

namespace Guard.Cli.Tests.Apps;

/// <summary><c>guard check cdk.out/</c> and <c>guard check .serverless/</c>: the app a tool synthesized, checked from the packages it staged locally.</summary>
public sealed class AppFolderCheckTests : IDisposable
{
    private readonly Scratch _scratch = new();

    public void Dispose() => _scratch.Dispose();

    private static Dictionary<string, JsonElement> ByLogicalId(JsonDocument json) =>
        json.RootElement.GetProperty("functions").EnumerateArray().ToDictionary(f => f.GetProperty("logicalId").GetString()!, f => f.Clone());

    private static string? Verdict(JsonElement function) => function.GetProperty("verdict").GetString();

    private static string? Code(JsonElement function) => function.GetProperty("findings")[0].GetProperty("code").GetString();

    [Fact]
    public async Task Check_OnACdkCloudAssembly_ChecksEachFunctionFromItsLocalAsset()
    {
        var cdkOut = AppFolders.WriteCdkOut(_scratch);

        var (exitCode, output, _) = await FolderPackageTests.RunAsync("check", cdkOut, "--format", "json");

        Assert.Equal(ExitCodes.Broken, exitCode);
        using var json = JsonDocument.Parse(output);
        var functions = ByLogicalId(json);
        Assert.Equal(5, functions.Count);
        Assert.Equal("ok", Verdict(functions["OrdersFunction1A2B3C4D"]));
        Assert.Equal(_scratch.PathOf($"cdk.out/{AppFolders.OrdersAsset}"), functions["OrdersFunction1A2B3C4D"].GetProperty("codePath").GetString());
        Assert.Equal(_scratch.PathOf("cdk.out/OrdersStack.template.json"), functions["OrdersFunction1A2B3C4D"].GetProperty("templateFile").GetString());
        Assert.Equal("ok", Verdict(functions["BillingFunction5E6F7A8B"]));
        Assert.Equal(_scratch.PathOf($"cdk.out/{AppFolders.BillingAsset}"), functions["BillingFunction5E6F7A8B"].GetProperty("codePath").GetString());
        Assert.Equal("broken", Verdict(functions["LedgerFunction9C0D1E2F"]));
        Assert.Equal("BOOTSTRAP_NOT_EXECUTABLE", Code(functions["LedgerFunction9C0D1E2F"]));
        Assert.Equal("skipped", Verdict(functions["ReportsFunction3A4B5C6D"]));
        Assert.Contains("python3.12 is a managed runtime", functions["ReportsFunction3A4B5C6D"].GetProperty("reason").GetString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Check_WhenACdkAssetIsMissing_ReportsThatFunctionNotCheckedByPathAndResource()
    {
        var cdkOut = AppFolders.WriteCdkOut(_scratch);

        var (_, output, _) = await FolderPackageTests.RunAsync("check", cdkOut, "--format", "json");

        using var json = JsonDocument.Parse(output);
        var export = ByLogicalId(json)["ExportFunction7E8F9A0B"];
        Assert.Equal("unchecked", Verdict(export));
        var reason = export.GetProperty("reason").GetString();
        Assert.Contains(AppFolders.ExportAsset, reason, StringComparison.Ordinal);
        Assert.Contains("ExportFunction7E8F9A0B", reason, StringComparison.Ordinal);
        Assert.Contains("does not exist", reason, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Check_OnACdkAssemblyWithEveryAssetPresentAndGood_ExitsZero()
    {
        var cdkOut = AppFolders.WriteCdkOut(_scratch);
        _scratch.Write($"cdk.out/{AppFolders.LedgerAsset}/bootstrap", TestApps.Arm64, Scratch.Executable);
        _scratch.Write($"cdk.out/{AppFolders.ExportAsset}/bootstrap", TestApps.X8664, Scratch.Executable);

        var (exitCode, output, error) = await FolderPackageTests.RunAsync("check", cdkOut);

        Assert.Equal(ExitCodes.Ok, exitCode);
        Assert.Empty(error);
        Assert.EndsWith("5 functions: 4 ok, 1 skipped; exit 0\n", output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Check_OnAServerlessFolder_ChecksEachFunctionFromTheZipItsS3KeyNames()
    {
        var serverless = AppFolders.WriteServerless(_scratch);

        var (exitCode, output, _) = await FolderPackageTests.RunAsync("check", serverless, "--format", "json");

        Assert.Equal(ExitCodes.Broken, exitCode);
        using var json = JsonDocument.Parse(output);
        var functions = ByLogicalId(json);
        Assert.Equal(3, functions.Count);
        Assert.Equal("ok", Verdict(functions["ApiLambdaFunction"]));
        Assert.Equal(_scratch.PathOf(".serverless/api.zip"), functions["ApiLambdaFunction"].GetProperty("codePath").GetString());
        Assert.Equal("broken", Verdict(functions["WorkerLambdaFunction"]));
        Assert.Equal("BOOTSTRAP_NOT_EXECUTABLE", Code(functions["WorkerLambdaFunction"]));
    }

    [Fact]
    public async Task Check_WhenAServerlessZipIsMissing_ReportsThatFunctionNotCheckedNamingTheZip()
    {
        var serverless = AppFolders.WriteServerless(_scratch);
        _scratch.Write(".serverless/worker.zip", new Guard.Testing.PackageBuilder().AddFile("bootstrap", TestApps.Arm64, Guard.Testing.PackageBuilder.ExecutableMode).ToArray());

        var (exitCode, output, _) = await FolderPackageTests.RunAsync("check", serverless, "--format", "json");

        Assert.Equal(ExitCodes.UsageOrUnavailable, exitCode);
        using var json = JsonDocument.Parse(output);
        var cleanup = ByLogicalId(json)["CleanupLambdaFunction"];
        Assert.Equal("unchecked", Verdict(cleanup));
        Assert.Contains("cleanup.zip", cleanup.GetProperty("reason").GetString(), StringComparison.Ordinal);
        Assert.Contains("CleanupLambdaFunction", cleanup.GetProperty("reason").GetString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Check_OnAServerlessServicePackagedAsOne_ChecksEveryFunctionFromTheServiceZip()
    {
        var keyed = AppFolders.ServerlessTemplate.Replace("/api.zip", "/svc.zip", StringComparison.Ordinal)
            .Replace("/worker.zip", "/svc.zip", StringComparison.Ordinal).Replace("/cleanup.zip", "/svc.zip", StringComparison.Ordinal);
        _scratch.Write("one/.serverless/cloudformation-template-update-stack.json", keyed);
        _scratch.Write("one/.serverless/svc.zip", new Guard.Testing.PackageBuilder().AddFile("bootstrap", TestApps.Arm64, Guard.Testing.PackageBuilder.ExecutableMode).ToArray());

        var (exitCode, output, _) = await FolderPackageTests.RunAsync("check", _scratch.PathOf("one/.serverless"), "--format", "json");

        Assert.Equal(ExitCodes.Ok, exitCode);
        using var json = JsonDocument.Parse(output);
        var functions = ByLogicalId(json);
        Assert.Equal(3, functions.Count);
        Assert.All(functions.Values, f => Assert.Equal(_scratch.PathOf("one/.serverless/svc.zip"), f.GetProperty("codePath").GetString()));
        Assert.All(functions.Values, f => Assert.Equal("ok", Verdict(f)));
    }

    [Fact]
    public async Task Check_OnACdkAssemblyWithRuntimeFlag_RefusesTheFlag()
    {
        var cdkOut = AppFolders.WriteCdkOut(_scratch);

        var (exitCode, _, error) = await FolderPackageTests.RunAsync("check", cdkOut, "--runtime", "provided.al2");

        Assert.Equal(ExitCodes.UsageOrUnavailable, exitCode);
        Assert.Contains("the template sets it for each function", error, StringComparison.Ordinal);
    }
}
