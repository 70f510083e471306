using System.Text.Json;
using Guard.Cli.Tests.Support;
using Guard.Testing;

namespace Guard.Cli.Tests.Apps;

/// <summary>
/// <c>guard check</c> on what the real tools wrote: <c>cdk synth</c> (aws-cdk CLI and aws-cdk-lib, cloud assembly
/// schema 55+) and <c>serverless package</c> (Framework v3) of the apps in <c>ToolApps/</c>, built by
/// build/tool-apps.sh before the tests run. Every function there runs on x86_64; the broken ones get an arm64 bootstrap.
/// </summary>
public sealed class ToolOutputCheckTests : IDisposable
{
    private readonly Scratch _scratch = new();

    public void Dispose() => _scratch.Dispose();

    private static string CdkOut => PrebuiltFixtures.Require(Path.Combine("apps", "cdk", "cdk.out"));

    private static string ServerlessService => PrebuiltFixtures.Require(Path.Combine("apps", "serverless"));

    private static async Task<(int ExitCode, Dictionary<string, JsonElement> Functions, string Error)> CheckAsync(string folder)
    {
        var (exitCode, output, error) = await FolderPackageTests.RunAsync("check", folder, "--format", "json");
        Assert.False(string.IsNullOrEmpty(output), $"exit {exitCode}, no report: {error}");
        using var json = JsonDocument.Parse(output);
        var functions = json.RootElement.GetProperty("functions").EnumerateArray()
            .ToDictionary(f => f.GetProperty("logicalId").GetString()!, f => f.Clone());
        return (exitCode, functions, error);
    }

    private static string? Verdict(JsonElement function) => function.GetProperty("verdict").GetString();

    private static string[] Codes(JsonElement function) =>
        [.. function.GetProperty("findings").EnumerateArray().Select(f => f.GetProperty("code").GetString()!)];

    private static string Describe(JsonElement function) => function.GetRawText();

    [Fact]
    public void CdkSynth_WritesAManifestOfSchema55OrLaterWithTheStacksMetadataInItsOwnFile()
    {
        using var manifest = JsonDocument.Parse(File.ReadAllText(Path.Combine(CdkOut, "manifest.json")));

        var version = Version.Parse(manifest.RootElement.GetProperty("version").GetString()!);
        var stack = manifest.RootElement.GetProperty("artifacts").GetProperty("GuardToolsStack");

        // What Guard reads has to hold for today's CDK: a schema far past the 38 its first imitations had, and the
        // construct metadata moved out of manifest.json into the file the stack names.
        Assert.True(version.Major >= 55, $"cloud assembly schema {version}");
        Assert.False(stack.TryGetProperty("metadata", out _));
        Assert.True(File.Exists(Path.Combine(CdkOut, stack.GetProperty("additionalMetadataFile").GetString()!)));
    }

    [Fact]
    public async Task Check_OnCdkSynthOutput_JudgesEachFunctionFromItsAssetInTheAssembly()
    {
        var (exitCode, functions, error) = await CheckAsync(CdkOut);

        Assert.True(exitCode == ExitCodes.Broken, $"exit {exitCode}: {error}");
        Assert.Equal(["FromLayerB3148E4A", "FromWrongArchLayerE21B20B1", "OrdersA9B65338", "StagedWrongArch93930A10", "WrongArchD80D1BAD"], functions.Keys.Order(StringComparer.Ordinal));
        Assert.True(Verdict(functions["OrdersA9B65338"]) == "ok", Describe(functions["OrdersA9B65338"]));
        Assert.StartsWith(Path.Combine(CdkOut, "asset."), functions["OrdersA9B65338"].GetProperty("codePath").GetString(), StringComparison.Ordinal);
        Assert.Equal("broken", Verdict(functions["WrongArchD80D1BAD"]));
        Assert.Contains("BOOTSTRAP_WRONG_ARCH", Codes(functions["WrongArchD80D1BAD"]));
    }

    [Fact]
    public async Task Check_OnCdkSynthOutput_ReadsAStagesNestedAssembly()
    {
        var (_, functions, _) = await CheckAsync(CdkOut);

        var staged = functions["StagedWrongArch93930A10"];
        Assert.EndsWith(Path.Combine("assembly-Prod", "ProdStagedStackE7460677.template.json"), staged.GetProperty("templateFile").GetString(), StringComparison.Ordinal);
        Assert.Equal("broken", Verdict(staged));
        Assert.Contains("BOOTSTRAP_WRONG_ARCH", Codes(staged));
    }

    [Fact]
    public async Task Check_OnCdkSynthOutput_ReadsTheBootstrapOfALayerVersionFromItsContentAsset()
    {
        var (_, functions, _) = await CheckAsync(CdkOut);

        // Both functions' own asset holds no bootstrap: the layer's /opt/bootstrap starts them, or cannot.
        var good = functions["FromLayerB3148E4A"];
        Assert.True(Verdict(good) == "ok", Describe(good));
        var broken = functions["FromWrongArchLayerE21B20B1"];
        Assert.True(Verdict(broken) == "broken", Describe(broken));
        Assert.Contains("BOOTSTRAP_WRONG_ARCH", Codes(broken));
        Assert.Contains("/opt/bootstrap", broken.GetProperty("findings")[0].GetProperty("message").GetString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Check_OnServerlessPackageOutput_ReadsEachPackageArtifactFromTheServiceFolder()
    {
        var (exitCode, functions, error) = await CheckAsync(Path.Combine(ServerlessService, ".serverless"));

        Assert.True(exitCode == ExitCodes.Broken, $"exit {exitCode}: {error}");
        Assert.Equal(4, functions.Count);
        // The service-wide package.artifact (dist/service.zip), never copied into .serverless/.
        var api = functions["ApiLambdaFunction"];
        Assert.True(Verdict(api) == "ok", Describe(api));
        Assert.Equal(Path.Combine(ServerlessService, "dist", "service.zip"), api.GetProperty("codePath").GetString());
        // The function's own package.artifact.
        var worker = functions["WorkerLambdaFunction"];
        Assert.True(Verdict(worker) == "broken", Describe(worker));
        Assert.Equal(Path.Combine(ServerlessService, "dist", "wrong-arch.zip"), worker.GetProperty("codePath").GetString());
        Assert.Contains("BOOTSTRAP_WRONG_ARCH", Codes(worker));
    }

    [Fact]
    public async Task Check_OnServerlessPackageOutput_ReadsTheBootstrapOfALayerFromTheZipItsS3KeyNames()
    {
        var (_, functions, _) = await CheckAsync(Path.Combine(ServerlessService, ".serverless"));

        var good = functions["FromLayerLambdaFunction"];
        Assert.True(Verdict(good) == "ok", Describe(good));
        var broken = functions["FromWrongArchLayerLambdaFunction"];
        Assert.True(Verdict(broken) == "broken", Describe(broken));
        Assert.Contains("BOOTSTRAP_WRONG_ARCH", Codes(broken));
        Assert.Contains("/opt/bootstrap", broken.GetProperty("findings")[0].GetProperty("message").GetString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Check_OnAServerlessFolderMovedAwayFromItsService_SaysWhichPackageArtifactIsMissingAndKeepsTheZipsItHolds()
    {
        // A CI job that kept .serverless/ as an artifact, and of the zips beside serverless.yml only one.
        var moved = _scratch.Folder("ci-artifact/.serverless");
        foreach (var file in Directory.EnumerateFiles(Path.Combine(ServerlessService, ".serverless")))
        {
            File.Copy(file, Path.Combine(moved, Path.GetFileName(file)));
        }

        _scratch.Write("ci-artifact/dist/handler-only.zip", File.ReadAllBytes(Path.Combine(ServerlessService, "dist", "handler-only.zip")));

        var (exitCode, functions, _) = await CheckAsync(moved);

        Assert.Equal(ExitCodes.Broken, exitCode);
        var worker = functions["WorkerLambdaFunction"];
        Assert.Equal("unchecked", Verdict(worker));
        var reason = worker.GetProperty("reason").GetString()!;
        Assert.Contains("package.artifact dist/wrong-arch.zip of WorkerLambdaFunction (serverless-state.json) does not exist", reason, StringComparison.Ordinal);
        Assert.Contains(_scratch.PathOf("ci-artifact/dist/wrong-arch.zip"), reason, StringComparison.Ordinal);
        // The state names the layers' zips where serverless package built them; they moved with the folder.
        Assert.Equal("ok", Verdict(functions["FromLayerLambdaFunction"]));
        Assert.Equal("broken", Verdict(functions["FromWrongArchLayerLambdaFunction"]));
    }
}
