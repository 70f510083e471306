using Guard.Testing;

namespace Guard.Cli.Tests.Support;

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
            throw BuildLog.Failure("dotnet pack of Guard.Cli", pack.ExitCode, pack.Log);
        }

        return feed;
    }

    /// <summary>Runs a program without the test host's MSBuild variables, which would otherwise leak into a child build.</summary>
    public static Task<ProcessRun> RunAsync(string fileName, IEnumerable<string> arguments, TimeSpan limit, IReadOnlyDictionary<string, string>? environment, CancellationToken cancellationToken, string? workingDirectory = null)
    {
        var variables = new Dictionary<string, string?>(StringComparer.Ordinal)
        {
            ["MSBuildSDKsPath"] = null,
            ["MSBuildExtensionsPath"] = null,
            ["MSBUILD_EXE_PATH"] = null,
            ["DOTNET_NOLOGO"] = "1",
            ["DOTNET_CLI_TELEMETRY_OPTOUT"] = "1",
        };
        foreach (var (name, value) in environment ?? new Dictionary<string, string>())
        {
            variables[name] = value;
        }

        return ExternalProcess.RunAsync(fileName, arguments, cancellationToken, new() { WorkingDirectory = workingDirectory, Environment = variables, Limit = limit });
    }
}
