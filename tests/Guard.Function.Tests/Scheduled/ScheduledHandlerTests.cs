using System.Text;
using System.Text.Json;
using Guard.Function.Logging;
using Guard.Function.Routing;
using Guard.Function.RuntimeApi;
using Guard.Function.Scheduled;

namespace Guard.Function.Tests.Scheduled;

public sealed class ScheduledHandlerTests : IDisposable
{
    private static CancellationToken Cancel => TestContext.Current.CancellationToken;

    private readonly CountingTask _sweep = new(ScheduledTasks.PlaceholderSweep);
    private readonly CountingTask _scan = new(ScheduledTasks.FullScan);
    private readonly StringWriter _output = new();
    private readonly EventRouter _router;

    public ScheduledHandlerTests()
    {
        var log = new GuardLog(_output, TimeProvider.System);
        var unused = new NotHandledYet(log);
        _router = new EventRouter(unused, unused, unused, new ScheduledHandler(() => _sweep, () => _scan, log), log);
    }

    /// <summary>The shape the SAM template's schedules send (its InputTemplate), as EventBridge fills it in.</summary>
    private static string ScheduledEvent(string detail) =>
        $$"""{"version":"0","id":"9c1f","detail-type":"Scheduled Event","source":"aws.events","account":"123456789012","time":"2026-03-02T12:00:00Z","region":"us-east-1","resources":["arn:aws:events:us-east-1:123456789012:rule/guard-sweep"],"detail":{{detail}}}""";

    public void Dispose() => _output.Dispose();

    [Fact]
    public async Task Handle_PlaceholderSweepTask_RunsTheSweepOnly()
    {
        var response = await HandleAsync(ScheduledEvent("""{"task":"placeholder-sweep"}"""));

        Assert.Equal((1, 0), (_sweep.Runs, _scan.Runs));
        Assert.Equal("placeholder-sweep", response.RootElement.GetProperty("task").GetString());
    }

    [Fact]
    public async Task Handle_FullScanTask_RunsTheScanOnly()
    {
        var response = await HandleAsync(ScheduledEvent("""{"task":"full-scan"}"""));

        Assert.Equal((0, 1), (_sweep.Runs, _scan.Runs));
        Assert.Equal("full-scan", response.RootElement.GetProperty("task").GetString());
    }

    [Theory]
    [InlineData("""{"task":"defragment"}""", "unknown task: defragment")]
    [InlineData("{}", "without detail.task")]
    [InlineData("""{"task":7}""", "without detail.task")]
    public async Task Handle_UnknownOrMissingTask_AcknowledgedAndLogged(string detail, string reason)
    {
        var response = await HandleAsync(ScheduledEvent(detail));

        Assert.Equal((0, 0), (_sweep.Runs, _scan.Runs));
        Assert.Equal(Outcomes.Ignored, response.RootElement.GetProperty("outcome").GetString());
        Assert.Contains(reason, response.RootElement.GetProperty("reason").GetString(), StringComparison.Ordinal);
        Assert.Contains(reason, _output.ToString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Handle_TaskFails_ExceptionReachesTheLoopSoTheEventIsRetried()
    {
        _sweep.FailWith = new Guard.Aws.Http.AwsServiceException("ServiceUnavailable", 503, "try later");

        await Assert.ThrowsAsync<Guard.Aws.Http.AwsServiceException>(() => HandleAsync(ScheduledEvent("""{"task":"placeholder-sweep"}""")));
    }

    [Fact]
    public async Task Unavailable_NoStore_AcknowledgesAsSkipped()
    {
        var log = new GuardLog(_output, TimeProvider.System);

        var summary = await new UnavailableTask(ScheduledTasks.PlaceholderSweep, "GUARD_STORE_BUCKET is unset", log).RunAsync(Cancel);

        Assert.Equal(Outcomes.Skipped, summary.Outcome);
        Assert.Contains("GUARD_STORE_BUCKET is unset", _output.ToString(), StringComparison.Ordinal);
    }

    private async Task<JsonDocument> HandleAsync(string json)
    {
        var invocation = new Invocation("request-1", DateTimeOffset.MaxValue, null, null, Encoding.UTF8.GetBytes(json));
        var body = await _router.HandleAsync(invocation, Cancel);
        return JsonDocument.Parse(body);
    }

    private sealed class CountingTask(string task) : IScheduledTask
    {
        public int Runs { get; private set; }

        public Exception? FailWith { get; set; }

        public Task<SweepSummary> RunAsync(CancellationToken cancellationToken)
        {
            Runs++;
            return FailWith is { } failure ? throw failure : Task.FromResult(new SweepSummary(Outcomes.Checked, task, new SweepMetrics()));
        }
    }
}
