using System.Diagnostics;
using System.IO.Compression;
using Guard.Testing;

namespace Guard.Deploy.Tests;

/// <summary>
/// <c>make -C functions/Guard.Function zips</c>, run once for the class: both Native AOT builds (minutes), each
/// zipped and passed by <c>guard check</c> inside the target. Builds under /tmp, in a folder of this checkout's
/// own, so it never races other builds or another clone's run. A failed build fails the fixture with the build's
/// first error, and so every test that needs the zips says why they are missing.
/// </summary>
public sealed class ReleasePackages : IAsyncLifetime
{
    public static readonly string WorkDirectory = Checkout.ScratchDirectory("guard-deploy-zips");

    public string Dist { get; } = Path.Combine(WorkDirectory, "dist");

    public string DotnetArtifacts { get; } = Path.Combine(WorkDirectory, "artifacts");

    public string Log { get; private set; } = "";

    public TimeSpan Elapsed { get; private set; }

    public string GuardCli => Path.Combine(DotnetArtifacts, "cli", "bin", "Guard.Cli", "release", "guard.dll");

    public string ZipPath(string architecture) => Path.Combine(Dist, $"guard-{architecture}.zip");

    public async ValueTask InitializeAsync()
    {
        if (Directory.Exists(Dist))
        {
            Directory.Delete(Dist, recursive: true);
        }

        var make = Repository.RequireTool("make", "apt-get install -y make");
        var clock = Stopwatch.StartNew();
        var (exitCode, output, error) = await Repository.RunAsync(
            make,
            ["-C", "functions/Guard.Function", "zips", $"DIST={Dist}", $"DOTNET_ARTIFACTS={DotnetArtifacts}"],
            TimeSpan.FromMinutes(20));
        Elapsed = clock.Elapsed;
        Log = output + error;
        if (exitCode != 0)
        {
            throw BuildLog.Failure($"make zips (after {Elapsed.TotalSeconds:0} s)", exitCode, Log);
        }
    }

    public ValueTask DisposeAsync() => ValueTask.CompletedTask;
}

[Trait("Category", "Slow")]
public sealed class ReleasePackagesTests(ReleasePackages packages) : IClassFixture<ReleasePackages>
{
    [Fact]
    public void MakeZips_BothArchitectures_BuildAndPassGuardCheck()
    {
        Assert.True(File.Exists(packages.ZipPath("arm64")), packages.Log);
        Assert.True(File.Exists(packages.ZipPath("x86_64")), packages.Log);
        TestContext.Current.SendDiagnosticMessage($"make zips took {packages.Elapsed.TotalSeconds:0} s");
    }

    [Theory]
    [InlineData("arm64")]
    [InlineData("x86_64")]
    public void Zip_Bootstrap_AtRootWithMode0755(string architecture)
    {
        using var zip = ZipFile.OpenRead(packages.ZipPath(architecture));

        var entry = Assert.Single(zip.Entries);
        Assert.Equal("bootstrap", entry.FullName);
        var mode = (entry.ExternalAttributes >> 16) & 0xFFFF;
        Assert.Equal(Convert.ToInt32("100755", 8), mode);
    }

    [Theory]
    [InlineData("arm64", "arm64", 0)]
    [InlineData("x86_64", "x86_64", 0)]
    [InlineData("arm64", "x86_64", 1)]
    [InlineData("x86_64", "arm64", 1)]
    public async Task GuardCheck_Zip_PassesOnlyForItsOwnArchitecture(string built, string checkedAs, int expectedExitCode)
    {
        var dotnet = Repository.RequireTool("dotnet", "install the .NET 10 SDK");

        var (exitCode, output, error) = await Repository.RunAsync(
            dotnet,
            [packages.GuardCli, "check", packages.ZipPath(built), "--runtime", "provided.al2023", "--architecture", checkedAs],
            TimeSpan.FromMinutes(2));

        Assert.True(exitCode == expectedExitCode, $"guard check of the {built} zip as {checkedAs} exited {exitCode}, expected {expectedExitCode}:\n{output}{error}");
        if (expectedExitCode != 0)
        {
            Assert.Contains("BOOTSTRAP_WRONG_ARCH", output, StringComparison.Ordinal);
        }
    }
}
