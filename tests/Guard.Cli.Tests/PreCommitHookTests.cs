using System.Text.RegularExpressions;
using Guard.Cli.Tests.Support;
using Guard.Testing;
using YamlDotNet.RepresentationModel;

namespace Guard.Cli.Tests;

/// <summary>
/// The repository's <c>.pre-commit-hooks.yaml</c>: the <c>guard-check</c> hook picks the files pre-commit would hand
/// it, and its <c>entry</c>, run with them the way pre-commit runs it (entry, then the file names), exits with
/// guard's code.
/// </summary>
public sealed class PreCommitHookTests : IDisposable
{
    private readonly Scratch _repository = new();

    public void Dispose() => _repository.Dispose();

    private static YamlMappingNode Hook()
    {
        var yaml = new YamlStream();
        using var reader = new StreamReader(Path.Combine(Checkout.Root, ".pre-commit-hooks.yaml"));
        yaml.Load(reader);
        var hooks = ((YamlSequenceNode)yaml.Documents[0].RootNode).Children.Cast<YamlMappingNode>();
        return Assert.Single(hooks, h => ((YamlScalarNode)h["id"]).Value == "guard-check");
    }

    private static string Value(YamlMappingNode hook, string key) => ((YamlScalarNode)hook[key]).Value!;

    [Fact]
    public void Hook_IsASystemCommandThatTakesTheFileNames()
    {
        var hook = Hook();

        Assert.Equal("guard check --unbuilt warn", Value(hook, "entry"));
        Assert.Equal("system", Value(hook, "language"));
        Assert.Equal("true", Value(hook, "pass_filenames"));
    }

    [Theory]
    [InlineData("dist/function.zip", true)]
    [InlineData("template.yaml", true)]
    [InlineData("infra/template.yml", true)]
    [InlineData("src/main.go", false)]
    [InlineData("function.zip.md", false)]
    [InlineData("samconfig.toml", false)]
    public void Hook_Files_MatchesPackagesAndTemplatesOnly(string staged, bool handed)
    {
        // pre-commit matches `files` with Python's re.search; this pattern reads the same in .NET.
        var files = new Regex(Value(Hook(), "files"));

        Assert.Equal(handed, files.IsMatch(staged));
    }

    [Theory]
    [InlineData(ExitCodes.Ok, "function.zip")]
    [InlineData(ExitCodes.Broken, "function.zip", "made-on-windows.zip")]
    [InlineData(ExitCodes.Ok, "template.yaml")]
    [InlineData(ExitCodes.Broken, "template.yaml", "zipped-folder.zip")]
    public async Task Hook_Entry_WithTheStagedFiles_ExitsWithGuardsCode(int expected, params string[] staged)
    {
        var entry = Value(Hook(), "entry").Split(' ', StringSplitOptions.RemoveEmptyEntries);
        Assert.Equal("guard", entry[0]);

        // The built guard.dll stands in for the `guard` on the PATH, as in every other process test.
        var run = await GuardProcess.RunAsync([.. entry.Skip(1), .. staged.Select(Stage)]);

        Assert.True(run.ExitCode == expected, $"exit {run.ExitCode}, expected {expected}:\n{run.Output}\n{run.Error}");
    }

    [Fact]
    public async Task Hook_Entry_OnAnUnbuiltSamProjectsTemplate_PassesTheCommitWithAWarning()
    {
        // A Go function sam build has not built: CodeUri is its source, and there is no .aws-sam/build yet.
        _repository.Write("functions/orders/main.go", "package main\n\nfunc main() {}\n");
        var template = _repository.Write("template.yaml", """
            AWSTemplateFormatVersion: "2010-09-09"
            Transform: AWS::Serverless-2016-10-31
            Resources:
              OrdersFunction:
                Type: AWS::Serverless::Function
                Metadata:
                  BuildMethod: go1.x
                Properties:
                  CodeUri: functions/orders
                  Handler: bootstrap
                  Runtime: provided.al2023
            """);
        var entry = Value(Hook(), "entry").Split(' ', StringSplitOptions.RemoveEmptyEntries);

        var run = await GuardProcess.RunAsync([.. entry.Skip(1), template]);

        Assert.True(run.ExitCode == ExitCodes.Ok, $"exit {run.ExitCode}:\n{run.Output}\n{run.Error}");
        Assert.Contains("run sam build", run.Output, StringComparison.Ordinal);
    }

    private string Stage(string name)
    {
        if (name != "template.yaml")
        {
            return Path.Combine(AppContext.BaseDirectory, "samples", name);
        }

        _repository.Write("functions/orders/bootstrap", ElfBuilder.Static(ElfBuilder.X8664), Scratch.Executable);
        return _repository.Write("template.yaml", """
            AWSTemplateFormatVersion: "2010-09-09"
            Transform: AWS::Serverless-2016-10-31
            Resources:
              OrdersFunction:
                Type: AWS::Serverless::Function
                Properties:
                  CodeUri: functions/orders
                  Handler: bootstrap
                  Runtime: provided.al2023
            """);
    }
}
