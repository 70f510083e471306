using System.Net;
using System.Text.Json;
using System.Text.Json.Nodes;
using Guard.Aws.Http;
using Guard.Function.CloudFormation;
using Guard.Function.Tests.Support;
using Guard.Inspection.Reading;
using Guard.Testing;

namespace Guard.Function.Tests.CloudFormation;

/// <summary>
/// <c>Custom::BootstrapCheck</c> through the router, answering on a <see cref="ResponseUrlStandIn"/> that plays the
/// presigned ResponseURL: what CloudFormation would receive, byte for byte.
/// </summary>
public sealed class CustomResourceHandlerTests : IAsyncLifetime
{
    private static readonly TimeSpan Wait = TimeSpan.FromSeconds(10);
    private readonly StackCheckHarness _stack = new(answerMargin: TimeSpan.FromSeconds(1));

    private static CancellationToken Cancel => TestContext.Current.CancellationToken;

    public ValueTask InitializeAsync() => ValueTask.CompletedTask;

    public ValueTask DisposeAsync() => _stack.DisposeAsync();

    [Fact]
    public async Task Create_GoodPackage_PutsSuccessWithTheSummaryInData()
    {
        _stack.S3.Put(StackCheckHarness.Bucket, "orders/v1.zip", Packages.GoodX8664());
        var url = _stack.ResponseUrl.NewUrl();

        var returned = await _stack.InvokeAsync(StackRequests.CustomResource("Create", url, StackRequests.S3Properties(StackCheckHarness.Bucket, "orders/v1.zip"), requestId: "req-good"));

        var put = await _stack.ResponseUrl.NextAsync(Wait, Cancel);
        using var body = put.Json();
        var root = body.RootElement;
        Assert.Equal("SUCCESS", root.GetProperty("Status").GetString());
        Assert.Equal(StackRequests.StackId, root.GetProperty("StackId").GetString());
        Assert.Equal("req-good", root.GetProperty("RequestId").GetString());
        Assert.Equal("PackageCheck", root.GetProperty("LogicalResourceId").GetString());
        Assert.StartsWith("PackageCheck-", root.GetProperty("PhysicalResourceId").GetString(), StringComparison.Ordinal);
        var data = root.GetProperty("Data");
        Assert.Equal("ok", data.GetProperty("Verdict").GetString());
        Assert.Equal("x86_64", data.GetProperty("BootstrapMachine").GetString());
        Assert.Equal("0755", data.GetProperty("BootstrapMode").GetString());
        Assert.Equal("elf", data.GetProperty("BootstrapKind").GetString());
        Assert.Equal("", data.GetProperty("FindingCodes").GetString());
        Assert.Equal("s3://orders-artifacts/orders/v1.zip", data.GetProperty("Source").GetString());
        Assert.All(data.EnumerateObject(), p => Assert.Equal(JsonValueKind.String, p.Value.ValueKind));
        Assert.Equal(put.Text, returned);
    }

    [Fact]
    public async Task Create_BrokenPackage_PutsFailedWithTheFindingAndItsFixInReason()
    {
        _stack.S3.Put(StackCheckHarness.Bucket, "orders/v2.zip", Packages.GoodX8664());

        await _stack.InvokeAsync(StackRequests.CustomResource("Create", _stack.ResponseUrl.NewUrl(), StackRequests.S3Properties(StackCheckHarness.Bucket, "orders/v2.zip", architecture: "arm64")));

        using var body = (await _stack.ResponseUrl.NextAsync(Wait, Cancel)).Json();
        var root = body.RootElement;
        Assert.Equal("FAILED", root.GetProperty("Status").GetString());
        var reason = root.GetProperty("Reason").GetString()!;
        Assert.StartsWith("Guard: s3://orders-artifacts/orders/v2.zip will not start on provided.al2023 (arm64). BOOTSTRAP_WRONG_ARCH: ", reason, StringComparison.Ordinal);
        Assert.Contains("Fix: ", reason, StringComparison.Ordinal);
        Assert.False(string.IsNullOrEmpty(root.GetProperty("PhysicalResourceId").GetString()));
    }

    [Fact]
    public async Task Create_NotExecutable_ReasonNamesChmod()
    {
        _stack.S3.Put(StackCheckHarness.Bucket, "script.zip", Packages.NotExecutable());

        await _stack.InvokeAsync(StackRequests.CustomResource("Create", _stack.ResponseUrl.NewUrl(), StackRequests.S3Properties(StackCheckHarness.Bucket, "script.zip")));

        using var body = (await _stack.ResponseUrl.NextAsync(Wait, Cancel)).Json();
        Assert.Equal("FAILED", body.RootElement.GetProperty("Status").GetString());
        var reason = body.RootElement.GetProperty("Reason").GetString()!;
        Assert.Contains("BOOTSTRAP_NOT_EXECUTABLE", reason, StringComparison.Ordinal);
        Assert.Contains("chmod", reason, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Put_HasNoContentTypeAndAnExactContentLength()
    {
        _stack.S3.Put(StackCheckHarness.Bucket, "k.zip", Packages.GoodX8664());
        var url = _stack.ResponseUrl.NewUrl();

        await _stack.InvokeAsync(StackRequests.CustomResource("Create", url, StackRequests.S3Properties(StackCheckHarness.Bucket, "k.zip")));

        var put = await _stack.ResponseUrl.NextAsync(Wait, Cancel);
        Assert.Equal("PUT", put.Method);
        Assert.True(string.IsNullOrEmpty(put.ContentType), $"Content-Type was '{put.ContentType}'");
        Assert.Equal(put.Body.Length, put.ContentLength);
        Assert.Equal(new Uri(url).PathAndQuery, put.PathAndQuery);
    }

    [Fact]
    public async Task Update_EchoesThePhysicalResourceId_SoCloudFormationNeverReplacesIt()
    {
        _stack.S3.Put(StackCheckHarness.Bucket, "v1.zip", Packages.GoodX8664("1"));
        _stack.S3.Put(StackCheckHarness.Bucket, "v2.zip", Packages.GoodX8664("2"));
        await _stack.InvokeAsync(StackRequests.CustomResource("Create", _stack.ResponseUrl.NewUrl(), StackRequests.S3Properties(StackCheckHarness.Bucket, "v1.zip")));
        using var created = (await _stack.ResponseUrl.NextAsync(Wait, Cancel)).Json();
        var physicalId = created.RootElement.GetProperty("PhysicalResourceId").GetString()!;

        await _stack.InvokeAsync(StackRequests.CustomResource("Update", _stack.ResponseUrl.NewUrl(), StackRequests.S3Properties(StackCheckHarness.Bucket, "v2.zip"),
            physicalId: physicalId, oldProperties: StackRequests.S3Properties(StackCheckHarness.Bucket, "v1.zip")));
        using var updated = (await _stack.ResponseUrl.NextAsync(Wait, Cancel)).Json();
        await _stack.InvokeAsync(StackRequests.CustomResource("Create", _stack.ResponseUrl.NewUrl(), StackRequests.S3Properties(StackCheckHarness.Bucket, "v2.zip")));
        using var again = (await _stack.ResponseUrl.NextAsync(Wait, Cancel)).Json();

        Assert.Equal("SUCCESS", updated.RootElement.GetProperty("Status").GetString());
        Assert.Equal(physicalId, updated.RootElement.GetProperty("PhysicalResourceId").GetString());
        Assert.Equal(physicalId, again.RootElement.GetProperty("PhysicalResourceId").GetString());
    }

    [Fact]
    public void PhysicalResourceId_DiffersPerStackAndLogicalId_AndFitsTheLimit()
    {
        static string Id(string stack, string logical) => CustomResourceHandler.PhysicalResourceIdFor(
            new CustomResourceRequest("Create", null, stack, "r", null, logical, null, default, default, null));

        Assert.Equal(Id("s1", "Check"), Id("s1", "Check"));
        Assert.NotEqual(Id("s1", "Check"), Id("s2", "Check"));
        Assert.NotEqual(Id("s1", "Check"), Id("s1", "Other"));
        Assert.True(Id(StackRequests.StackId, new string('A', 255)).Length < 1024);
    }

    [Theory]
    [InlineData("PackageCheck-0123456789abcdef")]
    [InlineData(null)]
    public async Task Delete_Always_PutsSuccessEchoingThePhysicalId(string? physicalId)
    {
        // Even a check that could only fail must not block the delete (a rollback after a failed Create).
        _stack.ComposeFailure = new InvalidOperationException("no credentials");
        var request = StackRequests.CustomResource("Delete", _stack.ResponseUrl.NewUrl(), new JsonObject { ["S3Bucket"] = "gone" }, physicalId: physicalId);

        await _stack.InvokeAsync(request);

        using var body = (await _stack.ResponseUrl.NextAsync(Wait, Cancel)).Json();
        Assert.Equal("SUCCESS", body.RootElement.GetProperty("Status").GetString());
        var echoed = body.RootElement.GetProperty("PhysicalResourceId").GetString();
        Assert.Equal(physicalId ?? CustomResourceHandler.PhysicalResourceIdFor(CustomResourceHandler.Read(StackCheckHarness.Parse(request))), echoed);
        Assert.Equal(0, _stack.S3.Opened);
    }

    [Fact]
    public async Task Create_CheckCannotBeBuilt_PutsFailedWithTheCause()
    {
        _stack.ComposeFailure = new InvalidOperationException("Unable to find credentials");

        await _stack.InvokeAsync(StackRequests.CustomResource("Create", _stack.ResponseUrl.NewUrl(), StackRequests.S3Properties(StackCheckHarness.Bucket, "k.zip")));

        using var body = (await _stack.ResponseUrl.NextAsync(Wait, Cancel)).Json();
        Assert.Equal("FAILED", body.RootElement.GetProperty("Status").GetString());
        Assert.Equal("Guard could not check s3://orders-artifacts/k.zip: InvalidOperationException: Unable to find credentials", body.RootElement.GetProperty("Reason").GetString());
    }

    [Fact]
    public async Task Create_AccessDenied_ReasonSaysWhatToGrant()
    {
        _stack.S3.FailWith = new PackageUnavailableException("s3://orders-artifacts/k.zip: access denied (needs s3:GetObject)");

        await _stack.InvokeAsync(StackRequests.CustomResource("Create", _stack.ResponseUrl.NewUrl(), StackRequests.S3Properties(StackCheckHarness.Bucket, "k.zip")));

        using var body = (await _stack.ResponseUrl.NextAsync(Wait, Cancel)).Json();
        Assert.Equal("FAILED", body.RootElement.GetProperty("Status").GetString());
        var reason = body.RootElement.GetProperty("Reason").GetString()!;
        Assert.Contains("access denied (needs s3:GetObject)", reason, StringComparison.Ordinal);
        Assert.Contains("ArtifactObjectArns", reason, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Create_ReadStalls_PutsFailedBeforeTheDeadline()
    {
        _stack.S3.Hang = true;
        var timeLeft = TimeSpan.FromSeconds(3);

        var started = _stack.ResponseUrl.Elapsed;
        await _stack.InvokeAsync(StackRequests.CustomResource("Create", _stack.ResponseUrl.NewUrl(), StackRequests.S3Properties(StackCheckHarness.Bucket, "k.zip")), timeLeft);

        var put = await _stack.ResponseUrl.NextAsync(Wait, Cancel);
        using var body = put.Json();
        Assert.Equal("FAILED", body.RootElement.GetProperty("Status").GetString());
        Assert.Contains("did not finish in time", body.RootElement.GetProperty("Reason").GetString(), StringComparison.Ordinal);
        // Answered at the margin (1 s before the deadline here), not at the deadline.
        var answeredAfter = put.At - started;
        Assert.InRange(answeredAfter, TimeSpan.FromSeconds(1.5), timeLeft - TimeSpan.FromMilliseconds(500));
    }

    [Fact]
    public async Task Create_DeadlineAlreadyWithinTheMargin_PutsFailedAtOnce()
    {
        _stack.S3.Put(StackCheckHarness.Bucket, "k.zip", Packages.GoodX8664());

        await _stack.InvokeAsync(StackRequests.CustomResource("Create", _stack.ResponseUrl.NewUrl(), StackRequests.S3Properties(StackCheckHarness.Bucket, "k.zip")), TimeSpan.FromMilliseconds(900));

        using var body = (await _stack.ResponseUrl.NextAsync(Wait, Cancel)).Json();
        Assert.Equal("FAILED", body.RootElement.GetProperty("Status").GetString());
    }

    [Fact]
    public async Task Create_PlaceholderWithoutAllowPlaceholder_FailsAndSaysHowToAllowIt()
    {
        _stack.S3.Put(StackCheckHarness.Bucket, "empty.zip", new PackageBuilder().ToArray());

        await _stack.InvokeAsync(StackRequests.CustomResource("Create", _stack.ResponseUrl.NewUrl(), StackRequests.S3Properties(StackCheckHarness.Bucket, "empty.zip")));
        using var refused = (await _stack.ResponseUrl.NextAsync(Wait, Cancel)).Json();
        await _stack.InvokeAsync(StackRequests.CustomResource("Create", _stack.ResponseUrl.NewUrl(), StackRequests.S3Properties(StackCheckHarness.Bucket, "empty.zip", allowPlaceholder: "true")));
        using var allowed = (await _stack.ResponseUrl.NextAsync(Wait, Cancel)).Json();

        Assert.Equal("FAILED", refused.RootElement.GetProperty("Status").GetString());
        Assert.Contains("AllowPlaceholder: \"true\"", refused.RootElement.GetProperty("Reason").GetString(), StringComparison.Ordinal);
        Assert.Equal("SUCCESS", allowed.RootElement.GetProperty("Status").GetString());
        Assert.Equal("placeholder", allowed.RootElement.GetProperty("Data").GetProperty("Verdict").GetString());
    }

    [Theory]
    [InlineData("""{"S3Key":"k.zip"}""", "S3Bucket is missing")]
    [InlineData("""{}""", "S3Bucket and S3Key (or FunctionName) are required")]
    [InlineData("""{"S3Bucket":"b","S3Key":"k","FunctionName":"f"}""", "not both")]
    [InlineData("""{"S3Bucket":"b","S3Key":"k","Runtime":"python3.8"}""", "Runtime 'python3.8' is not a runtime Guard checks")]
    [InlineData("""{"S3Bucket":"b","S3Key":"k","Architecture":"riscv64"}""", "Architecture 'riscv64' is not x86_64 or arm64")]
    [InlineData("""{"S3Bucket":"b","S3Key":"k","AllowPlaceholder":"yes"}""", "AllowPlaceholder is 'yes'")]
    [InlineData("""{"S3Bucket":"b","S3Key":"k","Layers":["my-layer"]}""", "not a layer version ARN")]
    public async Task Create_InvalidProperties_FailsSayingWhatToChange(string properties, string expected)
    {
        await _stack.InvokeAsync(StackRequests.CustomResource("Create", _stack.ResponseUrl.NewUrl(), JsonNode.Parse(properties)!.AsObject()));

        using var body = (await _stack.ResponseUrl.NextAsync(Wait, Cancel)).Json();
        Assert.Equal("FAILED", body.RootElement.GetProperty("Status").GetString());
        Assert.Contains(expected, body.RootElement.GetProperty("Reason").GetString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Create_FunctionName_ChecksTheDeployedCodeWithItsOwnFacts()
    {
        var zip = Packages.GoodX8664();
        var details = _stack.Lambda.Add("orders-fn", zip, architecture: "arm64");
        _stack.Urls.Serve(new Uri(details.CodeLocation!), zip);

        await _stack.InvokeAsync(StackRequests.CustomResource("Create", _stack.ResponseUrl.NewUrl(), new JsonObject { ["FunctionName"] = "orders-fn" }));

        using var body = (await _stack.ResponseUrl.NextAsync(Wait, Cancel)).Json();
        Assert.Equal("FAILED", body.RootElement.GetProperty("Status").GetString());
        Assert.Contains("BOOTSTRAP_WRONG_ARCH", body.RootElement.GetProperty("Reason").GetString(), StringComparison.Ordinal);
        Assert.DoesNotContain("X-Amz-Signature", body.RootElement.GetProperty("Reason").GetString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Create_BootstrapInALayer_ResolvesTheLayerByArn()
    {
        const string LayerArn = "arn:aws:lambda:us-east-1:266106314375:layer:runtime:3";
        var layerZip = new PackageBuilder().AddFile("bootstrap", ElfBuilder.Static(ElfBuilder.X8664, go: true), PackageBuilder.ExecutableMode).ToArray();
        var layerLocation = new Uri("https://prod-04-2014-layers.s3.us-east-1.amazonaws.com/snapshots/runtime-3?X-Amz-Signature=x");
        _stack.Lambda.AddLayer(LayerArn, layerLocation.AbsoluteUri);
        _stack.Urls.Serve(layerLocation, layerZip);
        _stack.S3.Put(StackCheckHarness.Bucket, "handler-only.zip", new PackageBuilder().AddFile("handler.sh", "#!/bin/sh\n", PackageBuilder.ExecutableMode).ToArray());

        await _stack.InvokeAsync(StackRequests.CustomResource("Create", _stack.ResponseUrl.NewUrl(), StackRequests.S3Properties(StackCheckHarness.Bucket, "handler-only.zip", layers: LayerArn)));

        using var body = (await _stack.ResponseUrl.NextAsync(Wait, Cancel)).Json();
        Assert.Equal("SUCCESS", body.RootElement.GetProperty("Status").GetString());
        Assert.Equal("/opt/bootstrap", body.RootElement.GetProperty("Data").GetProperty("BootstrapPath").GetString());
    }

    [Fact]
    public async Task Put_ServerErrorOnce_IsRetried()
    {
        _stack.S3.Put(StackCheckHarness.Bucket, "k.zip", Packages.GoodX8664());
        _stack.ResponseUrl.FailFirst(1);

        await _stack.InvokeAsync(StackRequests.CustomResource("Create", _stack.ResponseUrl.NewUrl(), StackRequests.S3Properties(StackCheckHarness.Bucket, "k.zip")));

        await _stack.ResponseUrl.NextAsync(Wait, Cancel);
        Assert.Equal(2, _stack.ResponseUrl.Received.Count);
    }

    [Fact]
    public async Task Put_Forbidden_FailsTheInvocationWithoutShowingTheUrl()
    {
        _stack.S3.Put(StackCheckHarness.Bucket, "k.zip", Packages.GoodX8664());
        _stack.ResponseUrl.FailureStatus = HttpStatusCode.Forbidden;
        _stack.ResponseUrl.FailFirst(10);

        var failure = await Assert.ThrowsAsync<CustomResourceAnswerException>(() =>
            _stack.InvokeAsync(StackRequests.CustomResource("Create", _stack.ResponseUrl.NewUrl(), StackRequests.S3Properties(StackCheckHarness.Bucket, "k.zip"))));

        Assert.Single(_stack.ResponseUrl.Received);
        Assert.Contains("HTTP 403", failure.Message, StringComparison.Ordinal);
        Assert.DoesNotContain(ResponseUrlStandIn.Signature, failure.Message, StringComparison.Ordinal);
        Assert.DoesNotContain(ResponseUrlStandIn.Signature, _stack.Output.ToString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Log_NeverContainsTheResponseUrl()
    {
        _stack.S3.Put(StackCheckHarness.Bucket, "k.zip", Packages.GoodX8664());
        _stack.S3.Put(StackCheckHarness.Bucket, "bad.zip", Packages.NotExecutable());

        await _stack.InvokeAsync(StackRequests.CustomResource("Create", _stack.ResponseUrl.NewUrl(), StackRequests.S3Properties(StackCheckHarness.Bucket, "k.zip")));
        await _stack.InvokeAsync(StackRequests.CustomResource("Update", _stack.ResponseUrl.NewUrl(), StackRequests.S3Properties(StackCheckHarness.Bucket, "bad.zip"), physicalId: "p"));
        await _stack.InvokeAsync(StackRequests.CustomResource("Delete", _stack.ResponseUrl.NewUrl(), null, physicalId: "p"));

        var log = _stack.Output.ToString();
        Assert.Contains("answered FAILED", log, StringComparison.Ordinal);
        Assert.DoesNotContain(ResponseUrlStandIn.Signature, log, StringComparison.Ordinal);
        Assert.DoesNotContain("cloudformation-custom-resource-response", log, StringComparison.Ordinal);
        Assert.DoesNotContain(ResponseUrlStandIn.Signature, CustomResourceHandler.Read(StackCheckHarness.Parse(
            StackRequests.CustomResource("Create", _stack.ResponseUrl.NewUrl()))).ToString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Create_TransientAwsFailure_ReasonSaysToRetry()
    {
        _stack.Lambda.FailWith = new AwsServiceException("TooManyRequestsException", 429, "Rate exceeded", "lambda:GetFunction", null, null);

        await _stack.InvokeAsync(StackRequests.CustomResource("Create", _stack.ResponseUrl.NewUrl(), new JsonObject { ["FunctionName"] = "orders-fn" }));

        using var body = (await _stack.ResponseUrl.NextAsync(Wait, Cancel)).Json();
        Assert.Equal("FAILED", body.RootElement.GetProperty("Status").GetString());
        Assert.Contains("Update the stack to retry", body.RootElement.GetProperty("Reason").GetString(), StringComparison.Ordinal);
    }
}
