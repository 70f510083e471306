using System.Text.Json;
using Guard.Function.CloudFormation;
using Guard.Function.Tests.Support;

namespace Guard.Function.Tests.CloudFormation;

/// <summary>One round trip per CloudFormation root type of <see cref="FunctionJsonContext"/>, with CloudFormation's own names.</summary>
public sealed class CloudFormationJsonTests
{
    [Fact]
    public void CustomResourceRequest_DocumentedExample_RoundTrips()
    {
        var json = StackRequests.CustomResource("Update", "https://cloudformation-custom-resource-response-useast1.s3.amazonaws.com/x?X-Amz-Signature=s",
            StackRequests.S3Properties("b", "k"), physicalId: "p", oldProperties: StackRequests.S3Properties("b", "old"), requestId: "r");

        var request = JsonSerializer.Deserialize(json, FunctionJsonContext.Default.CustomResourceRequest)!;
        var again = JsonSerializer.Deserialize(JsonSerializer.Serialize(request, FunctionJsonContext.Default.CustomResourceRequest), FunctionJsonContext.Default.CustomResourceRequest)!;

        Assert.Equal(("Update", "r", "p", "PackageCheck", "Custom::BootstrapCheck"), (again.RequestType, again.RequestId, again.PhysicalResourceId, again.LogicalResourceId, again.ResourceType));
        Assert.Equal(request.ResponseUrl, again.ResponseUrl);
        Assert.Equal(StackRequests.ServiceToken, again.ServiceToken);
        Assert.Equal("old", again.OldResourceProperties.GetProperty("S3Key").GetString());
        Assert.Equal(request, CustomResourceHandler.Read(StackCheckHarness.Parse(json)) with { ResourceProperties = request.ResourceProperties, OldResourceProperties = request.OldResourceProperties });
    }

    [Fact]
    public void CustomResourceResponse_UsesCloudFormationNames_AndOmitsEmptyOptionals()
    {
        var response = new CustomResourceResponse("SUCCESS", null, "p", "s", "r", "l", null);

        var json = JsonSerializer.Serialize(response, FunctionJsonContext.Default.CustomResourceResponse);

        Assert.Equal("""{"Status":"SUCCESS","PhysicalResourceId":"p","StackId":"s","RequestId":"r","LogicalResourceId":"l"}""", json);
        var withData = response with { Reason = "why", Data = new Dictionary<string, string> { ["Verdict"] = "ok" } };
        var again = JsonSerializer.Deserialize(JsonSerializer.Serialize(withData, FunctionJsonContext.Default.CustomResourceResponse), FunctionJsonContext.Default.CustomResourceResponse)!;
        Assert.Equal("why", again.Reason);
        Assert.Equal("ok", again.Data!["Verdict"]);
    }

    [Fact]
    public void HookRequest_RoundTrips()
    {
        var request = JsonSerializer.Deserialize(StackRequests.Hook("CREATE_PRE_PROVISION", StackRequests.FunctionProperties("b", "k")), FunctionJsonContext.Default.HookRequest)!;

        var again = JsonSerializer.Deserialize(JsonSerializer.Serialize(request, FunctionJsonContext.Default.HookRequest), FunctionJsonContext.Default.HookRequest)!;

        Assert.Equal(request.ClientRequestToken, again.ClientRequestToken);
        Assert.Equal(request.RequestData!.TargetLogicalId, again.RequestData!.TargetLogicalId);
        Assert.Equal("k", again.RequestData.TargetModel!.ResourceProperties.GetProperty("Code").GetProperty("S3Key").GetString());
    }

    [Fact]
    public void HookResponse_RoundTrips_WithCallbackAndAnnotations()
    {
        var response = new HookResponse("IN_PROGRESS", null, "m", "t", new HookCallbackContext("slow"), 5,
            [new HookAnnotation("BOOTSTRAP_MISSING", "FAILED", "no bootstrap", "name it bootstrap", SeverityLevel: "CRITICAL")]);

        var json = JsonSerializer.Serialize(response, FunctionJsonContext.Default.HookResponse);
        var again = JsonSerializer.Deserialize(json, FunctionJsonContext.Default.HookResponse)!;

        Assert.Contains("\"callbackContext\":{\"retry\":\"slow\"},\"callbackDelaySeconds\":5", json, StringComparison.Ordinal);
        Assert.DoesNotContain("remediationLink", json, StringComparison.Ordinal);
        Assert.Equal(response.CallbackContext, again.CallbackContext);
        Assert.Equal(response.Annotations![0], again.Annotations![0]);
    }

    [Fact]
    public void ChangeSetPayload_RoundTrips_ContextsStayJsonStrings()
    {
        var json = System.Text.Encoding.UTF8.GetString(StackRequests.ChangeSetPayload(
            StackRequests.Change("UPDATE", "OrdersFunction", StackRequests.FunctionProperties("b", "new.zip"), StackRequests.FunctionProperties("b", "old.zip"))));
        var payload = JsonSerializer.Deserialize(json, FunctionJsonContext.Default.ChangeSetPayload)!;

        var again = JsonSerializer.Deserialize(JsonSerializer.Serialize(payload, FunctionJsonContext.Default.ChangeSetPayload), FunctionJsonContext.Default.ChangeSetPayload)!;

        var change = Assert.Single(again.ChangedResources!);
        Assert.Equal(("UPDATE", "OrdersFunction", "AWS::Lambda::Function", 12), (change.Action, change.LogicalResourceId, change.ResourceType, change.LineNumber));
        Assert.Equal(JsonValueKind.String, change.AfterContext.ValueKind);
        Assert.Contains("new.zip", change.AfterContext.GetString(), StringComparison.Ordinal);
        Assert.Contains("old.zip", change.BeforeContext.GetString(), StringComparison.Ordinal);
    }

    [Fact]
    public void HookCallbackContext_RoundTrips_WithTheFunctionsJudgedGood()
    {
        var context = new HookCallbackContext("slow", ["OrdersFunction", "BillingFunction"]);

        var json = JsonSerializer.Serialize(context, FunctionJsonContext.Default.HookCallbackContext);
        var again = JsonSerializer.Deserialize(json, FunctionJsonContext.Default.HookCallbackContext)!;

        Assert.Equal("""{"retry":"slow","passed":["OrdersFunction","BillingFunction"]}""", json);
        Assert.Equal(context.Passed, again.Passed);
    }
}
