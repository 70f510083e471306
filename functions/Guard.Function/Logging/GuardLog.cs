using System.Globalization;
using System.Text.Json;
using System.Text.Json.Serialization;

namespace Guard.Function.Logging;

/// <summary>What a log line is about; every field optional.</summary>
public sealed record LogContext(
    string? FunctionName = null,
    string? EventId = null,
    string? Verdict = null,
    IReadOnlyList<string>? Findings = null,
    string? Outcome = null);

/// <summary>
/// Structured logs: one JSON object per line on stdout, which Lambda ships to CloudWatch Logs as one event
/// each (and Logs Insights parses without a pattern). Also writes the Embedded Metric Format lines.
/// </summary>
public sealed class GuardLog
{
    private readonly Lazy<TextWriter> _output;
    private readonly TimeProvider _time;
    private readonly Lock _gate = new();

    public GuardLog(TextWriter output, TimeProvider time)
        : this(() => output, time)
    {
        ArgumentNullException.ThrowIfNull(output);
    }

    /// <param name="output">Called on the first line: <c>Console.Out</c> costs start-up time a quiet init need not pay.</param>
    public GuardLog(Func<TextWriter> output, TimeProvider time)
    {
        ArgumentNullException.ThrowIfNull(output);
        ArgumentNullException.ThrowIfNull(time);
        _output = new Lazy<TextWriter>(output);
        _time = time;
    }

    /// <summary>The invocation being handled; set by the loop, stamped on every line.</summary>
    public string? RequestId { get; set; }

    public void Info(string message, LogContext? context = null) => Write("INFO", message, context, null);

    public void Warn(string message, LogContext? context = null, Exception? exception = null) => Write("WARN", message, context, exception);

    public void Error(string message, LogContext? context = null, Exception? exception = null) => Write("ERROR", message, context, exception);

    /// <summary>One EMF line: CloudWatch turns its counters into metrics in namespace Guard, by Mode.</summary>
    public void Metrics(DeployMetrics metrics, string mode)
    {
        ArgumentNullException.ThrowIfNull(metrics);
        var line = MetricsLine.Create(_time.GetUtcNow(), mode, metrics);
        Emit(JsonSerializer.Serialize(line, FunctionJsonContext.Default.MetricsLine));
    }

    /// <summary>One EMF line for a scheduled sweep, by Task (<c>placeholder-sweep</c>, <c>full-scan</c>).</summary>
    public void Metrics(SweepMetrics metrics, string task)
    {
        ArgumentNullException.ThrowIfNull(metrics);
        var line = SweepMetricsLine.Create(_time.GetUtcNow(), task, metrics);
        Emit(JsonSerializer.Serialize(line, FunctionJsonContext.Default.SweepMetricsLine));
    }

    private void Write(string level, string message, LogContext? context, Exception? exception)
    {
        var entry = new LogEntry(
            _time.GetUtcNow().ToString("yyyy-MM-dd'T'HH:mm:ss.fff'Z'", CultureInfo.InvariantCulture),
            level,
            message,
            RequestId,
            context?.FunctionName,
            context?.EventId,
            context?.Verdict,
            context?.Findings,
            context?.Outcome,
            exception?.GetType().Name,
            exception is null ? null : OneLine(exception.Message));
        Emit(JsonSerializer.Serialize(entry, FunctionJsonContext.Default.LogEntry));
    }

    private void Emit(string line)
    {
        lock (_gate)
        {
            var output = _output.Value;
            output.Write(line);
            output.Write('\n');
            output.Flush();
        }
    }

    private static string OneLine(string text) => text.ReplaceLineEndings(" ");
}

/// <summary>One line of the JSON log.</summary>
public sealed record LogEntry(
    string Timestamp,
    string Level,
    string Message,
    [property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] string? RequestId,
    [property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] string? FunctionName,
    [property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] string? EventId,
    [property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] string? Verdict,
    [property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] IReadOnlyList<string>? Findings,
    [property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] string? Outcome,
    [property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] string? ErrorType,
    [property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] string? Error);
