using System.Text.Json.Serialization;

namespace Guard.Function.Logging;

/// <summary>Counters for one invocation; each becomes a CloudWatch metric in namespace <see cref="MetricsLine.Namespace"/>.</summary>
/// <param name="RolledBack">Rollback mode: 1 when Guard put good code (or configuration) back.</param>
public sealed record DeployMetrics(int DeploysChecked = 0, int Broken = 0, int Placeholders = 0, int AlertsSent = 0, int RolledBack = 0);

/// <summary>
/// A CloudWatch Embedded Metric Format document
/// (https://docs.aws.amazon.com/AmazonCloudWatch/latest/monitoring/CloudWatch_Embedded_Metric_Format_Specification.html):
/// the <c>_aws</c> directive names the metrics; their values are top-level members beside the dimension.
/// </summary>
public sealed record MetricsLine(
    [property: JsonPropertyName("_aws")] EmfMetadata Aws,
    [property: JsonPropertyName("Mode")] string Mode,
    [property: JsonPropertyName("DeploysChecked")] int DeploysChecked,
    [property: JsonPropertyName("Broken")] int Broken,
    [property: JsonPropertyName("Placeholders")] int Placeholders,
    [property: JsonPropertyName("AlertsSent")] int AlertsSent,
    [property: JsonPropertyName("RolledBack")] int RolledBack = 0)
{
    public const string Namespace = "Guard";

    private static readonly IReadOnlyList<EmfMetric> Counters =
    [
        new("DeploysChecked", "Count"),
        new("Broken", "Count"),
        new("Placeholders", "Count"),
        new("AlertsSent", "Count"),
        new("RolledBack", "Count"),
    ];

    public static MetricsLine Create(DateTimeOffset now, string mode, DeployMetrics metrics)
    {
        ArgumentNullException.ThrowIfNull(metrics);
        var directive = new EmfDirective(Namespace, [["Mode"]], Counters);
        return new MetricsLine(
            new EmfMetadata(now.ToUnixTimeMilliseconds(), [directive]),
            mode, metrics.DeploysChecked, metrics.Broken, metrics.Placeholders, metrics.AlertsSent, metrics.RolledBack);
    }
}

public sealed record EmfMetadata(
    [property: JsonPropertyName("Timestamp")] long Timestamp,
    [property: JsonPropertyName("CloudWatchMetrics")] IReadOnlyList<EmfDirective> CloudWatchMetrics);

public sealed record EmfDirective(
    [property: JsonPropertyName("Namespace")] string Namespace,
    [property: JsonPropertyName("Dimensions")] IReadOnlyList<IReadOnlyList<string>> Dimensions,
    [property: JsonPropertyName("Metrics")] IReadOnlyList<EmfMetric> Metrics);

public sealed record EmfMetric(
    [property: JsonPropertyName("Name")] string Name,
    [property: JsonPropertyName("Unit")] string Unit);

/// <summary>Counters for one scheduled sweep; metrics in namespace <see cref="MetricsLine.Namespace"/>, by Task.</summary>
/// <param name="Examined">Pending records (placeholder sweep) or functions listed (full scan).</param>
/// <param name="Dropped">Pending records removed: the function was deleted or its code changed.</param>
/// <param name="Errors">Functions left unjudged this time (a permanent error, logged).</param>
public sealed record SweepMetrics(int Examined = 0, int Placeholders = 0, int Broken = 0, int Dropped = 0, int AlertsSent = 0, int Errors = 0);

/// <summary>The Embedded Metric Format line of one sweep (see <see cref="MetricsLine"/>), with dimension <c>Task</c>.</summary>
public sealed record SweepMetricsLine(
    [property: JsonPropertyName("_aws")] EmfMetadata Aws,
    [property: JsonPropertyName("Task")] string Task,
    [property: JsonPropertyName("SweepExamined")] int Examined,
    [property: JsonPropertyName("SweepPlaceholders")] int Placeholders,
    [property: JsonPropertyName("SweepBroken")] int Broken,
    [property: JsonPropertyName("SweepDropped")] int Dropped,
    [property: JsonPropertyName("SweepAlertsSent")] int AlertsSent,
    [property: JsonPropertyName("SweepErrors")] int Errors)
{
    private static readonly IReadOnlyList<EmfMetric> Counters =
    [
        new("SweepExamined", "Count"),
        new("SweepPlaceholders", "Count"),
        new("SweepBroken", "Count"),
        new("SweepDropped", "Count"),
        new("SweepAlertsSent", "Count"),
        new("SweepErrors", "Count"),
    ];

    public static SweepMetricsLine Create(DateTimeOffset now, string task, SweepMetrics metrics)
    {
        ArgumentNullException.ThrowIfNull(metrics);
        var directive = new EmfDirective(MetricsLine.Namespace, [["Task"]], Counters);
        return new SweepMetricsLine(
            new EmfMetadata(now.ToUnixTimeMilliseconds(), [directive]),
            task, metrics.Examined, metrics.Placeholders, metrics.Broken, metrics.Dropped, metrics.AlertsSent, metrics.Errors);
    }
}
