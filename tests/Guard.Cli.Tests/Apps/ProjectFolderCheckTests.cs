using System.Text.Json;
using Guard.Cli.Tests.Support;
using Guard.Testing;

namespace Guard.Cli.Tests.Apps;

/// <summary>
/// <c>guard check serverless.yml</c>, <c>guard check cdk.json</c>, <c>guard check .</c> in a project: what the tool
/// built is checked, or Guard says what to run; the source folder is never judged as a package.
/// </summary>
public sealed class ProjectFolderCheckTests : IDisposable
{
    private readonly Scratch _scratch = new();

    public void Dispose() => _scratch.Dispose();

    private static string ToolApp(string name) => PrebuiltFixtures.Require(Path.Combine("apps", name));

    private static string[] TemplateFiles(string output)
    {
        using var json = JsonDocument.Parse(output);
        return [.. json.RootElement.GetProperty("functions").EnumerateArray().Select(f => f.GetProperty("templateFile").GetString()!).Distinct()];
    }

    /// <summary>A Go service's sources, as a project holds them before any build: no bootstrap anywhere.</summary>
    private string GoSources(string project)
    {
        _scratch.Write($"{project}/main.go", "package main\n\nfunc main() {}\n");
        _scratch.Write($"{project}/go.mod", "module example.com/orders\n\ngo 1.22\n");
        return _scratch.PathOf(project);
    }

    [Fact]
    public async Task Check_OnServerlessYml_ChecksThePackageFolderServerlessPackageWroteBesideIt()
    {
        var service = ToolApp("serverless");

        var (exitCode, output, error) = await FolderPackageTests.RunAsync("check", Path.Combine(service, "serverless.yml"), "--format", "json");

        Assert.True(exitCode == ExitCodes.Broken, $"exit {exitCode}: {error}");
        Assert.Equal([Path.Combine(service, ".serverless", "cloudformation-template-update-stack.json")], TemplateFiles(output));
    }

    [Fact]
    public async Task Check_OnCdkJson_ChecksTheCloudAssemblyCdkSynthWrote()
    {
        var app = ToolApp("cdk");

        var (exitCode, output, error) = await FolderPackageTests.RunAsync("check", Path.Combine(app, "cdk.json"), "--format", "json");

        Assert.True(exitCode == ExitCodes.Broken, $"exit {exitCode}: {error}");
        Assert.Contains(Path.Combine(app, "cdk.out", "GuardToolsStack.template.json"), TemplateFiles(output));
    }

    [Theory]
    [InlineData("cdk", "cdk.out")]
    [InlineData("serverless", ".serverless")]
    public async Task Check_OnAProjectFolder_ChecksItsBuildOutputInsteadOfTheFolder(string app, string outputFolder)
    {
        var project = ToolApp(app);

        var (exitCode, output, error) = await FolderPackageTests.RunAsync("check", project, "--format", "json");

        Assert.True(exitCode == ExitCodes.Broken, $"exit {exitCode}: {error}");
        Assert.All(TemplateFiles(output), file => Assert.StartsWith(Path.Combine(project, outputFolder) + Path.DirectorySeparatorChar, file, StringComparison.Ordinal));
    }

    [Fact]
    public async Task Check_OnAServerlessProjectNotYetPackaged_SaysToRunServerlessPackageAndJudgesNothing()
    {
        var project = GoSources("orders");
        _scratch.Write("orders/serverless.yml", "service: orders\nprovider:\n  name: aws\n  runtime: provided.al2023\n");

        var (exitCode, output, error) = await FolderPackageTests.RunAsync("check", project);

        // As a package the folder would be BROKEN (no bootstrap): a false alarm about sources no one deploys.
        Assert.Equal(ExitCodes.UsageOrUnavailable, exitCode);
        Assert.Empty(output);
        Assert.Equal($"guard: {project}/serverless.yml: {project}/.serverless is not there: run serverless package, then guard check {project}/.serverless", error.Trim());
    }

    [Fact]
    public async Task Check_OnServerlessYmlNewerThanItsPackageFolder_SaysToPackageAgain()
    {
        _scratch.Write("svc/.serverless/cloudformation-template-update-stack.json", AppFolders.ServerlessTemplate);
        var serviceFile = _scratch.Write("svc/serverless.yml", "service: svc\n");
        File.SetLastWriteTimeUtc(_scratch.PathOf("svc/.serverless/cloudformation-template-update-stack.json"), DateTime.UtcNow.AddHours(-1));

        var (exitCode, _, error) = await FolderPackageTests.RunAsync("check", serviceFile);

        Assert.Equal(ExitCodes.UsageOrUnavailable, exitCode);
        Assert.Contains($"{_scratch.PathOf("svc/.serverless")} is older than {serviceFile}: run serverless package again", error, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Check_OnACdkProjectWhoseCdkJsonNamesAnOutputFolder_LooksThere()
    {
        var project = GoSources("app");
        _scratch.Write("app/cdk.json", """{ "app": "go run .", "output": "build/assembly" }""");

        var (exitCode, _, error) = await FolderPackageTests.RunAsync("check", project);

        Assert.Equal(ExitCodes.UsageOrUnavailable, exitCode);
        Assert.Contains($"run cdk synth, then guard check {project}/build/assembly", error, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Check_OnASamProjectFolder_ChecksTheTemplateSamBuildWrote()
    {
        var project = GoSources("sam-app");
        _scratch.Write("sam-app/template.yaml", "Transform: AWS::Serverless-2016-10-31\nResources:\n  Orders:\n    Type: AWS::Serverless::Function\n    Properties: { CodeUri: ., Runtime: provided.al2023, Handler: bootstrap }\n    Metadata: { BuildMethod: go1.x }\n");
        _scratch.Write("sam-app/.aws-sam/build/template.yaml", "Resources:\n  Orders:\n    Type: AWS::Serverless::Function\n    Properties: { CodeUri: Orders, Runtime: provided.al2023, Handler: bootstrap }\n");
        _scratch.Write("sam-app/.aws-sam/build/Orders/bootstrap", TestApps.X8664, Scratch.Executable);

        var (exitCode, output, error) = await FolderPackageTests.RunAsync("check", project, "--format", "json");

        Assert.True(exitCode == ExitCodes.Ok, $"exit {exitCode}: {error}");
        Assert.Equal([$"{project}/.aws-sam/build/template.yaml"], TemplateFiles(output));
    }

    [Fact]
    public async Task Check_OnASamProjectFolderNotYetBuilt_SaysToRunSamBuild()
    {
        var project = GoSources("sam-app");
        _scratch.Write("sam-app/template.yaml", "Resources: {}\n");

        var (exitCode, output, error) = await FolderPackageTests.RunAsync("check", project);

        Assert.Equal(ExitCodes.UsageOrUnavailable, exitCode);
        Assert.Empty(output);
        Assert.Contains($"run sam build, then guard check {project}/.aws-sam/build/template.yaml", error, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Check_OnPulumiYaml_SaysPulumiIsNotRead()
    {
        GoSources("infra");
        var pulumi = _scratch.Write("infra/Pulumi.yaml", "name: orders\nruntime: go\n");

        var (exitCode, _, error) = await FolderPackageTests.RunAsync("check", pulumi);

        Assert.Equal(ExitCodes.UsageOrUnavailable, exitCode);
        Assert.Contains("Pulumi programs are not read", error, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Check_OnAPackageFolderThatHoldsATemplateToo_JudgesItAsThePackage()
    {
        // Lambda's /var/task is this folder: a bootstrap at its root makes it the package, whatever lies beside it.
        _scratch.Write("dist/bootstrap", TestApps.X8664, Scratch.Executable);
        _scratch.Write("dist/template.yaml", "Resources: {}\n");

        var (exitCode, output, error) = await FolderPackageTests.RunAsync("check", _scratch.PathOf("dist"));

        Assert.True(exitCode == ExitCodes.Ok, $"exit {exitCode}: {error}");
        Assert.Contains("OK", output, StringComparison.Ordinal);
    }
}
