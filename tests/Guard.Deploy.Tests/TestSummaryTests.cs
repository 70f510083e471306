namespace Guard.Deploy.Tests;

/// <summary>
/// <c>build/test-summary.sh</c>, build/test.sh's closing line, over what <c>dotnet test</c> really printed
/// (TestRunLogs/, paths shortened to /src: xunit v3 under VSTest with --blame-hang-timeout, on this 2-core machine
/// under load; AbortProbe's tests hang, crash their host or fail on demand, Probe2's three pass). The line must never
/// read "0 failed" over a run that did not finish.
/// </summary>
public sealed class TestSummaryTests
{
    [Theory]
    // The hang guard killed AbortProbe's host: VSTest prints no result line for it, and the counts alone read "3 passed, 0 failed".
    [InlineData("hang", 1, "3 passed, 1 failed, 0 skipped (test run aborted: AbortProbe)")]
    // Both hosts took longer to start than the hang guard allowed (10 s, load average 40): the loaded machine.
    [InlineData("startup", 1, "0 passed, 2 failed, 0 skipped (2 test runs aborted: AbortProbe, Probe2)")]
    // xunit saw its test process crash: AbortProbe's own line says "Passed!  - Failed: 0" over the tests before the crash.
    [InlineData("crash", 1, "5 passed, 1 failed, 0 skipped (test run aborted: AbortProbe)")]
    // VSTest saw the host crash after the result line: only "Test Run Aborted." tells, and the one assembly is named.
    [InlineData("crash-vstest", 1, "1 passed, 1 failed, 0 skipped (test run aborted: AbortProbe)")]
    public async Task Summary_WhenATestRunWasAborted_CountsItFailedAndNamesIt(string run, int status, string expected)
    {
        var (exitCode, line) = await SummarizeAsync(run, status);

        Assert.Equal(expected, line);
        Assert.Equal(status, exitCode);
    }

    [Fact]
    public async Task Summary_WhenATestFailed_CountsItWithoutAnAbort()
    {
        var (exitCode, line) = await SummarizeAsync("fail", status: 1);

        Assert.Equal("6 passed, 1 failed, 0 skipped", line);
        Assert.Equal(1, exitCode);
    }

    [Fact]
    public async Task Summary_WhenAllPassed_ExitsZero()
    {
        var (exitCode, line) = await SummarizeAsync("pass", status: 0);

        Assert.Equal("7 passed, 0 failed, 0 skipped", line);
        Assert.Equal(0, exitCode);
    }

    [Fact]
    public async Task Summary_WhenDotnetTestFailedWithoutAFailedTest_CountsOneFailure()
    {
        // A build error, or a runner that died before printing anything: non-zero with nothing counted as failed.
        var (exitCode, line) = await SummarizeAsync("pass", status: 1);

        Assert.Equal("7 passed, 1 failed, 0 skipped (dotnet test exited 1 without a failed test: see its output above)", line);
        Assert.Equal(1, exitCode);
    }

    private static async Task<(int ExitCode, string Line)> SummarizeAsync(string run, int status)
    {
        var log = Path.Combine(Repository.Root, "tests", "Guard.Deploy.Tests", "TestRunLogs", $"{run}.log");
        var (exitCode, output, error) = await Repository.RunAsync(
            "bash", [Path.Combine(Repository.Root, "build", "test-summary.sh"), log, $"{status}"], TimeSpan.FromMinutes(1));
        Assert.True(error.Length == 0, error);
        return (exitCode, output.TrimEnd('\n'));
    }
}
