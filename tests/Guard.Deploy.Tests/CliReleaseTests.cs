using Guard.Inspection;
using Guard.Inspection.Reporting;
using Guard.Inspection.Rules;
using Guard.Testing;

namespace Guard.Deploy.Tests;

/// <summary><c>build/publish-cli.sh</c>, as <c>build/test-fixtures.sh</c> ran it before the tests: the self-contained Native AOT <c>guard</c> for both CPUs.</summary>
public sealed class CliRelease
{
    public string Dist { get; } = PrebuiltFixtures.Require(Path.Combine("cli", "dist"));

    public string Binary(string rid) => Path.Combine(Dist, $"guard-{rid}", "guard");
}

[Trait("Category", "Slow")]
public sealed class CliReleaseTests(CliRelease release) : IClassFixture<CliRelease>
{
    [Fact]
    public async Task PublishedX64_ChecksASampleWithoutDotnet()
    {
        var guard = release.Binary("linux-x64");
        Assert.True(File.Exists(guard), $"no {guard}");

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
        Assert.True(File.Exists(guard), $"no {guard}");
        // Guard judges its own binary as a bootstrap: the right machine, and glibc needs an al2023 runner (2.34) meets.
        var zip = new PackageBuilder().AddFile("bootstrap", await File.ReadAllBytesAsync(guard, TestContext.Current.CancellationToken), PackageBuilder.ExecutableMode).ToArray();

        var report = await new PackageInspector().InspectAsync(
            new InspectionRequest(new InMemoryRangeSource(zip), "provided.al2023", architecture), TestContext.Current.CancellationToken);

        Assert.True(report.Verdict == Verdict.Ok, string.Join("; ", report.Findings.Select(f => $"{f.Code}: {f.Message}")));
    }
}
