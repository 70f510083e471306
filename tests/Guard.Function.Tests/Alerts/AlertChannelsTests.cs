using System.Globalization;
using System.Text.Json;
using Guard.Aws.SecurityHub;
using Guard.Function.Alerts;
using Guard.Function.Logging;
using Guard.Function.Tests.Scheduled;
using Guard.Function.Tests.Support;
using Guard.Inspection.Reporting;
using Guard.Inspection.Rules;
using Json.Schema;

namespace Guard.Function.Tests.Alerts;

/// <summary>One alert, every channel: each test sends the same broken deploy through one sender and looks at one channel.</summary>
public sealed class AlertChannelsTests : IDisposable
{
    private const string FunctionArn = "arn:aws:lambda:us-east-1:266106314375:function:orders-api";

    private readonly RecordingSnsPublisher _sns = new();
    private readonly RecordingSlackPoster _slack = new();
    private readonly SecurityHubStandIn _hub = new();
    private readonly RecordingEventPublisher _events = new();
    private readonly List<(string Account, string Region)> _hubsAsked = [];
    private readonly StringWriter _output = new();
    private readonly Alert _alert = DeployAlertComposer.Compose(DeployAlertComposerTests.Alert());

    private static CancellationToken Cancel => TestContext.Current.CancellationToken;

    public void Dispose() => _output.Dispose();

    [Fact]
    public async Task Send_BrokenDeploy_SnsCarriesTheAlertsSubjectAndText()
    {
        var sent = await Sender().SendAsync(_alert, Cancel);

        Assert.Equal(4, sent);
        var published = Assert.Single(_sns.Published);
        Assert.Equal(_alert.Subject, published.Subject);
        using var structure = JsonDocument.Parse(published.Message);
        Assert.Equal(_alert.Text, structure.RootElement.GetProperty("default").GetString());
        Assert.Equal(_alert.Document, structure.RootElement.GetProperty("sqs").GetString());
    }

    [Fact]
    public async Task Send_BrokenDeploy_SlackCarriesTheAlertsSubjectAndChatDescription()
    {
        await Sender().SendAsync(_alert, Cancel);

        var posted = Assert.Single(_slack.Posted);
        Assert.Equal(_alert.Subject, posted.Text);
        Assert.Equal(_alert.Chat.Content.Description, posted.Blocks[1].Text!.Text);
    }

    [Fact]
    public async Task Send_BrokenDeploy_SecurityHubHoldsOneActiveFindingPerProblemInTheFunctionsAccount()
    {
        await Sender().SendAsync(_alert, Cancel);

        Assert.Equal([("266106314375", "us-east-1")], _hubsAsked);
        var finding = Assert.Single(_hub.Findings);
        var leading = _alert.Verdict!.Findings[0];
        Assert.Equal($"{FunctionArn}/{leading.Code}", finding.Id);
        Assert.Equal(FindingText.OneLine(leading), finding.Description);
        Assert.Equal(AsffFinding.Active, finding.RecordState);
        Assert.Equal("arn:aws:securityhub:us-east-1:266106314375:product/266106314375/default", finding.ProductArn);
        Assert.Equal("266106314375", finding.AwsAccountId);
        Assert.Equal(FunctionArn, Assert.Single(finding.Resources).Id);
    }

    [Fact]
    public async Task Send_BrokenDeploy_EventBridgeCarriesTheAlertsVerdict()
    {
        await Sender().SendAsync(_alert, Cancel);

        var entry = Assert.Single(_events.Put);
        Assert.Equal(("guard", "Guard Verdict", "guard-verdicts"), (entry.Source, entry.DetailType, entry.EventBusName));
        Assert.Equal([FunctionArn], entry.Resources);
        var detail = JsonSerializer.Deserialize(entry.Detail, FunctionJsonContext.Default.FunctionVerdict)!;
        Assert.Equal(_alert.Verdict!.FunctionArn, detail.FunctionArn);
        Assert.Equal("broken", detail.Verdict);
        Assert.Equal(_alert.Verdict.Findings.Select(f => f.Code), detail.Findings.Select(f => f.Code));
    }

    [Fact]
    public async Task Send_BrokenDeployAndOkVerdict_EventDetailsMatchThePublishedSchema()
    {
        var schema = JsonSchema.FromText(File.ReadAllText(Path.Combine(AppContext.BaseDirectory, "schemas", "guard-verdict.schema.json")));
        var sender = Sender();
        await sender.SendAsync(_alert, Cancel);
        await sender.RecordAsync(_alert.Verdict! with { Verdict = "ok", Findings = [], Origin = FunctionVerdict.DeployOrigin }, Cancel);

        Assert.Equal(2, _events.Put.Count);
        foreach (var entry in _events.Put)
        {
            using var detail = JsonDocument.Parse(entry.Detail);
            var result = schema.Evaluate(detail.RootElement, new EvaluationOptions { OutputFormat = OutputFormat.List });
            Assert.True(result.IsValid, $"{entry.Detail} does not match schemas/guard-verdict.schema.json: " +
                string.Join("; ", (result.Details ?? []).Where(d => d.Errors is { Count: > 0 }).SelectMany(d => d.Errors!.Select(e => $"{d.InstanceLocation} {e.Key}: {e.Value}"))));
        }
    }

    [Fact]
    public async Task Record_LaterOkVerdict_ArchivesTheFindingAndAlertsNobody()
    {
        var sender = Sender();
        await sender.SendAsync(_alert, Cancel);
        var fixedVerdict = _alert.Verdict! with { Verdict = "ok", Findings = [], CodeSha256 = "fixed=" };

        var recorded = await sender.RecordAsync(fixedVerdict, Cancel);

        Assert.Equal(2, recorded);
        Assert.Equal(AsffFinding.Archived, Assert.Single(_hub.Findings).RecordState);
        Assert.Single(_sns.Published);
        Assert.Single(_slack.Posted);
        Assert.Equal("ok", JsonSerializer.Deserialize(_events.Put[^1].Detail, FunctionJsonContext.Default.FunctionVerdict)!.Verdict);
    }

    [Fact]
    public async Task Send_SameProblemSeenAgain_UpdatesTheOneFindingAndKeepsItsCreatedAt()
    {
        var clock = new ManualClock(DateTimeOffset.Parse("2026-12-06T09:00:00Z", CultureInfo.InvariantCulture));
        var sender = Sender(clock);
        await sender.SendAsync(_alert, Cancel);
        var first = Assert.Single(_hub.Findings);
        clock.Now = clock.Now.AddHours(1);

        await sender.SendAsync(_alert with { Verdict = _alert.Verdict! with { ObservedAt = "2026-12-06T09:59:00Z" } }, Cancel);

        var again = Assert.Single(_hub.Findings);
        Assert.Equal(first.CreatedAt, again.CreatedAt);
        Assert.Equal("2026-12-06T10:00:00.000Z", again.UpdatedAt);
    }

    [Fact]
    public async Task Send_SecurityHubRefuses_OtherChannelsStillCarryItAndTheMissIsLogged()
    {
        _hub.FailWith = new Guard.Aws.Http.AwsServiceException("InvalidAccessException", 401, "Account is not subscribed to AWS Security Hub");

        var sent = await Sender().SendAsync(_alert, Cancel);

        Assert.Equal(3, sent);
        Assert.Contains("Security Hub could not be updated", _output.ToString(), StringComparison.Ordinal);
    }

    [Fact]
    public void Findings_BrokenDeploy_EveryAsffRequiredFieldPresentAndWellFormed()
    {
        var now = "2026-12-06T09:00:00.000Z";
        var productArn = AsffFinding.DefaultProductArn("aws", "us-east-1", "266106314375");
        var verdict = _alert.Verdict! with { Findings = [.. _alert.Verdict.Findings, new Finding("RUNTIME_DEPRECATED", Severity.Warning, new string('w', 2000), new string('h', 900))] };

        var body = SecurityHubClient.ImportRequestBody(SecurityHubAlertChannel.Findings(verdict, productArn, now));

        using var document = JsonDocument.Parse(body);
        var findings = document.RootElement.GetProperty("Findings").EnumerateArray().ToArray();
        Assert.Equal(2, findings.Length);
        foreach (var finding in findings)
        {
            foreach (var field in AsffFinding.RequiredFields)
            {
                Assert.True(finding.TryGetProperty(field, out var value) && value.ValueKind != JsonValueKind.Null, $"ASFF requires {field}");
            }

            // https://docs.aws.amazon.com/securityhub/latest/userguide/securityhub-findings-format-syntax.html
            Assert.Equal("2018-10-08", finding.GetProperty("SchemaVersion").GetString());
            Assert.Matches("^arn:aws:securityhub:us-east-1:([0-9]{12}):product/\\1/default$", finding.GetProperty("ProductArn").GetString());
            Assert.Matches("^[0-9]{12}$", finding.GetProperty("AwsAccountId").GetString());
            Assert.All(finding.GetProperty("Types").EnumerateArray(), type => Assert.Matches("^(Software and Configuration Checks|TTPs|Effects|Unusual Behaviors|Sensitive Data Identifications)/[^/]+(/[^/]+)?$", type.GetString()));
            foreach (var time in new[] { "CreatedAt", "UpdatedAt" })
            {
                Assert.True(DateTimeOffset.TryParseExact(finding.GetProperty(time).GetString(), "yyyy-MM-dd'T'HH:mm:ss.fff'Z'", CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal, out _), time);
            }

            Assert.Contains(finding.GetProperty("Severity").GetProperty("Label").GetString(), new[] { "INFORMATIONAL", "LOW", "MEDIUM", "HIGH", "CRITICAL" });
            Assert.InRange(finding.GetProperty("Title").GetString()!.Length, 1, 256);
            Assert.InRange(finding.GetProperty("Description").GetString()!.Length, 1, 1024);
            Assert.InRange(finding.GetProperty("Remediation").GetProperty("Recommendation").GetProperty("Text").GetString()!.Length, 1, 512);
            var resource = Assert.Single(finding.GetProperty("Resources").EnumerateArray().ToArray());
            Assert.Equal("AwsLambdaFunction", resource.GetProperty("Type").GetString());
            Assert.InRange(body.Length, 1, 240 * 1024);
        }
    }

    [Fact]
    public async Task Send_MemberAccountFunction_ImportedIntoTheMemberAccountUnderItsOwnProduct()
    {
        var memberArn = "arn:aws:lambda:eu-west-1:111122223333:function:payments";
        var alert = _alert with { Verdict = _alert.Verdict! with { FunctionArn = memberArn, Account = "111122223333", Region = "eu-west-1" } };

        await Sender().SendAsync(alert, Cancel);

        Assert.Equal([("111122223333", "eu-west-1")], _hubsAsked);
        var finding = Assert.Single(_hub.Findings);
        Assert.Equal("arn:aws:securityhub:eu-west-1:111122223333:product/111122223333/default", finding.ProductArn);
        Assert.Equal("111122223333", finding.AwsAccountId);
    }

    private AlertSender Sender(TimeProvider? time = null)
    {
        var log = new GuardLog(_output, TimeProvider.System);
        return new AlertSender(
            [
                new SnsAlertChannel(_sns, DeployHarness.TopicArn, log),
                new SlackAlertChannel(_slack),
                new SecurityHubAlertChannel((account, region) => { _hubsAsked.Add((account, region)); return _hub; }, log, time ?? TimeProvider.System),
                new EventBridgeAlertChannel(_events, "guard-verdicts", log),
            ],
            log);
    }
}
