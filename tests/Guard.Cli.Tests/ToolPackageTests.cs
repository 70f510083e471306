using Guard.Cli.Tests.Support;
using Guard.Testing;

namespace Guard.Cli.Tests;

/// <summary>
/// <c>dotnet pack</c> makes Guard a .NET tool: installed from a local folder feed (and nothing else) into a
/// temporary --tool-path, the <c>guard</c> it puts there runs a real check.
/// </summary>
[Trait("Category", "Slow")]
public sealed class ToolPackageTests : IDisposable
{
    private static readonly string Root = Checkout.ScratchDirectory("guard-cli-tool");

    private readonly DirectoryInfo _tools = Directory.CreateTempSubdirectory("guard-tool-path-");

    public void Dispose() => _tools.Delete(recursive: true);

    [Fact]
    public async Task Pack_ThenToolInstallFromAFolderFeed_PutsAGuardThatChecksPackages()
    {
        // The feed the GitHub Action's test installs from too: packed once per run, never racing this project's build.
        var feed = await ToolFeed.FolderAsync();
        Directory.CreateDirectory(Root);

        var config = Path.Combine(Root, "nuget.config");
        await File.WriteAllTextAsync(
            config,
            $"""
            <?xml version="1.0" encoding="utf-8"?>
            <configuration>
              <packageSources>
                <clear />
                <add key="guard-local" value="{feed}" />
              </packageSources>
            </configuration>
            """,
            TestContext.Current.CancellationToken);
        // A packages folder of its own: the global one may hold a 0.1.0 packed from older code.
        var packages = Path.Combine(Root, "packages");
        if (Directory.Exists(packages))
        {
            Directory.Delete(packages, recursive: true);
        }

        var install = await RunAsync(
            "dotnet",
            ["tool", "install", ToolFeed.PackageId, "--tool-path", _tools.FullName, "--configfile", config, "--version", ToolFeed.Version],
            TimeSpan.FromMinutes(3),
            new Dictionary<string, string> { ["NUGET_PACKAGES"] = packages });
        Assert.True(install.ExitCode == 0, $"dotnet tool install exited {install.ExitCode}:\n{install.Log}");

        var guard = Path.Combine(_tools.FullName, OperatingSystem.IsWindows() ? "guard.exe" : "guard");
        var sample = Path.Combine(AppContext.BaseDirectory, "samples", "function.zip");
        var ok = await RunAsync(guard, ["check", sample], TimeSpan.FromMinutes(1));
        var broken = await RunAsync(guard, ["check", sample, "--architecture", "arm64"], TimeSpan.FromMinutes(1));

        Assert.True(ok.ExitCode == ExitCodes.Ok, ok.Log);
        Assert.StartsWith("OK", ok.Log, StringComparison.Ordinal);
        Assert.Equal(ExitCodes.Broken, broken.ExitCode);
        Assert.Contains("BOOTSTRAP_WRONG_ARCH", broken.Log, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Pack_MakesAToolOfThisProjectsOwnIdWhoseCommandIsGuard()
    {
        var feed = await ToolFeed.FolderAsync();

        var package = Assert.Single(Directory.GetFiles(feed, "*.nupkg"));
        Assert.Equal($"{ToolFeed.PackageId}.{ToolFeed.Version}.nupkg", Path.GetFileName(package));
        using var zip = System.IO.Compression.ZipFile.OpenRead(package);
        var nuspec = System.Xml.Linq.XDocument.Load(zip.Entries.Single(e => e.FullName.EndsWith(".nuspec", StringComparison.Ordinal)).Open());
        Assert.Equal(ToolFeed.PackageId, nuspec.Descendants().Single(e => e.Name.LocalName == "id").Value);
        Assert.Contains(nuspec.Descendants(), e => e.Name.LocalName == "packageType" && (string?)e.Attribute("name") == "DotnetTool");
        // The tool manifest dotnet tool install reads: the command it puts on the PATH is guard, whatever the package is called.
        var settings = System.Xml.Linq.XDocument.Load(zip.Entries.Single(e => e.Name == "DotnetToolSettings.xml").Open());
        Assert.Equal("guard", settings.Descendants().Single(e => e.Name.LocalName == "Command").Attribute("Name")?.Value);
    }

    private static Task<ProcessRun> RunAsync(string fileName, string[] arguments, TimeSpan limit, Dictionary<string, string>? environment = null) =>
        ToolFeed.RunAsync(fileName, arguments, limit, environment, TestContext.Current.CancellationToken);
}
