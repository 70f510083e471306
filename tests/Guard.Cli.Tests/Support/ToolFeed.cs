using System.Diagnostics;
using Guard.Testing;

namespace Guard.Cli.Tests.Support;

/// <summary>What a child process did: its exit code and both streams together.</summary>
public sealed record ProcessRun(int ExitCode, string Output);

/// <summary>
/// Guard.Cli packed as a .NET tool into a folder feed of this checkout's own, once per test run: what a CI
/// runner's <c>dotnet tool install --add-source</c> would install.
/// </summary>
public static class ToolFeed
{
    public const string Version = "0.1.0";

    /// <summary>The tool's package ID: this project's own, not a generic name anyone could publish first.</summary>
    public const string PackageId = "LambdaBootstrapGuard";

    private static readonly string Root = Checkout.ScratchDirectory("guard-cli-feed");
    private static readonly Lazy<Task<string>> Packed = new(PackAsync);

    /// <summary>The feed folder holding <c>LambdaBootstrapGuard.0.1.0.nupkg</c>.</summary>
    public static Task<string> FolderAsync() => Packed.Value;

    private static async Task<string> PackAsync()
    {
        var feed = Path.Combine(Root, "feed");
        if (Directory.Exists(feed))
        {
            Directory.Delete(feed, recursive: true);
        }

        var project = Path.Combine(Checkout.Root, "functions", "Guard.Cli", "Guard.Cli.csproj");
        var pack = await RunAsync("dotnet", ["pack", project, "-c", "Release", "-o", feed, "--artifacts-path", Path.Combine(Root, "artifacts"), "-nologo"], TimeSpan.FromMinutes(10), null, CancellationToken.None);
        if (pack.ExitCode != 0)
        {
            throw BuildLog.Failure("dotnet pack of Guard.Cli", pack.ExitCode, pack.Output);
        }

        return feed;
    }

    /// <summary>Runs a program without the test host's MSBuild variables, which would otherwise leak into a child build.</summary>
    public static async Task<ProcessRun> RunAsync(string fileName, IEnumerable<string> arguments, TimeSpan limit, IReadOnlyDictionary<string, string>? environment, CancellationToken cancellationToken, string? workingDirectory = null)
    {
        var start = new ProcessStartInfo(fileName) { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        if (workingDirectory is not null)
        {
            start.WorkingDirectory = workingDirectory;
        }

        foreach (var argument in arguments)
        {
            start.ArgumentList.Add(argument);
        }

        foreach (var name in new[] { "MSBuildSDKsPath", "MSBuildExtensionsPath", "MSBUILD_EXE_PATH" })
        {
            start.Environment.Remove(name);
        }

        start.Environment["DOTNET_NOLOGO"] = "1";
        start.Environment["DOTNET_CLI_TELEMETRY_OPTOUT"] = "1";
        foreach (var (name, value) in environment ?? new Dictionary<string, string>())
        {
            start.Environment[name] = value;
        }

        using var process = Process.Start(start)!;
        var stdout = process.StandardOutput.ReadToEndAsync(CancellationToken.None);
        var stderr = process.StandardError.ReadToEndAsync(CancellationToken.None);
        using var cancel = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
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

        return new ProcessRun(process.ExitCode, await stdout + await stderr);
    }
}
