using System.Net;
using System.Net.Sockets;
using System.Text.Json;
using Guard.Cli.Tests.Support;
using Guard.Testing;

namespace Guard.Cli.Tests;

/// <summary>
/// The CLI's promise, run as a real process: whatever stops a check is exit 2 with one line naming what
/// failed, where and what to do, never a stack trace, never exit 1 (which CI reads as "broken"), never a hang.
/// </summary>
public sealed class CliPromiseTests : IAsyncLifetime
{
    private static readonly string GoodPackage = Path.Combine(AppContext.BaseDirectory, "samples", "function.zip");

    private readonly DirectoryInfo _scratch = Directory.CreateTempSubdirectory("guard-cli-");
    private LocalHttpServer _server = null!;

    public ValueTask InitializeAsync()
    {
        _server = LocalHttpServer.Start();
        return ValueTask.CompletedTask;
    }

    public async ValueTask DisposeAsync()
    {
        await _server.DisposeAsync();
        _scratch.Delete(recursive: true);
    }

    [Fact]
    public async Task BareGuard_PrintsTheUsageAndExitsTwo()
    {
        var run = await GuardProcess.RunAsync();

        Assert.Equal(ExitCodes.UsageOrUnavailable, run.ExitCode);
        Assert.Contains("Usage:", run.Error, StringComparison.Ordinal);
        Assert.Contains("check", run.Error, StringComparison.Ordinal);
        Assert.DoesNotContain("Required command was not provided", run.Error, StringComparison.Ordinal);
        Assert.Contains("docs/cli.md", run.Error, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("--verbose", "check", "{package}", "--verbose")]
    [InlineData("-q", "check", "-q", "{package}")]
    [InlineData("--no-color", "check", "{package}", "--no-color", "--format", "json")]
    [InlineData("--verbose", "check", "--parameter-overrides", "Stage=prod", "--verbose", "{package}")]
    public async Task Check_WithAnUnknownOption_IsAUsageErrorAndChecksNothing(string unknown, params string[] args)
    {
        var run = await GuardProcess.RunAsync([.. args.Select(a => a == "{package}" ? GoodPackage : a)]);

        var line = run.AssertOneLineFailure();
        Assert.StartsWith($"guard: unknown option {unknown}: nothing was checked", line, StringComparison.Ordinal);
        Assert.Empty(run.Output);
    }

    [Fact]
    public async Task Check_AWordLikeAnOptionAfterDoubleDash_IsAFileName()
    {
        var line = (await GuardProcess.RunAsync("check", "--", "-function.zip")).AssertOneLineFailure();

        Assert.Equal("guard: -function.zip: no such file", line);
    }

    [Fact]
    public async Task Output_InAFolderThatDoesNotExist_IsOneLineAndExitTwo()
    {
        var target = Path.Combine(_scratch.FullName, "missing", "report.txt");

        var line = (await GuardProcess.RunAsync("check", GoodPackage, "--output", target)).AssertOneLineFailure();

        Assert.Equal($"guard: --output {target}: the folder {Path.GetDirectoryName(target)} does not exist", line);
    }

    [Fact]
    public async Task Output_ThatIsADirectory_IsOneLineAndExitTwo()
    {
        var line = (await GuardProcess.RunAsync("check", GoodPackage, "--output", _scratch.FullName)).AssertOneLineFailure();

        Assert.StartsWith($"guard: --output {_scratch.FullName}: is a directory", line, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Sarif_WhenThePackageCannotBeFetched_WritesALogOfTheFailedRun()
    {
        _server.FailWith = HttpStatusCode.NotFound;
        var url = new Uri(_server.BaseAddress, "/function.zip?X-Amz-Signature=secret");
        var sarif = Path.Combine(_scratch.FullName, "guard.sarif");

        var line = (await GuardProcess.RunAsync("check", url.ToString(), "--format", "sarif", "--output", sarif)).AssertOneLineFailure();

        using var log = JsonDocument.Parse(await File.ReadAllTextAsync(sarif, TestContext.Current.CancellationToken));
        var run = log.RootElement.GetProperty("runs")[0];
        Assert.Equal("2.1.0", log.RootElement.GetProperty("version").GetString());
        Assert.Equal(0, run.GetProperty("results").GetArrayLength());
        var invocation = run.GetProperty("invocations")[0];
        Assert.False(invocation.GetProperty("executionSuccessful").GetBoolean());
        var notification = invocation.GetProperty("toolExecutionNotifications")[0];
        Assert.Equal("error", notification.GetProperty("level").GetString());
        Assert.Equal(line["guard: ".Length..], notification.GetProperty("message").GetProperty("text").GetString());
        Assert.DoesNotContain("secret", await File.ReadAllTextAsync(sarif, TestContext.Current.CancellationToken), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Sarif_WhenTheCheckRuns_RecordsASuccessfulInvocation()
    {
        var sarif = Path.Combine(_scratch.FullName, "guard.sarif");

        var run = await GuardProcess.RunAsync("check", GoodPackage, "--format", "sarif", "--output", sarif);

        Assert.Equal(ExitCodes.Ok, run.ExitCode);
        using var log = JsonDocument.Parse(await File.ReadAllTextAsync(sarif, TestContext.Current.CancellationToken));
        Assert.True(log.RootElement.GetProperty("runs")[0].GetProperty("invocations")[0].GetProperty("executionSuccessful").GetBoolean());
    }

    [Fact]
    public async Task Check_WhenTheServerStallsMidBody_GivesUpAtTheTimeoutWithExitTwo()
    {
        _server.StallBodiesAfter = 10;
        var url = _server.Serve("/function.zip", await File.ReadAllBytesAsync(GoodPackage, TestContext.Current.CancellationToken));

        var line = (await GuardProcess.RunAsync("check", url.ToString(), "--timeout", "2")).AssertOneLineFailure();

        Assert.Equal($"guard: {url}: not read within 2 s (--timeout 2); check the server, or raise --timeout", line);
    }

    [Fact]
    public async Task Check_WhenEveryRangeIsRefusedWith416_IsAFetchFailureNotABrokenPackage()
    {
        _server.FailWith = HttpStatusCode.RequestedRangeNotSatisfiable;

        var line = (await GuardProcess.RunAsync("check", new Uri(_server.BaseAddress, "/function.zip").ToString())).AssertOneLineFailure();

        Assert.Contains("refused the range", line, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Check_WhenRedirectedToAFileUrl_NamesTheUrl()
    {
        _server.RedirectTo = "file:///etc/passwd";
        var url = new Uri(_server.BaseAddress, "/function.zip");

        var line = (await GuardProcess.RunAsync("check", url.ToString())).AssertOneLineFailure();

        Assert.StartsWith($"guard: {url}: the server redirected to an address that cannot be fetched", line, StringComparison.Ordinal);
    }

    [Fact]
    public async Task S3_WhenTheAccessKeyIsEmpty_SaysSoInOneShortLine()
    {
        var environment = new Dictionary<string, string> { ["AWS_ACCESS_KEY_ID"] = "", ["AWS_SECRET_ACCESS_KEY"] = "", ["AWS_REGION"] = "us-east-1" };

        var line = (await GuardProcess.RunAsync(environment, "check", "s3://guard-bucket/function.zip")).AssertOneLineFailure();

        Assert.StartsWith("guard: s3://guard-bucket/function.zip: no AWS credentials: AWS_ACCESS_KEY_ID is set but empty; set AWS_ACCESS_KEY_ID", line, StringComparison.Ordinal);
        Assert.DoesNotContain("webIdentityTokenFile", line, StringComparison.Ordinal);
        Assert.True(line.Length < 220, $"{line.Length} characters: {line}");
    }

    [Fact]
    public async Task S3_WhenTheEndpointCannotBeReached_NamesTheHostAndTheCause()
    {
        var port = ClosedPort();
        var environment = new Dictionary<string, string>
        {
            ["AWS_ACCESS_KEY_ID"] = "AKIDEXAMPLE",
            ["AWS_SECRET_ACCESS_KEY"] = "example-secret",
            ["AWS_REGION"] = "us-east-1",
            ["AWS_ENDPOINT_URL"] = $"http://127.0.0.1:{port}",
        };

        var line = (await GuardProcess.RunAsync(environment, "check", "s3://guard-bucket/function.zip")).AssertOneLineFailure();

        Assert.Equal($"guard: s3://guard-bucket/function.zip: could not reach S3: Connection refused (127.0.0.1:{port}); check the network, proxy or AWS_ENDPOINT_URL, then try again", line);
        Assert.DoesNotContain("example-secret", line, StringComparison.Ordinal);
    }

    private static int ClosedPort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        var port = ((IPEndPoint)listener.LocalEndpoint).Port;
        listener.Stop();
        return port;
    }
}
