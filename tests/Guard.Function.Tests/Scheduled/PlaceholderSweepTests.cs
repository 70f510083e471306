using Guard.Testing;
using System.Text.Json;
using Guard.Aws.Http;
using Guard.Aws.Store;
using Guard.Function.Alerts;
using Guard.Function.Deploys;
using Guard.Function.Logging;
using Guard.Function.Scheduled;
using Guard.Function.Tests.Support;

namespace Guard.Function.Tests.Scheduled;

public sealed class PlaceholderSweepTests : IDisposable
{
    private static readonly TimeSpan Grace = TimeSpan.FromMinutes(60);

    private static CancellationToken Cancel => TestContext.Current.CancellationToken;

    private readonly ManualClock _clock = new(new DateTimeOffset(2026, 3, 2, 12, 0, 0, TimeSpan.Zero));
    private readonly FunctionCatalogStandIn _lambda = new();
    private readonly InMemoryGuardStore _store = new();
    private readonly RecordingSnsPublisher _sns = new();
    private readonly StringWriter _output = new();
    private readonly PlaceholderSweep _sweep;

    public PlaceholderSweepTests()
    {
        var log = new GuardLog(_output, _clock);
        var options = new GuardOptions(GuardMode.Alert, DeployHarness.TopicArn, "guard-store", new HashSet<string>(), Grace, null, null);
        _sweep = new PlaceholderSweep(_lambda, _store, new AlertSender([new SnsAlertChannel(_sns, DeployHarness.TopicArn, log)], log), options, CloudTrailEvents.Region, log, _clock);
    }

    public void Dispose() => _output.Dispose();

    [Fact]
    public async Task Run_GraceNotElapsed_NoLookupAndNoAlert()
    {
        var function = _lambda.Add("young", Packages.DummyPlaceholder());
        _store.AddPending(function, _clock.Now - TimeSpan.FromMinutes(59));

        var summary = await _sweep.RunAsync(Cancel);

        Assert.Equal(1, summary.Metrics.Examined);
        Assert.Equal(0, _lambda.GetFunctionCalls);
        Assert.Empty(_sns.Published);
        Assert.Single(_store.Objects);
    }

    [Fact]
    public async Task Run_GraceElapsed_AlertsOnceThenNeverAgainForTheSameCode()
    {
        var function = _lambda.Add("stuck", Packages.DummyPlaceholder());
        _store.AddPending(function, _clock.Now - TimeSpan.FromMinutes(75));

        var first = await _sweep.RunAsync(Cancel);
        _clock.Advance(TimeSpan.FromMinutes(15));
        var second = await _sweep.RunAsync(Cancel);

        var alert = Assert.Single(_sns.Published);
        Assert.Equal("Guard: stuck still a placeholder after 75 min", alert.Subject);
        Assert.Equal("guard.placeholder.overdue", alert.StringAttributes!["guard.sweep"]);
        using var structure = JsonDocument.Parse(alert.Message);
        Assert.Contains("still a placeholder after 75 minutes", structure.RootElement.GetProperty("default").GetString(), StringComparison.Ordinal);
        using var document = JsonDocument.Parse(structure.RootElement.GetProperty("sqs").GetString()!);
        Assert.Equal(function.Configuration.CodeSha256, document.RootElement.GetProperty("codeSha256").GetString());
        Assert.Equal("arn:aws:iam::266106314375:user/deployer", document.RootElement.GetProperty("deployedBy").GetString());
        Assert.Equal(1, first.Metrics.AlertsSent);
        Assert.Equal(0, second.Metrics.AlertsSent);
        Assert.Single(_store.Markers);
        Assert.Contains(_store.Objects.Keys, k => k.StartsWith("pending/", StringComparison.Ordinal));
    }

    [Fact]
    public async Task Run_FunctionDeleted_DropsTheRecordWithoutAlert()
    {
        var function = _lambda.Add("gone", Packages.DummyPlaceholder());
        var key = _store.AddPending(function, _clock.Now - TimeSpan.FromHours(3));
        var stranger = new FunctionCatalogStandIn();
        var options = new GuardOptions(GuardMode.Alert, null, "guard-store", new HashSet<string>(), Grace, null, null);
        var log = new GuardLog(_output, _clock);
        var sweep = new PlaceholderSweep(stranger, _store, new AlertSender([new SnsAlertChannel(_sns, DeployHarness.TopicArn, log)], log), options, CloudTrailEvents.Region, log, _clock);

        var summary = await sweep.RunAsync(Cancel);

        Assert.Equal(1, summary.Metrics.Dropped);
        Assert.DoesNotContain(key.PendingKey, _store.Objects.Keys);
        Assert.Empty(_sns.Published);
    }

    [Fact]
    public async Task Run_CodeChangedSince_DropsTheRecordWithoutAlert()
    {
        var placeholder = _lambda.Add("moved-on", Packages.DummyPlaceholder());
        var key = _store.AddPending(placeholder, _clock.Now - TimeSpan.FromHours(2));
        _lambda.Add("moved-on", Packages.GoodX8664("real"));

        var summary = await _sweep.RunAsync(Cancel);

        Assert.Equal(1, summary.Metrics.Dropped);
        Assert.DoesNotContain(key.PendingKey, _store.Objects.Keys);
        Assert.Empty(_sns.Published);
    }

    [Fact]
    public async Task Run_PublishFails_MarkerClearedSoTheRetryAlerts()
    {
        var function = _lambda.Add("retry", Packages.DummyPlaceholder());
        _store.AddPending(function, _clock.Now - TimeSpan.FromHours(2));
        _sns.FailWith = new AwsServiceException("Throttling", 400, "slow down");

        await Assert.ThrowsAsync<AwsServiceException>(() => _sweep.RunAsync(Cancel));
        Assert.Empty(_store.Markers);

        _sns.FailWith = null;
        var summary = await _sweep.RunAsync(Cancel);

        Assert.Equal(1, summary.Metrics.AlertsSent);
        Assert.Single(_sns.Published);
    }

    [Fact]
    public async Task Run_TransientLookupFailure_Throws()
    {
        var function = _lambda.Add("throttled", Packages.DummyPlaceholder());
        _store.AddPending(function, _clock.Now - TimeSpan.FromHours(2));
        _lambda.FailWith = new AwsServiceException("TooManyRequestsException", 429, "Rate exceeded");

        await Assert.ThrowsAsync<AwsServiceException>(() => _sweep.RunAsync(Cancel));
    }

    [Fact]
    public async Task Run_PermanentLookupFailure_LoggedCountedAndRecordKept()
    {
        var function = _lambda.Add("denied", Packages.DummyPlaceholder());
        var key = _store.AddPending(function, _clock.Now - TimeSpan.FromHours(2));
        _lambda.FailWith = new AwsServiceException("AccessDeniedException", 403, "not authorized");

        var summary = await _sweep.RunAsync(Cancel);

        Assert.Equal(1, summary.Metrics.Errors);
        Assert.Contains(key.PendingKey, _store.Objects.Keys);
        Assert.Contains("AccessDeniedException", _output.ToString(), StringComparison.Ordinal);
        Assert.Contains("\"SweepErrors\":1", _output.ToString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Run_GuardOffByTag_NoAlert()
    {
        var function = _lambda.Add("quiet", Packages.DummyPlaceholder(), tags: new Dictionary<string, string> { ["guard:mode"] = "off" });
        _store.AddPending(function, _clock.Now - TimeSpan.FromHours(2));

        await _sweep.RunAsync(Cancel);

        Assert.Empty(_sns.Published);
        Assert.Empty(_store.Markers);
    }

    [Fact]
    public async Task Run_RecordFromAnotherRegion_LeftForThatRegion()
    {
        var function = _lambda.Add("elsewhere", Packages.DummyPlaceholder());
        var key = _store.AddPending(function, _clock.Now - TimeSpan.FromHours(2));
        var record = _store.Objects[key.PendingKey];
        _store.Objects.TryRemove(key.PendingKey, out _);
        _store.Objects[(key with { Region = "eu-west-1" }).PendingKey] = record;

        await _sweep.RunAsync(Cancel);

        Assert.Equal(0, _lambda.GetFunctionCalls);
        Assert.Empty(_sns.Published);
    }

    [Theory]
    [InlineData(59, false)]
    [InlineData(60, true)]
    [InlineData(61, true)]
    public void IsDue_AgainstTheGracePeriod_FromItsEnd(int minutes, bool due) =>
        Assert.Equal(due, SweepRules.IsDue(TimeSpan.FromMinutes(minutes), Grace));

    [Fact]
    public void AlertedKey_Base64Digest_IsHexSoItIsNoPath()
    {
        var key = new FunctionKey("1", "us-east-1", "fn").AlertedKey(AlertProblems.OverduePlaceholder, "Pt1c8vVaBygmNtAeSyjlpdy7r8nHRqJAAL++HEGlQkc=");

        Assert.Equal("alerted/1/us-east-1/fn/placeholder-3edd5cf2f55a07282636d01e4b28e5a5dcbbafc9c746a24000bfbe1c41a54247.json", key);
    }

    [Theory]
    [InlineData("pending/1/us-east-1/fn.json", "fn")]
    [InlineData("pending/1/us-east-1/nested/fn.json", null)]
    [InlineData("good/1/us-east-1/fn.json", null)]
    public void FromPendingKey_OnlyPendingRecords(string key, string? name) =>
        Assert.Equal(name, FunctionKey.FromPendingKey(key)?.FunctionName);
}
