using System.Text.Json;
using Guard.Cli.Tests.Support;
using Guard.Testing;
using YamlDotNet.RepresentationModel;

namespace Guard.Cli.Tests;

/// <summary>
/// The repository's <c>action.yml</c>: its check step runs <c>.github/actions/guard-check.sh</c> with every input,
/// and that step, run here as a runner would run it (the env it declares, a HOME of its own, a folder feed),
/// installs Guard, writes the SARIF log for the upload step and ends with guard's exit code.
/// </summary>
public sealed class GitHubActionTests : IDisposable
{
    private const string Script = ".github/actions/guard-check.sh";

    private readonly Scratch _runner = new();

    public void Dispose() => _runner.Dispose();

    private static YamlMappingNode Action()
    {
        var yaml = new YamlStream();
        using var reader = new StreamReader(Path.Combine(Checkout.Root, "action.yml"));
        yaml.Load(reader);
        return (YamlMappingNode)yaml.Documents[0].RootNode;
    }

    private static IReadOnlyList<YamlMappingNode> Steps(YamlMappingNode action) =>
        [.. ((YamlSequenceNode)((YamlMappingNode)action["runs"])["steps"]).Children.Cast<YamlMappingNode>()];

    private static string? Scalar(YamlMappingNode node, string key) =>
        node.Children.TryGetValue(key, out var value) ? ((YamlScalarNode)value).Value : null;

    private static YamlMappingNode CheckStep(YamlMappingNode action) =>
        Assert.Single(Steps(action), s => Scalar(s, "run")?.Contains(Script, StringComparison.Ordinal) == true);

    [Fact]
    public void ActionYml_CheckStep_PassesEveryDeclaredInputToTheScript()
    {
        var action = Action();
        Assert.Equal("composite", Scalar((YamlMappingNode)action["runs"], "using"));
        var inputs = ((YamlMappingNode)action["inputs"]).Children.Keys.Select(k => ((YamlScalarNode)k).Value!).ToArray();
        Assert.Superset(new HashSet<string> { "path", "args", "version", "fail-on", "sarif" }, inputs.ToHashSet());

        var step = CheckStep(action);
        Assert.Equal("bash", Scalar(step, "shell"));
        var env = ((YamlMappingNode)step["env"]).Children.ToDictionary(e => ((YamlScalarNode)e.Key).Value!, e => ((YamlScalarNode)e.Value).Value);
        foreach (var input in inputs)
        {
            var name = "INPUT_" + input.ToUpperInvariant().Replace('-', '_');
            Assert.True(env.TryGetValue(name, out var value), $"the check step does not pass input {input} as {name}");
            Assert.Equal($"${{{{ inputs.{input} }}}}", value);
        }

        Assert.True(File.Exists(Path.Combine(Checkout.Root, Script)), Script + " is missing");
        if (!OperatingSystem.IsWindows())
        {
            Assert.True(File.GetUnixFileMode(Path.Combine(Checkout.Root, Script)).HasFlag(UnixFileMode.UserExecute), Script + " is not executable");
        }
    }

    [Fact]
    public void ActionYml_UploadStep_UploadsTheSarifFileEvenWhenTheCheckFailed()
    {
        var steps = Steps(Action());
        var upload = Assert.Single(steps, s => Scalar(s, "uses") == "github/codeql-action/upload-sarif@v3");

        Assert.True(steps.ToList().IndexOf(upload) > steps.ToList().IndexOf(CheckStep(Action())), "the upload must come after the check");
        Assert.Contains("always()", Scalar(upload, "if"), StringComparison.Ordinal);
        Assert.Contains("inputs.sarif == 'true'", Scalar(upload, "if"), StringComparison.Ordinal);
        Assert.Equal("${{ inputs.sarif-file }}", Scalar((YamlMappingNode)upload["with"], "sarif_file"));
    }

    [Fact]
    [Trait("Category", "Slow")]
    public async Task CheckStep_OnAGoodThenABrokenPackage_WritesSarifAndExitsWithGuardsCode()
    {
        var feed = await ToolFeed.FolderAsync();
        _runner.Write("workspace/dist/function.zip", await File.ReadAllBytesAsync(Path.Combine(AppContext.BaseDirectory, "samples", "function.zip"), TestContext.Current.CancellationToken));

        var good = await RunCheckStepAsync(new() { ["path"] = "dist/function.zip", ["version"] = ToolFeed.Version, ["source"] = feed });
        AssertSarif(good, ExitCodes.Ok, expectedRule: null);

        // The same runner again (a second use in one job): Guard is installed already; the log goes to a folder not made yet.
        var broken = await RunCheckStepAsync(new() { ["path"] = "dist/function.zip", ["args"] = "--architecture arm64", ["version"] = ToolFeed.Version, ["source"] = feed, ["sarif-file"] = "reports/guard.sarif" });
        AssertSarif(broken, ExitCodes.Broken, expectedRule: "BOOTSTRAP_WRONG_ARCH");
        Assert.Contains("BROKEN", broken.Run.Log, StringComparison.Ordinal);
    }

    private static void AssertSarif((ProcessRun Run, string Sarif, string GitHubOutput) step, int expectedExit, string? expectedRule)
    {
        Assert.True(step.Run.ExitCode == expectedExit, $"exit {step.Run.ExitCode}, expected {expectedExit}:\n{step.Run.Log}");
        Assert.True(File.Exists(step.Sarif), $"no SARIF at {step.Sarif}:\n{step.Run.Log}");
        using var log = JsonDocument.Parse(File.ReadAllText(step.Sarif));
        Assert.Equal("2.1.0", log.RootElement.GetProperty("version").GetString());
        var ruleIds = log.RootElement.GetProperty("runs")[0].GetProperty("results").EnumerateArray().Select(r => r.GetProperty("ruleId").GetString()).ToArray();
        if (expectedRule is null)
        {
            Assert.Empty(ruleIds);
        }
        else
        {
            Assert.Contains(expectedRule, ruleIds);
        }

        Assert.Contains($"exit-code={expectedExit}", File.ReadAllLines(step.GitHubOutput));
    }

    /// <summary>
    /// Runs the check step's <c>run</c> with the <c>env</c> action.yml declares, each <c>${{ inputs.X }}</c> replaced by
    /// the given value or the input's default, as the runner expands them.
    /// </summary>
    private async Task<(ProcessRun Run, string Sarif, string GitHubOutput)> RunCheckStepAsync(Dictionary<string, string> given)
    {
        var action = Action();
        var defaults = ((YamlMappingNode)action["inputs"]).Children.ToDictionary(
            i => ((YamlScalarNode)i.Key).Value!,
            i => Scalar((YamlMappingNode)i.Value, "default") ?? "");
        var step = CheckStep(action);

        var home = _runner.Folder("home");
        // One per step, as on a runner: each run's outputs are its own.
        var githubOutput = _runner.Write($"github-output-{Guid.NewGuid():N}", "");
        // Only the folder feed: a Guard.Cli of the same version elsewhere must not be what gets installed.
        _runner.Write("home/.nuget/NuGet/NuGet.Config", """
            <?xml version="1.0" encoding="utf-8"?>
            <configuration><packageSources><clear /></packageSources></configuration>
            """);
        var environment = new Dictionary<string, string>
        {
            ["HOME"] = home,
            ["DOTNET_CLI_HOME"] = home,
            ["NUGET_PACKAGES"] = Path.Combine(home, "packages"),
            ["GITHUB_ACTION_PATH"] = Checkout.Root,
            ["GITHUB_OUTPUT"] = githubOutput,
        };
        foreach (var (name, value) in ((YamlMappingNode)step["env"]).Children)
        {
            var expression = ((YamlScalarNode)value).Value!;
            var input = expression.Replace("${{ inputs.", "", StringComparison.Ordinal).Replace(" }}", "", StringComparison.Ordinal);
            environment[((YamlScalarNode)name).Value!] = given.TryGetValue(input, out var v) ? v : defaults[input];
        }

        // A log left by an earlier step must not stand in for this one's.
        var sarif = Path.Combine(_runner.PathOf("workspace"), environment["INPUT_SARIF_FILE"]);
        if (File.Exists(sarif))
        {
            File.Delete(sarif);
        }
        var run = await ToolFeed.RunAsync("bash", ["-c", Scalar(step, "run")!], TimeSpan.FromMinutes(5), environment, TestContext.Current.CancellationToken, _runner.PathOf("workspace"));
        return (run, sarif, githubOutput);
    }
}
