using System.Net;
using System.Text.Json;
using System.Text.Json.Nodes;
using Guard.Function.CloudFormation;
using Guard.Function.Tests.Support;
using Guard.Testing;

namespace Guard.Function.Tests.CloudFormation;

/// <summary>
/// The hook's CHANGE_SET and CLOUD_CONTROL targets through the router: invocations and payloads in the documented shapes
/// (https://docs.aws.amazon.com/cloudformation-cli/latest/hooks-userguide/lambda-hooks-create-lambda-function.html), the
/// payload served from a presigned-looking URL on a local HTTP server.
/// </summary>
public sealed class ChangeSetHookTests : IAsyncLifetime
{
    private const string Signature = "X-Amz-Signature=c0ffee5ecret";

    private readonly LocalHttpServer _payloads = LocalHttpServer.Start();
    // Generous: a loaded test machine must not turn a good function into an unjudged one.
    private readonly StackCheckHarness _stack = new(hookBudget: TimeSpan.FromSeconds(15));

    public ValueTask InitializeAsync() => ValueTask.CompletedTask;

    public async ValueTask DisposeAsync()
    {
        await _stack.DisposeAsync();
        await _payloads.DisposeAsync();
    }

    private string Serve(params JsonObject[] changes) =>
        _payloads.Serve($"/hooks-payloads/{Guid.NewGuid():N}", StackRequests.ChangeSetPayload(changes)).AbsoluteUri
        + $"?X-Amz-Algorithm=AWS4-HMAC-SHA256&X-Amz-Expires=900&{Signature}";

    private static JsonObject Function(string key, string architecture = "x86_64", string runtime = "provided.al2023")
    {
        var properties = StackRequests.FunctionProperties(StackCheckHarness.Bucket, key, architecture, runtime);
        properties["MemorySize"] = "512";  // numbers arrive as strings in a change set's contexts
        return properties;
    }

    [Fact]
    public async Task ChangeSet_TwoFunctionsOneBroken_FailsNonCompliantNamingTheBrokenOneWithItsFix()
    {
        _stack.S3.Put(StackCheckHarness.Bucket, "orders.zip", Packages.GoodX8664());
        _stack.S3.Put(StackCheckHarness.Bucket, "billing.zip", Packages.GoodX8664());
        var url = Serve(
            StackRequests.Change("CREATE", "OrdersFunction", Function("orders.zip")),
            StackRequests.Change("UPDATE", "BillingFunction", Function("billing.zip", architecture: "arm64"), Function("billing-old.zip")));

        var answer = StackCheckHarness.Parse(await _stack.InvokeAsync(StackRequests.ChangeSetHook(url, clientRequestToken: "cs-1")));

        Assert.Equal(("FAILED", "NonCompliant", "cs-1"),
            (answer.GetProperty("hookStatus").GetString(), answer.GetProperty("errorCode").GetString(), answer.GetProperty("clientRequestToken").GetString()));
        var message = answer.GetProperty("message").GetString()!;
        Assert.StartsWith("Guard: 1 of 2 Lambda functions in the change set will not start: BillingFunction. BillingFunction (s3://orders-artifacts/billing.zip) will not start on provided.al2023 (arm64). BOOTSTRAP_WRONG_ARCH: ", message, StringComparison.Ordinal);
        Assert.Contains("Fix: ", message, StringComparison.Ordinal);
        Assert.DoesNotContain("OrdersFunction", message, StringComparison.Ordinal);
        var failed = answer.GetProperty("annotations").EnumerateArray().Where(a => a.GetProperty("status").GetString() == "FAILED").ToArray();
        var annotation = Assert.Single(failed);
        Assert.Equal("BOOTSTRAP_WRONG_ARCH", annotation.GetProperty("annotationName").GetString());
        Assert.StartsWith("BillingFunction: ", annotation.GetProperty("statusMessage").GetString(), StringComparison.Ordinal);
        Assert.Equal(2, _stack.S3.Opened);
        Assert.Equal(1, _payloads.RequestCount);
    }

    [Fact]
    public async Task ChangeSet_AllFunctionsGood_SucceedsAndSkipsWhatNeedsNoCheck()
    {
        _stack.S3.Put(StackCheckHarness.Bucket, "orders.zip", Packages.GoodX8664());
        _stack.S3.Put(StackCheckHarness.Bucket, "billing.zip", Packages.GoodX8664());
        var url = Serve(
            StackRequests.Change("CREATE", "OrdersFunction", Function("orders.zip")),
            StackRequests.Change("UPDATE", "BillingFunction", Function("billing.zip"), Function("billing-old.zip")),
            StackRequests.Change("CREATE", "ReportsFunction", Function("reports.zip", runtime: "python3.12")),
            StackRequests.Change("DELETE", "OldFunction", null, Function("old.zip")),
            StackRequests.Change("CREATE", "OrdersQueue", new JsonObject { ["QueueName"] = "orders" }, resourceType: "AWS::SQS::Queue"));

        var answer = StackCheckHarness.Parse(await _stack.InvokeAsync(StackRequests.ChangeSetHook(url)));

        Assert.Equal("SUCCESS", answer.GetProperty("hookStatus").GetString());
        Assert.False(answer.TryGetProperty("errorCode", out _));
        var message = answer.GetProperty("message").GetString()!;
        Assert.StartsWith("Guard: none of the change set's 4 Lambda functions is broken (2 checked, 2 needing no check).", message, StringComparison.Ordinal);
        Assert.Contains("OrdersFunction (s3://orders-artifacts/orders.zip) will start on provided.al2023 (x86_64)", message, StringComparison.Ordinal);
        Assert.Contains("BillingFunction (s3://orders-artifacts/billing.zip) will start", message, StringComparison.Ordinal);
        Assert.Contains("ReportsFunction: managed runtime python3.12 without layers: Lambda supplies the bootstrap and no layer brings an extension.", message, StringComparison.Ordinal);
        Assert.Contains("OldFunction: nothing to check on DELETE in a change set", message, StringComparison.Ordinal);
        Assert.DoesNotContain("OrdersQueue", message, StringComparison.Ordinal);
        Assert.Equal(2, _stack.S3.Opened);
    }

    [Fact]
    public async Task ChangeSet_ValueKnownOnlyWhenItRuns_PassesWithoutReadingAndLeavesItToTheResourceTarget()
    {
        var function = Function("orders.zip");
        function["Layers"] = new JsonArray("{{changeSet:KNOWN_AFTER_APPLY}}");
        var url = Serve(StackRequests.Change("CREATE", "OrdersFunction", function));

        var answer = StackCheckHarness.Parse(await _stack.InvokeAsync(StackRequests.ChangeSetHook(url)));

        Assert.Equal("SUCCESS", answer.GetProperty("hookStatus").GetString());
        Assert.Contains("OrdersFunction: its Layers is known only when the change set runs", answer.GetProperty("message").GetString(), StringComparison.Ordinal);
        Assert.Equal(0, _stack.S3.Opened);
    }

    [Fact]
    public async Task ChangeSet_ManyFunctionsSlowPackageSource_AnswersBeforeLambdasDeadlineAndCarriesWhatItJudged()
    {
        // CloudFormation's budget is 25 s; Lambda's deadline, 2.5 s away, is the shorter one here.
        var stack = new StackCheckHarness(hookBudget: HookHandler.DefaultBudget);
        await using var _ = stack;
        var changes = new List<JsonObject>();
        for (var i = 0; i < 24; i++)
        {
            stack.S3.Put(StackCheckHarness.Bucket, $"f{i}.zip", Packages.GoodX8664());
            changes.Add(StackRequests.Change("CREATE", $"Function{i:00}", Function($"f{i}.zip")));
        }

        var url = Serve([.. changes]);
        stack.S3.ReadDelay = TimeSpan.FromMilliseconds(250);

        var started = DateTimeOffset.UtcNow;
        var first = StackCheckHarness.Parse(await stack.InvokeAsync(StackRequests.ChangeSetHook(url), TimeSpan.FromSeconds(2.5)));
        var elapsed = DateTimeOffset.UtcNow - started;

        Assert.True(elapsed < TimeSpan.FromSeconds(2.5), $"answered after {elapsed.TotalSeconds:0.00} s");
        Assert.Equal("IN_PROGRESS", first.GetProperty("hookStatus").GetString());
        var passed = first.GetProperty("callbackContext").TryGetProperty("passed", out var list)
            ? list.EnumerateArray().Select(p => p.GetString()!).ToArray()
            : [];
        var message = first.GetProperty("message").GetString()!;
        Assert.Contains($"{24 - passed.Length} of 24 Lambda functions in the change set were not judged in time", message, StringComparison.Ordinal);
        Assert.All(changes.Select(c => c["logicalResourceId"]!.GetValue<string>()),
            id => Assert.True(passed.Contains(id) ^ message.Contains(id, StringComparison.Ordinal), $"{id} is either judged good or named as not judged"));

        // The next call reads only what was not judged.
        stack.S3.ReadDelay = TimeSpan.Zero;
        var openedBefore = stack.S3.Opened;
        var second = StackCheckHarness.Parse(await stack.InvokeAsync(
            StackRequests.ChangeSetHook(url, invocation: 2, callbackContext: JsonNode.Parse(first.GetProperty("callbackContext").GetRawText()))));

        Assert.Equal("SUCCESS", second.GetProperty("hookStatus").GetString());
        Assert.Equal(24 - passed.Length, stack.S3.Opened - openedBefore);
    }

    [Fact]
    public async Task ChangeSet_StillUnjudgedOnTheLastCall_FailsInternalFailureNeverNonCompliant()
    {
        var stack = new StackCheckHarness(hookBudget: TimeSpan.FromSeconds(2));
        await using var _ = stack;
        stack.S3.Put(StackCheckHarness.Bucket, "orders.zip", Packages.GoodX8664());
        var url = Serve(StackRequests.Change("CREATE", "OrdersFunction", Function("orders.zip")));
        stack.S3.Hang = true;

        var started = DateTimeOffset.UtcNow;
        var answer = StackCheckHarness.Parse(await stack.InvokeAsync(StackRequests.ChangeSetHook(url, invocation: 3)));

        Assert.InRange(DateTimeOffset.UtcNow - started, TimeSpan.FromSeconds(1.9), TimeSpan.FromSeconds(6));
        Assert.Equal(("FAILED", "InternalFailure"), (answer.GetProperty("hookStatus").GetString(), answer.GetProperty("errorCode").GetString()));
        Assert.Contains("1 of 1 Lambda functions in the change set were not judged in time (OrdersFunction) (after 3 attempts)", answer.GetProperty("message").GetString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task ChangeSet_PayloadLargerThanTheBound_FailsInternalFailureAndNoLogNamesTheUrl()
    {
        var stack = new StackCheckHarness(payloadMaxBytes: 4096);
        await using var _ = stack;
        var changes = Enumerable.Range(0, 40).Select(i => StackRequests.Change("CREATE", $"Function{i:00}", Function($"f{i}.zip"))).ToArray();
        var url = Serve(changes);

        var answer = StackCheckHarness.Parse(await stack.InvokeAsync(StackRequests.ChangeSetHook(url)));

        Assert.Equal(("FAILED", "InternalFailure"), (answer.GetProperty("hookStatus").GetString(), answer.GetProperty("errorCode").GetString()));
        Assert.Contains("the payload is larger than 4096 bytes", answer.GetProperty("message").GetString(), StringComparison.Ordinal);
        Assert.Equal(0, stack.S3.Opened);
        Assert.DoesNotContain("hooks-payloads", stack.Output.ToString(), StringComparison.Ordinal);
        Assert.DoesNotContain(Signature, stack.Output.ToString(), StringComparison.Ordinal);
        Assert.DoesNotContain("hooks-payloads", answer.GetRawText(), StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(HttpStatusCode.ServiceUnavailable, "IN_PROGRESS")]
    [InlineData(HttpStatusCode.Forbidden, "FAILED")]
    public async Task ChangeSet_PayloadUrlFails_RetriesWhatMayPassAndNamesOnlyTheHost(HttpStatusCode status, string expected)
    {
        var url = Serve(StackRequests.Change("CREATE", "OrdersFunction", Function("orders.zip")));
        _payloads.FailWith = status;

        var answer = StackCheckHarness.Parse(await _stack.InvokeAsync(StackRequests.ChangeSetHook(url)));

        Assert.Equal(expected, answer.GetProperty("hookStatus").GetString());
        var message = answer.GetProperty("message").GetString()!;
        Assert.Contains($"the payload URL on 127.0.0.1 answered HTTP {(int)status}", message, StringComparison.Ordinal);
        Assert.DoesNotContain(Signature, message + _stack.Output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task CloudControl_BrokenPackage_FailsNonCompliantWithinCloudControlsMessageLimit()
    {
        _stack.S3.Put(StackCheckHarness.Bucket, "orders.zip", Packages.GoodX8664());
        var request = JsonNode.Parse(StackRequests.Hook(
            "CREATE_PRE_PROVISION",
            StackRequests.FunctionProperties(StackCheckHarness.Bucket, "orders.zip", architecture: "arm64"),
            targetType: HookRequestData.CloudControlResource,
            logicalId: "AWS-Lambda-Function-3f1a0c9e"))!.AsObject();
        // Cloud Control requests belong to no stack and no change set.
        request["stackId"] = "";
        request["changeSetId"] = "";

        var answer = StackCheckHarness.Parse(await _stack.InvokeAsync(request.ToJsonString()));

        Assert.Equal(("FAILED", "NonCompliant"), (answer.GetProperty("hookStatus").GetString(), answer.GetProperty("errorCode").GetString()));
        var message = answer.GetProperty("message").GetString()!;
        Assert.StartsWith("Guard: AWS-Lambda-Function-3f1a0c9e (s3://orders-artifacts/orders.zip) will not start on provided.al2023 (arm64). BOOTSTRAP_WRONG_ARCH: ", message, StringComparison.Ordinal);
        Assert.True(message.Length <= 1024);
    }

    [Fact]
    public async Task ChangeSet_TokenSpelledAsInTheInputSyntax_IsEchoed()
    {
        var url = Serve(StackRequests.Change("CREATE", "OrdersQueue", new JsonObject { ["QueueName"] = "orders" }, resourceType: "AWS::SQS::Queue"));
        var request = JsonNode.Parse(StackRequests.ChangeSetHook(url))!.AsObject();
        request.Remove("clientRequestToken");
        request["clientRequesttoken"] = "lower-t";

        var answer = StackCheckHarness.Parse(await _stack.InvokeAsync(request.ToJsonString()));

        Assert.Equal(("SUCCESS", "lower-t"), (answer.GetProperty("hookStatus").GetString(), answer.GetProperty("clientRequestToken").GetString()));
        Assert.Equal("Guard: the change set creates, updates or deletes no Lambda function.", answer.GetProperty("message").GetString());
    }

    [Fact]
    public void Payload_DocumentedExample_ReadsEveryChange()
    {
        // The documented example, its contexts JSON strings with numbers and booleans as strings.
        const string Example = """
            {"template":"Resources:\n  NewSQSQueue:\n    Type: AWS::SQS::Queue","changedResources":[
              {"logicalResourceId":"SQSQueue","resourceType":"AWS::SQS::Queue","action":"DELETE","lineNumber":null,"beforeContext":"{\"Properties\":{\"QueueName\":\"CoolQueue\"}}","afterContext":null},
              {"logicalResourceId":"NewSQSQueue","resourceType":"AWS::SQS::Queue","action":"CREATE","lineNumber":14,"beforeContext":null,"afterContext":"{\"Properties\":{\"QueueName\":\"NewCoolQueue\"}}"}]}
            """;

        var payload = JsonSerializer.Deserialize(Example, FunctionJsonContext.Default.ChangeSetPayload)!;

        Assert.Equal(2, payload.ChangedResources!.Count);
        var created = payload.ChangedResources[1];
        Assert.Equal(("NewSQSQueue", "AWS::SQS::Queue", "CREATE", 14), (created.LogicalResourceId, created.ResourceType, created.Action, created.LineNumber));
        Assert.Equal(JsonValueKind.Null, created.BeforeContext.ValueKind);
        Assert.Equal("""{"Properties":{"QueueName":"NewCoolQueue"}}""", created.AfterContext.GetString());
        Assert.Null(payload.ChangedResources[0].LineNumber);
    }

    [Fact]
    public void Request_ChangeSetShape_ReadsThePayloadUrlButNeverPrintsIt()
    {
        var request = JsonSerializer.Deserialize(StackRequests.ChangeSetHook("https://s3.us-east-1.amazonaws.com/b/k?" + Signature), FunctionJsonContext.Default.HookRequest)!;

        Assert.Equal((HookRequestData.ChangeSet, StackRequests.ChangeSetId), (request.RequestData!.TargetType, request.RequestData.TargetLogicalId));
        Assert.EndsWith(Signature, request.RequestData.Payload, StringComparison.Ordinal);
        Assert.DoesNotContain(Signature, request.ToString(), StringComparison.Ordinal);
    }
}
