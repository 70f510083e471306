using System.Diagnostics;
using Guard.Inspection;
using Guard.Inspection.Reporting;
using Guard.Inspection.Rules;
using Guard.Testing;

namespace Guard.Deploy.Tests;

/// <summary><c>build/publish-cli.sh</c> once for the class: the self-contained Native AOT <c>guard</c> for both CPUs.</summary>
public sealed class CliRelease : IAsyncLifetime
{
    public static readonly string WorkDirectory = Checkout.ScratchDirectory("guard-cli-aot");

    public string Dist { get; } = Path.Combine(WorkDirectory, "dist");

    public string Log { get; private set; } = "";

    public string Binary(string rid) => Path.Combine(Dist, $"guard-{rid}", "guard");

    public async ValueTask InitializeAsync()
    {
        var clock = Stopwatch.StartNew();
        var (exitCode, output, error) = await Repository.RunAsync(
            "bash",
            [Path.Combine(Repository.Root, "build", "publish-cli.sh"), Dist],
            TimeSpan.FromMinutes(20),
            environment: new Dictionary<string, string> { ["DOTNET_ARTIFACTS"] = Path.Combine(WorkDirectory, "artifacts") });
        Log = output + error;
        if (exitCode != 0)
        {
            throw BuildLog.Failure($"build/publish-cli.sh (after {clock.Elapsed.TotalSeconds:0} s)", exitCode, Log);
        }
    }

    public ValueTask DisposeAsync() => ValueTask.CompletedTask;
}

[Trait("Category", "Slow")]
public sealed class CliReleaseTests(CliRelease release) : IClassFixture<CliRelease>
{
    [Fact]
    public async Task PublishedX64_ChecksASampleWithoutDotnet()
    {
        var guard = release.Binary("linux-x64");
        Assert.True(File.Exists(guard), release.Log);

        var (exitCode, output, error) = await Repository.RunAsync(
            guard,
            ["check", Path.Combine(Repository.Root, "samples", "function.zip"), "--runtime", "provided.al2023", "--architecture", "x86_64"],
            TimeSpan.FromMinutes(1),
            environment: new Dictionary<string, string> { ["DOTNET_ROOT"] = "/nonexistent", ["PATH"] = "/usr/bin:/bin" });

        Assert.True(exitCode == 0, output + error);
        Assert.StartsWith("OK", output, StringComparison.Ordinal);
        Assert.Equal(new[] { "guard" }, Directory.GetFiles(Path.GetDirectoryName(guard)!).Select(Path.GetFileName));
    }

    [Theory]
    [InlineData("linux-x64", Architecture.X8664)]
    [InlineData("linux-arm64", Architecture.Arm64)]
    public async Task Published_Binary_IsForItsCpuAndRunsOnProvidedAl2023(string rid, Architecture architecture)
    {
        var guard = release.Binary(rid);
        Assert.True(File.Exists(guard), release.Log);
        // Guard judges its own binary as a bootstrap: the right machine, and glibc needs an al2023 runner (2.34) meets.
        var zip = new PackageBuilder().AddFile("bootstrap", await File.ReadAllBytesAsync(guard, TestContext.Current.CancellationToken), PackageBuilder.ExecutableMode).ToArray();

        var report = await new PackageInspector().InspectAsync(
            new InspectionRequest(new InMemoryRangeSource(zip), "provided.al2023", architecture), TestContext.Current.CancellationToken);

        Assert.True(report.Verdict == Verdict.Ok, string.Join("; ", report.Findings.Select(f => $"{f.Code}: {f.Message}")));
    }
}
