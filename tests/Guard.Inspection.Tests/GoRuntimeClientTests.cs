using Microsoft.Extensions.Time.Testing;
using Guard.Inspection.Reading;
using Guard.Inspection.Reporting;
using Guard.Inspection.Rules;
using Guard.Testing;

namespace Guard.Inspection.Tests;

/// <summary>
/// GO_RUNTIME_CLIENT_TOO_OLD and the Go facts of the report, on real Go binaries built here (see <see cref="GoProgram"/>),
/// and what reading them costs: one streamed request for a deflated bootstrap, one small read for a stored one; Go 1.13-1.17
/// build information and binaries with none (judged from the RPC-only client's own strings).
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

    [Theory]
    [InlineData("amd64")]
    [InlineData("arm64")]
    public async Task Inspect_WhenGoBootstrapIsDeflatedByZip_ReportsRuntimeClientTooOldInTwoRequestsNearTheFloor(string goArch)
    {
        // What `zip bootstrap.zip bootstrap` makes of a real (multi-MB) Go binary: its build information lies at the start of
        // the data segment, megabytes into the deflate stream, and used to be skipped there (caught only with zip -0).
        var binary = await GoProgram.BuildLambdaAsync("v1.17.0", goArch, Cancel);
        var filler = new byte[2 * 1024 * 1024];
        new Random(3).NextBytes(filler);
        var zip = InfoZip.Create([new InfoZipFile("bootstrap", binary, PackageBuilder.ExecutableMode), new InfoZipFile("assets/blob.bin", filler)]);
        var package = new RecordingRangeSource(new InMemoryRangeSource(zip));

        var report = await InspectAsync(package, architecture: goArch == "arm64" ? Architecture.Arm64 : Architecture.X8664);

        var error = Assert.Single(report.Findings);
        Assert.Equal(FindingCodes.GoRuntimeClientTooOld, error.Code);
        Assert.Contains("evidence: its build information", error.Message, StringComparison.Ordinal);
        Assert.Equal(("go", "v1.17.0"), (report.Bootstrap!.Toolchain, report.Bootstrap.AwsLambdaGo));
        var floor = ReadFloor.Of(zip, new Dictionary<string, long> { ["bootstrap"] = ReadFloor.DeepestNeededByte(binary) });
        TestContext.Current.TestOutputHelper?.WriteLine($"{binary.Length} byte binary: {report.Stats.Requests} requests, {report.Stats.BytesRead} bytes, floor {floor}: {string.Join(", ", package.Requests)}");
        Assert.True(binary.Length > 1024 * 1024, $"a {binary.Length}-byte Go binary");
        Assert.Equal(2, report.Stats.Requests);
        Assert.True(report.Stats.BytesRead <= 1.25 * floor, $"read {report.Stats.BytesRead} bytes, floor {floor}");
    }

    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public async Task Inspect_WhenGoBootstrapHasGo113BuildInformation_ReportsRuntimeClientTooOldFromIt(bool stored)
    {
        var binary = await GoProgram.BuildLambdaAsync("v1.17.0", "amd64", GoBuildInfoLayout.Go113, cancellationToken: Cancel);

        var report = await InspectAsync(new PackageBuilder().AddFile("bootstrap", binary, PackageBuilder.ExecutableMode, stored).ToSource());

        var error = Assert.Single(report.Findings);
        Assert.Equal(FindingCodes.GoRuntimeClientTooOld, error.Code);
        Assert.Contains("v1.17.0 (replaced by ./aws-lambda-go (devel))", error.Message, StringComparison.Ordinal);
        Assert.Contains("evidence: its build information (Go 1.13-1.17 layout)", error.Message, StringComparison.Ordinal);
        Assert.StartsWith("go1.", report.Bootstrap!.GoVersion, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public async Task Inspect_WhenGoBootstrapWithoutBuildInformationHoldsTheRpcOnlyClient_ReportsRuntimeClientTooOldFromItsStrings(bool stored)
    {
        var binary = await GoProgram.BuildLambdaAsync("v1.17.0", "amd64", GoBuildInfoLayout.None, cancellationToken: Cancel);

        var report = await InspectAsync(new PackageBuilder().AddFile("bootstrap", binary, PackageBuilder.ExecutableMode, stored).ToSource());

        var error = Assert.Single(report.Findings);
        Assert.Equal(FindingCodes.GoRuntimeClientTooOld, error.Code);
        Assert.Contains("aws-lambda-go older than v1.18.0", error.Message, StringComparison.Ordinal);
        Assert.Contains("_LAMBDA_SERVER_PORT, without AWS_LAMBDA_RUNTIME_API", error.Message, StringComparison.Ordinal);
        Assert.Equal(("go", null), (report.Bootstrap!.Toolchain, report.Bootstrap.GoVersion));
    }

    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public async Task Inspect_WhenGoBootstrapWithoutBuildInformationHoldsTheRuntimeApiClient_IsOk(bool stored)
    {
        var binary = await GoProgram.BuildLambdaAsync("v1.18.0", "amd64", GoBuildInfoLayout.None, cancellationToken: Cancel);

        var report = await InspectAsync(new PackageBuilder().AddFile("bootstrap", binary, PackageBuilder.ExecutableMode, stored).ToSource());

        Assert.Equal(Verdict.Ok, report.Verdict);
        Assert.Empty(report.Findings);
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
