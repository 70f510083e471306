using System.Text.Json.Serialization;

namespace Guard.Function.Logging;

/// <summary>Counters for one invocation; each becomes a CloudWatch metric in namespace <see cref="MetricsLine.Namespace"/>.</summary>
public sealed record DeployMetrics(int DeploysChecked = 0, int Broken = 0, int Placeholders = 0, int AlertsSent = 0);

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
    [property: JsonPropertyName("AlertsSent")] int AlertsSent)
{
    public const string Namespace = "Guard";

    private static readonly IReadOnlyList<EmfMetric> Counters =
    [
        new("DeploysChecked", "Count"),
        new("Broken", "Count"),
        new("Placeholders", "Count"),
        new("AlertsSent", "Count"),
    ];

    public static MetricsLine Create(DateTimeOffset now, string mode, DeployMetrics metrics)
    {
        ArgumentNullException.ThrowIfNull(metrics);
        var directive = new EmfDirective(Namespace, [["Mode"]], Counters);
        return new MetricsLine(
            new EmfMetadata(now.ToUnixTimeMilliseconds(), [directive]),
            mode, metrics.DeploysChecked, metrics.Broken, metrics.Placeholders, metrics.AlertsSent);
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
