using System.Text.Json;
using Guard.Function.Logging;
using Guard.Function.Routing;

namespace Guard.Function.Scheduled;

/// <summary>One job an EventBridge schedule starts.</summary>
public interface IScheduledTask
{
    /// <exception cref="Guard.Aws.Http.AwsServiceException">A transient failure: the invocation fails and the schedule's retry runs it again.</exception>
    Task<SweepSummary> RunAsync(CancellationToken cancellationToken);
}

/// <summary>What one scheduled run did; the invocation's response body.</summary>
public sealed record SweepSummary(string Outcome, string Task, SweepMetrics Metrics);

/// <summary>The <c>detail.task</c> values the SAM template's schedules send.</summary>
public static class ScheduledTasks
{
    public const string PlaceholderSweep = "placeholder-sweep";
    public const string FullScan = "full-scan";

    /// <summary><c>detail.task</c> of a "Scheduled Event", or null when it has none.</summary>
    public static string? TaskOf(JsonElement root) =>
        root.ValueKind == JsonValueKind.Object
        && root.TryGetProperty("detail", out var detail)
        && detail.ValueKind == JsonValueKind.Object
        && detail.TryGetProperty("task", out var task)
        && task.ValueKind == JsonValueKind.String
            ? task.GetString()
            : null;
}

/// <summary>
/// Routes scheduled events by <c>detail.task</c>. Each task is built on its first run (its AWS clients stay out of
/// init). A task it does not know — a schedule someone added by hand, an older template — is logged and
/// acknowledged: a retry could never succeed.
/// </summary>
public sealed class ScheduledHandler : IRouteHandler
{
    private readonly Lazy<IScheduledTask> _placeholderSweep;
    private readonly Lazy<IScheduledTask> _fullScan;
    private readonly GuardLog _log;

    public ScheduledHandler(Func<IScheduledTask> placeholderSweep, Func<IScheduledTask> fullScan, GuardLog log)
    {
        ArgumentNullException.ThrowIfNull(placeholderSweep);
        ArgumentNullException.ThrowIfNull(fullScan);
        ArgumentNullException.ThrowIfNull(log);
        // PublicationOnly: a build that throws is tried again on the next event rather than cached.
        _placeholderSweep = new Lazy<IScheduledTask>(placeholderSweep, LazyThreadSafetyMode.PublicationOnly);
        _fullScan = new Lazy<IScheduledTask>(fullScan, LazyThreadSafetyMode.PublicationOnly);
        _log = log;
    }

    public async Task<ReadOnlyMemory<byte>> HandleAsync(RoutedEvent routed, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(routed);
        var task = ScheduledTasks.TaskOf(routed.Root);
        IScheduledTask? runner = task switch
        {
            ScheduledTasks.PlaceholderSweep => _placeholderSweep.Value,
            ScheduledTasks.FullScan => _fullScan.Value,
            _ => null,
        };
        if (runner is null)
        {
            var reason = task is null ? "scheduled event without detail.task" : $"scheduled event with unknown task: {task}";
            _log.Info($"{reason}; acknowledged", new LogContext(Outcome: Outcomes.Ignored));
            return Acknowledgement.Serialize(new Acknowledgement(Outcomes.Ignored, reason));
        }

        var summary = await runner.RunAsync(cancellationToken).ConfigureAwait(false);
        return JsonSerializer.SerializeToUtf8Bytes(summary, FunctionJsonContext.Default.SweepSummary);
    }
}

/// <summary>A task that cannot run in this configuration (no store bucket to keep its records and markers in): logged and acknowledged.</summary>
public sealed class UnavailableTask(string task, string reason, GuardLog log) : IScheduledTask
{
    public Task<SweepSummary> RunAsync(CancellationToken cancellationToken)
    {
        log.Warn($"{task} skipped: {reason}", new LogContext(Outcome: Outcomes.Skipped));
        return Task.FromResult(new SweepSummary(Outcomes.Skipped, task, new SweepMetrics()));
    }
}
