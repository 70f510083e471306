using System.Text;
using System.Text.Json;
using Guard.Function.Logging;
using Guard.Function.Routing;
using Guard.Function.RuntimeApi;
using Guard.Function.Tests.Support;

namespace Guard.Function.Tests.Routing;

public sealed class EventRouterTests
{
    private static RoutedEvent Classify(string json)
    {
        using var document = JsonDocument.Parse(json);
        var routed = EventRouter.Classify(document.RootElement);
        return routed with { Root = default };
    }

    [Theory]
    [InlineData("CreateFunction20150331")]
    [InlineData("UpdateFunctionCode20150331v2")]
    [InlineData("UpdateFunctionConfiguration20150331v2")]
    [InlineData("UpdateFunctionCode")]
    [InlineData("CreateFunction20990101v7")]
    [InlineData("PublishVersion20150331")]
    public void Classify_DeployCallWithAnySuffix_IsDeploy(string eventName)
    {
        var routed = Classify(CloudTrailEvents.Deploy(eventName, "fn", "sha"));

        Assert.Equal(EventKind.Deploy, routed.Kind);
        Assert.Equal(eventName, routed.CloudTrail!.Detail!.EventName);
    }

    [Theory]
    [InlineData("CreateFunctionUrlConfig20211031")]
    [InlineData("UpdateFunctionUrlConfig20211031")]
    [InlineData("UpdateFunctionEventInvokeConfig20190925")]
    [InlineData("TagResource20170331v2")]
    [InlineData("AddPermission20150331v2")]
    [InlineData("PublishLayerVersion20181031")]
    public void Classify_OtherLambdaCall_IsNotDeploy(string eventName)
    {
        Assert.Equal(EventKind.OtherLambdaCall, Classify(CloudTrailEvents.Deploy(eventName, "fn", "sha")).Kind);
    }

    [Fact]
    public void Classify_PublishVersionToLatestPublished_IsDeployNamingTheVersionItMade()
    {
        var routed = Classify(ManagedInstancesEvents.PublishVersion("orders-api", "abc="));

        Assert.Equal(EventKind.Deploy, routed.Kind);
        Assert.Equal(("$LATEST.PUBLISHED", "abc="), (routed.CloudTrail!.Detail!.ResponseElements!.Version, routed.CloudTrail.Detail.ResponseElements.CodeSha256));
    }

    [Fact]
    public void Classify_CreateFunctionOnACapacityProvider_IsDeploy()
    {
        var routed = Classify(ManagedInstancesEvents.CreateOnCapacityProvider("orders-api", "abc="));

        Assert.Equal(EventKind.Deploy, routed.Kind);
        Assert.Equal("orders-api", routed.CloudTrail!.Detail!.RequestParameters!.FunctionName);
    }

    [Fact]
    public void Classify_RealRecordVerbatim_IsDeployWithItsFields()
    {
        var routed = Classify(CloudTrailEvents.Verbatim());

        Assert.Equal(EventKind.Deploy, routed.Kind);
        var detail = routed.CloudTrail!.Detail!;
        Assert.Equal("4672b74f-2466-4784-b3fb-5b4db904a995", detail.EventId);
        Assert.Equal("Pt1c8vVaBygmNtAeSyjlpdy7r8nHRqJAAL++HEGlQkc=", detail.ResponseElements!.CodeSha256);
        Assert.Equal("arn:aws:iam::266106314375:user/christophe", detail.UserIdentity!.Arn);
        Assert.Equal("IAMUser", detail.UserIdentity.Type);
        Assert.Equal("2024-08-01T13:52:02Z", detail.EventTime);
    }

    [Fact]
    public void Classify_DeployByAssumedRole_CarriesTheSessionIssuer()
    {
        var routed = Classify(CloudTrailEvents.Deploy(
            "UpdateFunctionCode20150331v2", "fn", "sha", identityArn: "arn:aws:sts::1:assumed-role/ci/run", sessionIssuerArn: "arn:aws:iam::1:role/ci"));

        var identity = routed.CloudTrail!.Detail!.UserIdentity!;
        Assert.Equal("AssumedRole", identity.Type);
        Assert.Equal("arn:aws:iam::1:role/ci", identity.SessionContext!.SessionIssuer!.Arn);
    }

    [Fact]
    public void Classify_DeployWhoseCodeFieldIsRedacted_IsStillADeployWithoutAnOrigin()
    {
        // CloudTrail replaces some request fields with a string; one Guard reads only for extras must not drop the event.
        var json = CloudTrailEvents.Deploy("CreateFunction20150331", "fn", "sha")
            .Replace("\"functionName\":\"fn\"", "\"functionName\":\"fn\",\"code\":\"HIDDEN_DUE_TO_SECURITY_REASONS\"", StringComparison.Ordinal);
        Assert.Contains("HIDDEN_DUE_TO_SECURITY_REASONS", json, StringComparison.Ordinal);

        var routed = Classify(json);

        Assert.Equal(EventKind.Deploy, routed.Kind);
        Assert.Null(routed.CloudTrail!.Detail!.RequestParameters!.Code);
    }

    [Fact]
    public void Classify_FailedCall_IsIgnoredAsFailed()
    {
        var routed = Classify(CloudTrailEvents.Deploy("UpdateFunctionCode20150331v2", "fn", "sha", errorCode: "AccessDenied"));

        Assert.Equal(EventKind.FailedCall, routed.Kind);
        Assert.Contains("AccessDenied", routed.Description, StringComparison.Ordinal);
    }

    [Fact]
    public void Classify_CloudTrailFromAnotherService_IsUnknown()
    {
        var json = CloudTrailEvents.Deploy("UpdateFunctionCode20150331v2", "fn", "sha").Replace("\"source\":\"aws.lambda\"", "\"source\":\"aws.s3\"", StringComparison.Ordinal);

        Assert.Equal(EventKind.Unknown, Classify(json).Kind);
    }

    [Fact]
    public void Classify_CustomResourceRequest_IsCustomResource()
    {
        var routed = Classify("""{"RequestType":"Create","ResponseURL":"https://cloudformation-custom-resource-response-useast1.s3.amazonaws.com/x","StackId":"s","RequestId":"r","LogicalResourceId":"Check","ResourceType":"Custom::BootstrapCheck","ResourceProperties":{}}""");

        Assert.Equal(EventKind.CustomResource, routed.Kind);
    }

    [Fact]
    public void Classify_HookRequest_IsHook()
    {
        var routed = Classify("""{"awsAccountId":"1","stackId":"s","hookTypeName":"Guard::Lambda::Hook","actionInvocationPoint":"CREATE_PRE_PROVISION","requestData":{"targetName":"AWS::Lambda::Function"},"clientRequestToken":"t"}""");

        Assert.Equal(EventKind.Hook, routed.Kind);
    }

    [Fact]
    public void Classify_ScheduledEvent_IsScheduled()
    {
        var routed = Classify("""{"version":"0","id":"x","detail-type":"Scheduled Event","source":"aws.events","account":"1","time":"2024-01-01T00:00:00Z","region":"us-east-1","resources":["arn:aws:events:us-east-1:1:rule/sweep"],"detail":{}}""");

        Assert.Equal(EventKind.Scheduled, routed.Kind);
    }

    [Theory]
    [InlineData("""{"hello":"world"}""")]
    [InlineData("[1,2,3]")]
    [InlineData("42")]
    [InlineData("""{"detail-type":"AWS API Call via CloudTrail","source":"aws.lambda","detail":"not an object"}""")]
    public void Classify_UnknownShapes_AreUnknown(string json)
    {
        Assert.Equal(EventKind.Unknown, Classify(json).Kind);
    }

    [Theory]
    [InlineData("not json at all")]
    [InlineData("")]
    [InlineData("{\"truncated\":")]
    public async Task Handle_GarbagePayload_AcknowledgedWithoutCallingHandlers(string payload)
    {
        var output = new StringWriter();
        var handlers = new CountingRouteHandler();
        var router = new EventRouter(handlers, handlers, handlers, handlers, new GuardLog(output, TimeProvider.System));

        var response = await router.HandleAsync(new Invocation("r", DateTimeOffset.MaxValue, null, null, Encoding.UTF8.GetBytes(payload)), TestContext.Current.CancellationToken);

        using var document = JsonDocument.Parse(response);
        Assert.Equal("ignored", document.RootElement.GetProperty("outcome").GetString());
        Assert.Equal(0, handlers.Calls);
        Assert.Contains("\"level\":\"WARN\"", output.ToString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Handle_EachKind_GoesToItsHandler()
    {
        var output = new StringWriter();
        var deploys = new CountingRouteHandler();
        var resources = new CountingRouteHandler();
        var hooks = new CountingRouteHandler();
        var scheduled = new CountingRouteHandler();
        var router = new EventRouter(deploys, resources, hooks, scheduled, new GuardLog(output, TimeProvider.System));
        var cancel = TestContext.Current.CancellationToken;

        await router.HandleAsync(Invocation(CloudTrailEvents.Deploy("CreateFunction20150331", "fn", "sha")), cancel);
        await router.HandleAsync(Invocation("""{"RequestType":"Delete","ResponseURL":"https://x/y"}"""), cancel);
        await router.HandleAsync(Invocation("""{"hookTypeName":"Guard::Hook","actionInvocationPoint":"UPDATE_PRE_PROVISION"}"""), cancel);
        await router.HandleAsync(Invocation("""{"detail-type":"Scheduled Event","source":"aws.events","detail":{}}"""), cancel);
        await router.HandleAsync(Invocation(CloudTrailEvents.Deploy("UpdateFunctionCode20150331v2", "fn", "sha", errorCode: "ResourceConflictException")), cancel);

        Assert.Equal([1, 1, 1, 1], new[] { deploys.Calls, resources.Calls, hooks.Calls, scheduled.Calls });
    }

    [Fact]
    public async Task NotHandledYet_AnyEvent_AcknowledgesAndSaysSo()
    {
        var output = new StringWriter();
        var log = new GuardLog(output, TimeProvider.System);
        var notHandled = new NotHandledYet(log);
        var router = new EventRouter(new CountingRouteHandler(), notHandled, notHandled, notHandled, log);

        var response = await router.HandleAsync(Invocation("""{"RequestType":"Create","ResponseURL":"https://x/y"}"""), TestContext.Current.CancellationToken);

        using var document = JsonDocument.Parse(response);
        Assert.Equal("not-handled", document.RootElement.GetProperty("outcome").GetString());
        Assert.Contains("not handled yet", output.ToString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Handle_SixMegabyteEventsNotGuards_AcknowledgedWithoutAHandlerOrADocument()
    {
        var handlers = new CountingRouteHandler();
        var router = new EventRouter(handlers, handlers, handlers, handlers, new GuardLog(new StringWriter(), TimeProvider.System));
        byte[][] events = [BigEvents.ApiGatewayBody(), BigEvents.SqsBatch()];

        foreach (var payload in events)
        {
            // The path for an ignored event never awaits, so the current thread's count is the whole of it.
            var before = GC.GetAllocatedBytesForCurrentThread();
            var response = await router.HandleAsync(new Invocation("r", DateTimeOffset.MaxValue, null, null, payload), TestContext.Current.CancellationToken);
            var allocated = GC.GetAllocatedBytesForCurrentThread() - before;

            using var document = JsonDocument.Parse(response);
            Assert.Equal("ignored", document.RootElement.GetProperty("outcome").GetString());
            Assert.Equal("unknown event shape", document.RootElement.GetProperty("reason").GetString());
            // A JsonDocument of the SQS batch alone rents a 6 MB-sized table of its tokens.
            Assert.True(allocated < 64 * 1024, $"acknowledging a {payload.Length:N0}-byte event allocated {allocated:N0} bytes");
        }

        Assert.Equal(0, handlers.Calls);
    }

    [Fact]
    public async Task Handle_SixMegabyteScheduledEvent_GoesToTheScheduledHandlerWithItsDetail()
    {
        var others = new CountingRouteHandler();
        var scheduled = new CountingRouteHandler();
        var router = new EventRouter(others, others, others, scheduled, new GuardLog(new StringWriter(), TimeProvider.System));

        await router.HandleAsync(new Invocation("r", DateTimeOffset.MaxValue, null, null, BigEvents.ScheduledEvent()), TestContext.Current.CancellationToken);

        Assert.Equal((0, 1), (others.Calls, scheduled.Calls));
        Assert.Equal("placeholder-sweep", scheduled.LastTask);
    }

    private static Invocation Invocation(string payload) => new("r", DateTimeOffset.MaxValue, null, null, Encoding.UTF8.GetBytes(payload));

    private sealed class CountingRouteHandler : IRouteHandler
    {
        public int Calls { get; private set; }

        /// <summary><c>detail.task</c> of the last event, read while it is handled (the document is gone after).</summary>
        public string? LastTask { get; private set; }

        public Task<ReadOnlyMemory<byte>> HandleAsync(RoutedEvent routed, CancellationToken cancellationToken)
        {
            Calls++;
            LastTask = routed.Root.ValueKind == JsonValueKind.Object && routed.Root.TryGetProperty("detail", out var detail)
                && detail.ValueKind == JsonValueKind.Object && detail.TryGetProperty("task", out var task) ? task.GetString() : null;
            return Task.FromResult<ReadOnlyMemory<byte>>("{}"u8.ToArray());
        }
    }
}
