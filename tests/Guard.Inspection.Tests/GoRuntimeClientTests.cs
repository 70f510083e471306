using Microsoft.Extensions.Time.Testing;
using Guard.Inspection.Reading;
using Guard.Inspection.Reporting;
using Guard.Inspection.Rules;
using Guard.Testing;

namespace Guard.Inspection.Tests;

/// <summary>
/// GO_RUNTIME_CLIENT_TOO_OLD and the Go facts of the report, on real Go binaries built here (see <see cref="GoProgram"/>),
/// and what reading them costs: nothing more for a deflated bootstrap, one small read for a stored one.
/// </summary>
public sealed class GoRuntimeClientTests
{
    private const long CheckBudget = 140 * 1024;

    private static readonly PackageInspector Inspector = new(RuntimeCatalog.Default, PlaceholderCatalog.Default, new FakeTimeProvider(new DateTimeOffset(2026, 11, 27, 0, 0, 0, TimeSpan.Zero)));

    private static CancellationToken Cancel => TestContext.Current.CancellationToken;

    private static Task<Report> InspectAsync(IRangeSource package, string runtime = "provided.al2023", Architecture architecture = Architecture.X8664, string? handler = null) =>
        Inspector.InspectAsync(new InspectionRequest(package, runtime, architecture, Handler: handler), Cancel);

    [Theory]
    [InlineData("provided.al2023")]
    [InlineData("provided.al2")]
    public async Task Inspect_WhenStoredGoBootstrapRequiresAwsLambdaGoBefore118_ReportsRuntimeClientTooOld(string runtime)
    {
        var binary = await GoProgram.BuildLambdaAsync("v1.17.0", "amd64", Cancel);

        var report = await InspectAsync(new PackageBuilder().AddFile("bootstrap", binary, PackageBuilder.ExecutableMode, stored: true).ToSource(), runtime);

        Assert.Equal(Verdict.Broken, report.Verdict);
        var error = Assert.Single(report.Findings, f => f.Severity == Severity.Error);
        Assert.Equal(FindingCodes.GoRuntimeClientTooOld, error.Code);
        Assert.Contains("v1.17.0 (replaced by ./aws-lambda-go (devel))", error.Message, StringComparison.Ordinal);
        Assert.Contains("go get github.com/aws/aws-lambda-go@latest", error.Hint, StringComparison.Ordinal);
        Assert.Contains("-tags lambda.norpc", error.Hint, StringComparison.Ordinal);
        Assert.Equal(("go", "v1.17.0"), (report.Bootstrap!.Toolchain, report.Bootstrap.AwsLambdaGo));
        Assert.StartsWith("go1.", report.Bootstrap.GoVersion, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Inspect_WhenStoredGoBootstrapRequiresAwsLambdaGo118_IsOkWithItsVersions()
    {
        var binary = await GoProgram.BuildLambdaAsync("v1.18.0", "arm64", Cancel);

        var report = await InspectAsync(new PackageBuilder().AddFile("bootstrap", binary, PackageBuilder.ExecutableMode, stored: true).ToSource(), architecture: Architecture.Arm64);

        Assert.Equal(Verdict.Ok, report.Verdict);
        Assert.Empty(report.Findings);
        Assert.Equal("v1.18.0", report.Bootstrap!.AwsLambdaGo);
        Assert.Contains("aws-lambda-go v1.18.0", TextReportWriter.Write(report), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Inspect_OnGo1xWithAwsLambdaGoBefore118_IsNotJudgedTooOld()
    {
        // go1.x speaks exactly the RPC protocol the old client serves.
        var binary = await GoProgram.BuildLambdaAsync("v1.17.0", "amd64", Cancel);

        var report = await InspectAsync(new PackageBuilder().AddFile("main", binary, PackageBuilder.ExecutableMode, stored: true).ToSource(), "go1.x", handler: "main");

        Assert.Equal(Verdict.Ok, report.Verdict);
        Assert.Equal("v1.17.0", report.Bootstrap!.AwsLambdaGo);
        Assert.DoesNotContain(report.Findings, f => f.Code == FindingCodes.GoRuntimeClientTooOld);
    }

    [Fact]
    public async Task Inspect_WhenDeflatedGoBootstrapInALargePackage_SkipsBuildInfoAndStaysAtTwoRequests()
    {
        var binary = await GoProgram.BuildLambdaAsync("v1.17.0", "amd64", Cancel);
        var filler = new byte[2 * 1024 * 1024];
        new Random(3).NextBytes(filler);
        var package = new RecordingRangeSource(new PackageBuilder()
            .AddFile("bootstrap", binary, PackageBuilder.ExecutableMode)
            .AddFile("assets/blob.bin", filler, stored: true)
            .ToSource());

        var report = await InspectAsync(package);

        // The data segment sits megabytes into the deflate stream: not worth inflating for a fact, so nothing is said.
        Assert.Equal(Verdict.Ok, report.Verdict);
        Assert.Equal(("go", null, null), (report.Bootstrap!.Toolchain, report.Bootstrap.GoVersion, report.Bootstrap.AwsLambdaGo));
        TestContext.Current.TestOutputHelper?.WriteLine($"{report.Stats.Requests} requests, {report.Stats.BytesRead} bytes: {string.Join(", ", package.Requests)}");
        Assert.Equal(2, report.Stats.Requests);
        Assert.True(report.Stats.BytesRead <= CheckBudget, $"read {report.Stats.BytesRead} bytes");
    }

    [Fact]
    public async Task Inspect_WhenStoredGoBootstrapInA200MBPackage_ReadsBuildInfoInOneSmallRequest()
    {
        var binary = await GoProgram.BuildLambdaAsync("v1.17.0", "amd64", Cancel);
        var package = new RecordingRangeSource(new SparsePackage()
            .AddFile("bootstrap", binary, PackageBuilder.ExecutableMode)
            .AddZeros("assets/a.bin", 200_000_000)
            .ToSource());

        var report = await InspectAsync(package);

        Assert.Equal(FindingCodes.GoRuntimeClientTooOld, Assert.Single(report.Findings).Code);
        TestContext.Current.TestOutputHelper?.WriteLine($"{report.Stats.Requests} requests, {report.Stats.BytesRead} bytes: {string.Join(", ", package.Requests)}");
        Assert.Equal(3, report.Stats.Requests);
        Assert.True(report.Stats.BytesRead <= CheckBudget, $"read {report.Stats.BytesRead} bytes: {string.Join(", ", package.Requests)}");
    }
}
