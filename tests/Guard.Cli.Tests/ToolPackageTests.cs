using System.Diagnostics;
using Guard.Testing;

namespace Guard.Cli.Tests;

/// <summary>
/// <c>dotnet pack</c> makes Guard a .NET tool: installed from a local folder feed (and nothing else) into a
/// temporary --tool-path, the <c>guard</c> it puts there runs a real check.
/// </summary>
[Trait("Category", "Slow")]
public sealed class ToolPackageTests : IDisposable
{
    // One folder per checkout, with its own artifacts: the pack never races the test project's build.
    private static readonly string Root = Checkout.ScratchDirectory("guard-cli-tool");

    private readonly DirectoryInfo _tools = Directory.CreateTempSubdirectory("guard-tool-path-");

    public void Dispose() => _tools.Delete(recursive: true);

    [Fact]
    public async Task Pack_ThenToolInstallFromAFolderFeed_PutsAGuardThatChecksPackages()
    {
        var feed = Path.Combine(Root, "feed");
        if (Directory.Exists(feed))
        {
            Directory.Delete(feed, recursive: true);
        }

        var project = Path.Combine(Checkout.Root, "functions", "Guard.Cli", "Guard.Cli.csproj");
        var pack = await RunAsync("dotnet", ["pack", project, "-c", "Release", "-o", feed, "--artifacts-path", Path.Combine(Root, "artifacts"), "-nologo"], TimeSpan.FromMinutes(10));
        if (pack.ExitCode != 0)
        {
            throw BuildLog.Failure("dotnet pack of Guard.Cli", pack.ExitCode, pack.Output);
        }

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
        // A packages folder of its own: the global one may hold a Guard.Cli 0.1.0 packed from older code.
        var packages = Path.Combine(Root, "packages");
        if (Directory.Exists(packages))
        {
            Directory.Delete(packages, recursive: true);
        }

        var install = await RunAsync(
            "dotnet",
            ["tool", "install", "Guard.Cli", "--tool-path", _tools.FullName, "--configfile", config, "--version", "0.1.0"],
            TimeSpan.FromMinutes(3),
            new Dictionary<string, string> { ["NUGET_PACKAGES"] = packages });
        Assert.True(install.ExitCode == 0, $"dotnet tool install exited {install.ExitCode}:\n{install.Output}");

        var guard = Path.Combine(_tools.FullName, OperatingSystem.IsWindows() ? "guard.exe" : "guard");
        var sample = Path.Combine(AppContext.BaseDirectory, "samples", "function.zip");
        var ok = await RunAsync(guard, ["check", sample], TimeSpan.FromMinutes(1));
        var broken = await RunAsync(guard, ["check", sample, "--architecture", "arm64"], TimeSpan.FromMinutes(1));

        Assert.True(ok.ExitCode == ExitCodes.Ok, ok.Output);
        Assert.StartsWith("OK", ok.Output, StringComparison.Ordinal);
        Assert.Equal(ExitCodes.Broken, broken.ExitCode);
        Assert.Contains("BOOTSTRAP_WRONG_ARCH", broken.Output, StringComparison.Ordinal);
    }

    private static async Task<(int ExitCode, string Output)> RunAsync(string fileName, string[] arguments, TimeSpan limit, Dictionary<string, string>? environment = null)
    {
        var start = new ProcessStartInfo(fileName) { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        foreach (var argument in arguments)
        {
            start.ArgumentList.Add(argument);
        }

        // The test host's MSBuild variables would otherwise leak into the child build.
        foreach (var name in new[] { "MSBuildSDKsPath", "MSBuildExtensionsPath", "MSBUILD_EXE_PATH" })
        {
            start.Environment.Remove(name);
        }

        start.Environment["DOTNET_NOLOGO"] = "1";
        start.Environment["DOTNET_CLI_TELEMETRY_OPTOUT"] = "1";
        foreach (var (name, value) in environment ?? [])
        {
            start.Environment[name] = value;
        }

        using var process = Process.Start(start)!;
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        using var cancel = CancellationTokenSource.CreateLinkedTokenSource(TestContext.Current.CancellationToken);
        cancel.CancelAfter(limit);
        try
        {
            await process.WaitForExitAsync(cancel.Token);
        }
        catch (OperationCanceledException)
        {
            process.Kill(entireProcessTree: true);
            throw new TimeoutException($"{fileName} {string.Join(' ', arguments)} ran longer than {limit}");
        }

        return (process.ExitCode, await stdout + await stderr);
    }
}
