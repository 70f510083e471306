using Guard.Aws.Store;
using System.Text.Json;
using System.Text.Json.Serialization.Metadata;
using Guard.Function.Deploys;
using Guard.Function.Logging;
using Guard.Function.Scheduled;

namespace Guard.Function.Tests.Scheduled;

/// <summary>One round trip per root type the sweeps add to <see cref="FunctionJsonContext"/>.</summary>
public sealed class ScheduledJsonTests
{
    private static T RoundTrip<T>(T value, JsonTypeInfo<T> info) => JsonSerializer.Deserialize(JsonSerializer.Serialize(value, info), info)!;

    [Fact]
    public void AlertMarker_RoundTrips() =>
        Assert.Equal(new AlertMarker("arn", "placeholder", "sha", "t"), RoundTrip(new AlertMarker("arn", "placeholder", "sha", "t"), StoreJsonContext.Default.AlertMarker));

    [Fact]
    public void PlaceholderTagRecord_RoundTrips() =>
        Assert.Equal(new PlaceholderTagRecord("arn", "sha", "t"), RoundTrip(new PlaceholderTagRecord("arn", "sha", "t"), StoreJsonContext.Default.PlaceholderTagRecord));

    [Fact]
    public void SweepSummary_RoundTrips()
    {
        var value = new SweepSummary("checked", "full-scan", new SweepMetrics(3, 1, 1, 0, 1, 0));

        Assert.Equal(value, RoundTrip(value, FunctionJsonContext.Default.SweepSummary));
    }

    [Fact]
    public void SweepAlertDocument_RoundTrips_WithCamelCaseNames()
    {
        var value = new SweepAlertDocument(1, "guard.placeholder.overdue", "fn", "arn", "1", "us-east-1", "alert", "sha", "fn is still a placeholder", "https://console", 75, "me", "t", "CreateFunction20150331", null);

        var json = JsonSerializer.Serialize(value, FunctionJsonContext.Default.SweepAlertDocument);

        Assert.Contains("\"pendingMinutes\":75", json, StringComparison.Ordinal);
        Assert.Equal(value, RoundTrip(value, FunctionJsonContext.Default.SweepAlertDocument));
    }

    [Fact]
    public void SweepMetricsLine_IsEmbeddedMetricFormat()
    {
        var line = SweepMetricsLine.Create(DateTimeOffset.UnixEpoch, "placeholder-sweep", new SweepMetrics(Examined: 2, AlertsSent: 1));

        var json = JsonSerializer.Serialize(line, FunctionJsonContext.Default.SweepMetricsLine);

        Assert.Contains("\"Task\":\"placeholder-sweep\"", json, StringComparison.Ordinal);
        Assert.Contains("\"Dimensions\":[[\"Task\"]]", json, StringComparison.Ordinal);
        Assert.Contains("\"SweepAlertsSent\":1", json, StringComparison.Ordinal);
        Assert.Equal(line.AlertsSent, RoundTrip(line, FunctionJsonContext.Default.SweepMetricsLine).AlertsSent);
    }
}
