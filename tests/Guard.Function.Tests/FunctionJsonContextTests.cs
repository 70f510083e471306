using System.Text.Json;
using System.Text.Json.Serialization.Metadata;
using Guard.Function.Alerts;
using Guard.Function.Logging;
using Guard.Function.Routing;
using Guard.Function.RuntimeApi;
using Guard.Function.Tests.Support;
using Guard.Inspection.Reporting;
using Guard.Inspection.Rules;

namespace Guard.Function.Tests;

/// <summary>One round trip per root type of <see cref="FunctionJsonContext"/>: what AOT would serialize, without reflection.</summary>
public sealed class FunctionJsonContextTests
{
    private static T RoundTrip<T>(T value, JsonTypeInfo<T> info)
    {
        var json = JsonSerializer.Serialize(value, info);
        return JsonSerializer.Deserialize(json, info)!;
    }

    private static Report SampleReport() => new(1, "s3://b/k", Verdict.Broken, "provided.al2023", "x86_64",
        new BootstrapSummary("bootstrap", "function", "elf", "x86_64", "static", null, null, "0755", 10),
        [Findings.BootstrapEmpty("bootstrap")], new ReadStats(1, 2, 3));

    [Fact]
    public void CloudTrailEvent_RealRecord_RoundTrips()
    {
        var parsed = JsonSerializer.Deserialize(CloudTrailEvents.Verbatim(), FunctionJsonContext.Default.CloudTrailEvent)!;

        var again = RoundTrip(parsed, FunctionJsonContext.Default.CloudTrailEvent);

        Assert.Equal(parsed.Detail!.UserIdentity, again.Detail!.UserIdentity);
        Assert.Equal(parsed.Detail.ResponseElements, again.Detail.ResponseElements);
        Assert.Equal("AWS API Call via CloudTrail", again.DetailType);
    }

    [Theory]
    [InlineData("UpdateFunctionCode20150331v2")]
    [InlineData("CreateFunction20150331")]
    public void CloudTrailEvent_AssumedRoleDeployFromS3_RoundTripsSessionAndSource(string eventName)
    {
        var json = CloudTrailEvents.Deploy(
            eventName, "fn", "sha", identityArn: "arn:aws:sts::1:assumed-role/ci/run", sessionIssuerArn: "arn:aws:iam::1:role/ci", s3Code: ("artifacts", "fn.zip", "v1"));
        var parsed = JsonSerializer.Deserialize(json, FunctionJsonContext.Default.CloudTrailEvent)!;

        var again = RoundTrip(parsed, FunctionJsonContext.Default.CloudTrailEvent);

        Assert.Equal("arn:aws:iam::1:role/ci", again.Detail!.UserIdentity!.SessionContext!.SessionIssuer!.Arn);
        Assert.Equal(parsed.Detail!.UserIdentity, again.Detail.UserIdentity);
        Assert.Equal(parsed.Detail.RequestParameters, again.Detail.RequestParameters);
    }

    [Fact]
    public void RuntimeError_RoundTrips_WithRuntimeApiNames()
    {
        var error = new RuntimeError("boom", "InvalidOperationException", ["at A", "at B"]);

        var json = JsonSerializer.Serialize(error, FunctionJsonContext.Default.RuntimeError);

        Assert.Equal("""{"errorMessage":"boom","errorType":"InvalidOperationException","stackTrace":["at A","at B"]}""", json);
        Assert.Equal(error.StackTrace, RoundTrip(error, FunctionJsonContext.Default.RuntimeError).StackTrace);
    }

    [Fact]
    public void Acknowledgement_RoundTrips()
    {
        var value = new Acknowledgement("stale", "newer code", "fn", "e");

        Assert.Equal(value, RoundTrip(value, FunctionJsonContext.Default.Acknowledgement));
    }

    [Fact]
    public void LogEntry_RoundTrips_AndOmitsEmptyFields()
    {
        var value = new LogEntry("2024-01-01T00:00:00.000Z", "INFO", "m", null, "fn", null, "broken", null, null, null, null);

        var json = JsonSerializer.Serialize(value, FunctionJsonContext.Default.LogEntry);

        Assert.DoesNotContain("requestId", json, StringComparison.Ordinal);
        Assert.Equal(value, RoundTrip(value, FunctionJsonContext.Default.LogEntry));
    }

    [Fact]
    public void MetricsLine_RoundTrips_InEmfShape()
    {
        var value = MetricsLine.Create(DateTimeOffset.FromUnixTimeMilliseconds(1_700_000_000_000), "alert", new DeployMetrics(1, 1, 0, 1, RolledBack: 1));

        var json = JsonSerializer.Serialize(value, FunctionJsonContext.Default.MetricsLine);
        var again = JsonSerializer.Deserialize(json, FunctionJsonContext.Default.MetricsLine)!;

        Assert.StartsWith("""{"_aws":{"Timestamp":1700000000000,"CloudWatchMetrics":[{"Namespace":"Guard","Dimensions":[["Mode"]],"Metrics":[{"Name":"DeploysChecked","Unit":"Count"}""", json, StringComparison.Ordinal);
        Assert.Contains("\"Mode\":\"alert\",\"DeploysChecked\":1,\"Broken\":1,\"Placeholders\":0,\"AlertsSent\":1,\"RolledBack\":1}", json, StringComparison.Ordinal);
        Assert.Equal(value.AlertsSent, again.AlertsSent);
        Assert.Contains("{\"Name\":\"RolledBack\",\"Unit\":\"Count\"}", json, StringComparison.Ordinal);
    }

    [Fact]
    public void FunctionVerdict_RoundTrips_AsTheDocumentedEventDetail()
    {
        var value = new FunctionVerdict("arn:aws:lambda:us-east-1:266106314375:function:f", "f", "266106314375", "us-east-1", "broken", FunctionVerdict.DeployOrigin, "alert",
            "provided.al2023", "arm64", "abc=", [new Inspection.Rules.Finding("BOOTSTRAP_MISSING", Inspection.Rules.Severity.Error, "no bootstrap", "add one")], "2026-12-06T09:00:00Z", "e1");

        var json = JsonSerializer.Serialize(value, FunctionJsonContext.Default.FunctionVerdict);
        var again = JsonSerializer.Deserialize(json, FunctionJsonContext.Default.FunctionVerdict)!;

        Assert.Contains("\"schemaVersion\":1", json, StringComparison.Ordinal);
        Assert.Contains("{\"code\":\"BOOTSTRAP_MISSING\",\"severity\":\"error\",\"message\":\"no bootstrap\",\"hint\":\"add one\"}", json, StringComparison.Ordinal);
        Assert.Equal(value.FunctionArn, again.FunctionArn);
        Assert.Equal("BOOTSTRAP_MISSING", Assert.Single(again.Findings).Code);
    }

    [Fact]
    public void SnsMessageStructure_RoundTrips_WithProtocolKeys()
    {
        var value = new SnsMessageStructure("d", "e", "h", "s", "l");

        Assert.Equal("""{"default":"d","email":"e","https":"h","sqs":"s","lambda":"l"}""", JsonSerializer.Serialize(value, FunctionJsonContext.Default.SnsMessageStructure));
        Assert.Equal(value, RoundTrip(value, FunctionJsonContext.Default.SnsMessageStructure));
    }

    [Fact]
    public void ChatbotNotification_RoundTrips()
    {
        var value = new ChatbotNotification("1.0", "custom", "id", new ChatbotContent("client-markdown", "t", "d", ["n"], ["k"]),
            new ChatbotMetadata("thread", "s", "e", ["arn"], new Dictionary<string, string> { ["a"] = "b" }));

        var again = RoundTrip(value, FunctionJsonContext.Default.ChatbotNotification);

        Assert.Equal("thread", again.Metadata.ThreadId);
        Assert.Equal("b", again.Metadata.AdditionalContext["a"]);
        Assert.Equal(["n"], again.Content.NextSteps);
    }

    [Fact]
    public void AlertDocument_RoundTrips_WithTheReport()
    {
        var value = new AlertDocument(1, AlertDocument.BrokenDeployType, "fn", "arn", "1", "us-east-1", "e", "n", "t", new Deployer("a", "IAMUser", null), "alert", "sha", null, "url", SampleReport());

        var again = RoundTrip(value, FunctionJsonContext.Default.AlertDocument);

        Assert.Equal(value.Report.Findings, again.Report.Findings);
        Assert.Equal(value.Report.Bootstrap, again.Report.Bootstrap);
        Assert.Equal(value.DeployedBy, again.DeployedBy);
    }

    [Fact]
    public void SlackMessage_RoundTrips()
    {
        var value = new SlackMessage("fallback", [new SlackBlock("header", new SlackText("plain_text", "h")), new SlackBlock("context", Elements: [new SlackText("mrkdwn", "c")])]);

        var again = RoundTrip(value, FunctionJsonContext.Default.SlackMessage);

        Assert.Equal("h", again.Blocks[0].Text!.Text);
        Assert.Equal("c", again.Blocks[1].Elements![0].Text);
    }
}
