using System.Diagnostics;
using System.Text.RegularExpressions;
using Guard.Testing;

// One publish for the whole test assembly: three end-to-end classes use it, and publishing into the same folder
// from parallel class fixtures corrupts the native link.
[assembly: AssemblyFixture(typeof(Guard.Function.Tests.EndToEnd.PublishedBootstrap))]

namespace Guard.Function.Tests.EndToEnd;

/// <summary>
/// The Native AOT <c>bootstrap</c>, published once per test run (minutes on a small machine) into /tmp with its
/// own artifacts folder, so it never races a build of the test project. Publishing fails the fixture on any
/// trimming or AOT warning (IL2xxx/IL3xxx). Needs clang and lld: <c>apt-get install -y clang lld</c>.
/// </summary>
public sealed partial class PublishedBootstrap : IAsyncLifetime
{
    // One folder per checkout: a publish reused from another clone would test another tree's code.
    private static readonly string Root = Checkout.ScratchDirectory("guard-function-e2e");

    public string ExecutablePath { get; private set; } = "";

    public string PublishLog { get; private set; } = "";

    public async ValueTask InitializeAsync()
    {
        var project = Path.Combine(Checkout.Root, "functions", "Guard.Function", "Guard.Function.csproj");
        var output = Path.Combine(Root, "publish");
        var start = new ProcessStartInfo("dotnet")
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        foreach (var argument in new[] { "publish", project, "-r", "linux-x64", "-c", "Release", "-o", output, "--artifacts-path", Path.Combine(Root, "artifacts"), "-nologo" })
        {
            start.ArgumentList.Add(argument);
        }

        // The test host's MSBuild variables would otherwise leak into the child build.
        start.Environment.Remove("MSBuildSDKsPath");
        start.Environment.Remove("MSBuildExtensionsPath");
        using var process = Process.Start(start)!;
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        using var timeout = new CancellationTokenSource(TimeSpan.FromMinutes(15));
        await process.WaitForExitAsync(timeout.Token);
        PublishLog = await stdout + await stderr;
        if (process.ExitCode != 0)
        {
            throw BuildLog.Failure("dotnet publish of the Native AOT bootstrap", process.ExitCode, PublishLog);
        }

        var aotWarnings = AotWarning().Matches(PublishLog).Select(m => m.Value).Distinct().ToArray();
        if (aotWarnings.Length > 0)
        {
            throw new InvalidOperationException($"the AOT publish warned: {string.Join(", ", aotWarnings)}\n{PublishLog}");
        }

        ExecutablePath = Path.Combine(output, "bootstrap");
        if (!File.Exists(ExecutablePath))
        {
            throw new InvalidOperationException($"no bootstrap in {output}\n{PublishLog}");
        }
    }

    public ValueTask DisposeAsync() => ValueTask.CompletedTask;

    [GeneratedRegex(@"warning IL[23]\d{3}")]
    private static partial Regex AotWarning();
}
