using System.IO.Compression;
using Guard.Testing;

namespace Guard.Deploy.Tests;

/// <summary>
/// <c>make -C functions/Guard.Function zips</c>, as <c>build/test-fixtures.sh</c> ran it before the tests: both Native AOT
/// builds, each zipped and passed by <c>guard check</c> inside the target (the script fails if either check does).
/// </summary>
public sealed class ReleasePackages
{
    public string Dist { get; } = PrebuiltFixtures.Require(Path.Combine("release", "dist"));

    /// <summary>The framework-dependent <c>guard</c> the Makefile checks the zips with.</summary>
    public string GuardCli { get; } = PrebuiltFixtures.Require(Path.Combine("release", "artifacts", "cli", "bin", "Guard.Cli", "release", "guard.dll"));

    public string ZipPath(string architecture) => Path.Combine(Dist, $"guard-{architecture}.zip");
}

[Trait("Category", "Slow")]
public sealed class ReleasePackagesTests(ReleasePackages packages) : IClassFixture<ReleasePackages>
{
    [Fact]
    public void MakeZips_BothArchitectures_BuildAndPassGuardCheck()
    {
        Assert.True(File.Exists(packages.ZipPath("arm64")), $"no arm64 zip in {packages.Dist}");
        Assert.True(File.Exists(packages.ZipPath("x86_64")), $"no x86_64 zip in {packages.Dist}");
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
