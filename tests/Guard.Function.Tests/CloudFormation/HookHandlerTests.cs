using System.Text.Json;
using System.Text.Json.Nodes;
using Guard.Aws.Http;
using Guard.Function.CloudFormation;
using Guard.Function.Tests.Support;
using Guard.Inspection.Reading;
using Guard.Inspection.Rules;
using Guard.Testing;

namespace Guard.Function.Tests.CloudFormation;

/// <summary>The Lambda hook through the router: requests in the documented shape, answers checked field by field (https://docs.aws.amazon.com/cloudformation-cli/latest/hooks-userguide/lambda-hooks-create-lambda-function.html).</summary>
public sealed class HookHandlerTests : IAsyncLifetime
{
    private static readonly string[] DocumentedFields = ["hookStatus", "errorCode", "message", "clientRequestToken", "callbackContext", "callbackDelaySeconds", "annotations"];
    private static readonly string[] AnnotationFields = ["annotationName", "status", "statusMessage", "remediationMessage", "remediationLink", "severityLevel"];
    private static readonly string[] SeverityLevels = ["INFORMATIONAL", "LOW", "MEDIUM", "HIGH", "CRITICAL"];

    // Generous: on a loaded machine the first check (cold code) can take over a second; the stall test has its own.
    private readonly StackCheckHarness _stack = new(hookBudget: TimeSpan.FromSeconds(15));

    public ValueTask InitializeAsync() => ValueTask.CompletedTask;

    public ValueTask DisposeAsync() => _stack.DisposeAsync();

    /// <summary>The answer, after checking it carries only documented fields with documented values.</summary>
    private Task<JsonElement> AnswerAsync(string request, TimeSpan? timeLeft = null) => AnswerAsync(_stack, request, timeLeft);

    private static async Task<JsonElement> AnswerAsync(StackCheckHarness stack, string request, TimeSpan? timeLeft = null)
    {
        var root = StackCheckHarness.Parse(await stack.InvokeAsync(request, timeLeft));
        Assert.All(root.EnumerateObject(), p => Assert.Contains(p.Name, DocumentedFields));
        Assert.Contains(root.GetProperty("hookStatus").GetString(), new[] { "SUCCESS", "FAILED", "IN_PROGRESS" });
        Assert.Equal(JsonValueKind.String, root.GetProperty("clientRequestToken").ValueKind);
        if (root.GetProperty("hookStatus").GetString() == "FAILED")
        {
            Assert.Contains(root.GetProperty("errorCode").GetString(), new[] { "NonCompliant", "InternalFailure" });
        }
        else
        {
            Assert.False(root.TryGetProperty("errorCode", out _));
        }

        Assert.True(root.GetProperty("message").GetString()!.Length <= 4096);
        if (root.TryGetProperty("annotations", out var annotations))
        {
            foreach (var annotation in annotations.EnumerateArray())
            {
                Assert.All(annotation.EnumerateObject(), p => Assert.Contains(p.Name, AnnotationFields));
                Assert.Contains(annotation.GetProperty("status").GetString(), new[] { "PASSED", "FAILED", "SKIPPED" });
                Assert.Contains(annotation.GetProperty("severityLevel").GetString(), SeverityLevels);
                Assert.InRange(annotation.GetProperty("annotationName").GetString()!.Length, 1, 1024);
            }
        }

        return root;
    }

    [Fact]
    public async Task Create_BrokenPackage_FailsNonCompliantWithTheFindingAndFix()
    {
        _stack.S3.Put(StackCheckHarness.Bucket, "orders/v2.zip", Packages.GoodX8664());

        var answer = await AnswerAsync(StackRequests.Hook("CREATE_PRE_PROVISION", StackRequests.FunctionProperties(StackCheckHarness.Bucket, "orders/v2.zip", architecture: "arm64"), clientRequestToken: "tok-1"));

        Assert.Equal("FAILED", answer.GetProperty("hookStatus").GetString());
        Assert.Equal("NonCompliant", answer.GetProperty("errorCode").GetString());
        Assert.Equal("tok-1", answer.GetProperty("clientRequestToken").GetString());
        var message = answer.GetProperty("message").GetString()!;
        Assert.StartsWith("Guard: OrdersFunction (s3://orders-artifacts/orders/v2.zip) will not start on provided.al2023 (arm64). BOOTSTRAP_WRONG_ARCH: ", message, StringComparison.Ordinal);
        Assert.Contains("Fix: ", message, StringComparison.Ordinal);
        var annotation = Assert.Single(answer.GetProperty("annotations").EnumerateArray());
        Assert.Equal(("BOOTSTRAP_WRONG_ARCH", "FAILED", "CRITICAL"),
            (annotation.GetProperty("annotationName").GetString(), annotation.GetProperty("status").GetString(), annotation.GetProperty("severityLevel").GetString()));
        Assert.False(string.IsNullOrEmpty(annotation.GetProperty("remediationMessage").GetString()));
    }

    [Fact]
    public async Task Update_GoodPackage_Succeeds()
    {
        _stack.S3.Put(StackCheckHarness.Bucket, "v3.zip", Packages.GoodX8664());

        var answer = await AnswerAsync(StackRequests.Hook("UPDATE_PRE_PROVISION",
            StackRequests.FunctionProperties(StackCheckHarness.Bucket, "v3.zip", version: "3HL4kqtJlcpXroDTDmjVBH40Nrjfkd"),
            StackRequests.FunctionProperties(StackCheckHarness.Bucket, "v2.zip")));

        Assert.Equal("SUCCESS", answer.GetProperty("hookStatus").GetString());
        Assert.Equal("123avjdjk31", answer.GetProperty("clientRequestToken").GetString());
        Assert.Contains("will start on provided.al2023 (x86_64); bootstrap: ELF x86_64", answer.GetProperty("message").GetString(), StringComparison.Ordinal);
        Assert.Equal(1, _stack.S3.Opened);
    }

    [Fact]
    public async Task Update_ThatChangesOnlyLdLibraryPath_ChecksThePackageAgainBecauseLdSoSearchesThere()
    {
        _stack.S3.Put(StackCheckHarness.Bucket, "v2.zip", Packages.GoodX8664());
        var now = StackRequests.FunctionProperties(StackCheckHarness.Bucket, "v2.zip");
        now["Environment"] = new JsonObject { ["Variables"] = new JsonObject { ["LD_LIBRARY_PATH"] = "/var/task/vendor", ["TABLE"] = "orders" } };
        var before = StackRequests.FunctionProperties(StackCheckHarness.Bucket, "v2.zip");
        before["Environment"] = new JsonObject { ["Variables"] = new JsonObject { ["TABLE"] = "orders" } };
        var otherVariableOnly = StackRequests.FunctionProperties(StackCheckHarness.Bucket, "v2.zip");
        otherVariableOnly["Environment"] = new JsonObject { ["Variables"] = new JsonObject { ["TABLE"] = "orders-v2" } };

        var rechecked = await AnswerAsync(StackRequests.Hook("UPDATE_PRE_PROVISION", now, before));
        var passed = await AnswerAsync(StackRequests.Hook("UPDATE_PRE_PROVISION", otherVariableOnly, StackRequests.FunctionProperties(StackCheckHarness.Bucket, "v2.zip")));

        Assert.Contains("will start on provided.al2023", rechecked.GetProperty("message").GetString(), StringComparison.Ordinal);
        Assert.Contains("the update changes neither Code nor Runtime, Architectures, Layers, Handler or LD_LIBRARY_PATH", passed.GetProperty("message").GetString(), StringComparison.Ordinal);
        Assert.Equal(1, _stack.S3.Opened);
    }

    public static TheoryData<string, string> Passes() => new()
    {
        { StackRequests.Hook("DELETE_PRE_PROVISION", null, StackRequests.FunctionProperties("b", "k")), "nothing to check on DELETE_PRE_PROVISION" },
        { StackRequests.Hook("CREATE_PRE_PROVISION", new JsonObject { ["BucketName"] = "x" }, targetName: "AWS::S3::Bucket"), "AWS::S3::Bucket is not an AWS::Lambda::Function" },
        { StackRequests.Hook("CREATE_PRE_PROVISION", new JsonObject { ["Code"] = new JsonObject { ["ZipFile"] = "exports.handler = async () => 1;" }, ["Runtime"] = "nodejs20.x" }), "inline ZipFile code" },
        { StackRequests.Hook("CREATE_PRE_PROVISION", new JsonObject { ["PackageType"] = "Image", ["Code"] = new JsonObject() }), "PackageType Image names no ImageUri" },
        { StackRequests.Hook("UPDATE_PRE_PROVISION", Tagged(StackRequests.ImageFunctionProperties(Repository + ":v1")), StackRequests.ImageFunctionProperties(Repository + ":v1")), "the update changes neither the image" },
        { StackRequests.Hook("CREATE_PRE_PROVISION", StackRequests.FunctionProperties("b", "k", runtime: "python3.12")), "managed runtime python3.12 without layers" },
        { StackRequests.Hook("UPDATE_PRE_PROVISION", Tagged(StackRequests.FunctionProperties("b", "k")), StackRequests.FunctionProperties("b", "k")), "the update changes neither Code nor Runtime" },
    };

    [Theory]
    [MemberData(nameof(Passes))]
    public async Task NothingToCheck_SucceedsWithANoteAndReadsNothing(string request, string note)
    {
        var answer = await AnswerAsync(request);

        Assert.Equal("SUCCESS", answer.GetProperty("hookStatus").GetString());
        Assert.Contains(note, answer.GetProperty("message").GetString(), StringComparison.Ordinal);
        Assert.Equal(0, _stack.S3.Opened);
        Assert.Empty(_stack.Ecr.Calls);
    }

    private const string Repository = "266106314375.dkr.ecr.us-east-1.amazonaws.com/orders";

    private static BuiltImage GoImage(byte[] binary, string architecture) => new ImageBuilder
    {
        Architecture = architecture,
        Entrypoint = ["/main"],
        Layers = [new ImageLayerContent().File("/main", binary)],
    }.Build();

    [Fact]
    public async Task Create_ImageForAnotherArchitecture_FailsNonCompliantWithTheFinding()
    {
        _stack.Ecr.Push(GoImage(ElfBuilder.Static(ElfBuilder.Aarch64), "arm64"), "orders", "v2");

        var answer = await AnswerAsync(StackRequests.Hook("CREATE_PRE_PROVISION", StackRequests.ImageFunctionProperties(Repository + ":v2", architecture: "x86_64")));

        Assert.Equal(("FAILED", "NonCompliant"), (answer.GetProperty("hookStatus").GetString(), answer.GetProperty("errorCode").GetString()));
        Assert.StartsWith($"Guard: OrdersFunction ({Repository}:v2) will not start on x86_64. IMAGE_WRONG_ARCH: ", answer.GetProperty("message").GetString(), StringComparison.Ordinal);
        var annotation = Assert.Single(answer.GetProperty("annotations").EnumerateArray(), a => a.GetProperty("status").GetString() == "FAILED");
        Assert.Equal("IMAGE_WRONG_ARCH", annotation.GetProperty("annotationName").GetString());
        Assert.Equal("v2", Assert.Single(_stack.Ecr.Calls, c => c.Operation == "BatchGetImage").ImageId);
    }

    [Fact]
    public async Task Create_GoodImage_Succeeds()
    {
        _stack.Ecr.Push(GoImage(ElfBuilder.Static(ElfBuilder.Aarch64), "arm64"), "orders", "v3");

        var answer = await AnswerAsync(StackRequests.Hook("CREATE_PRE_PROVISION", StackRequests.ImageFunctionProperties(Repository + ":v3", architecture: "arm64")));

        Assert.Equal("SUCCESS", answer.GetProperty("hookStatus").GetString());
        Assert.StartsWith($"Guard: OrdersFunction ({Repository}:v3) will start on arm64; /main: ELF aarch64", answer.GetProperty("message").GetString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Create_ImageConfigEntryPointNamesNothingInTheImage_FailsNonCompliant()
    {
        _stack.Ecr.Push(GoImage(ElfBuilder.Static(ElfBuilder.X8664), "amd64"), "orders", "v4");
        var config = new JsonObject { ["EntryPoint"] = new JsonArray("/app/server") };

        var answer = await AnswerAsync(StackRequests.Hook("CREATE_PRE_PROVISION", StackRequests.ImageFunctionProperties(Repository + ":v4", imageConfig: config)));

        Assert.Equal("FAILED", answer.GetProperty("hookStatus").GetString());
        Assert.Contains("IMAGE_ENTRYPOINT_MISSING", answer.GetProperty("message").GetString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Create_ServerlessFunctionImageForAnotherArchitecture_FailsNonCompliant()
    {
        _stack.Ecr.Push(GoImage(ElfBuilder.Static(ElfBuilder.X8664), "amd64"), "orders", "v5");
        var properties = new JsonObject { ["PackageType"] = "Image", ["ImageUri"] = Repository + ":v5", ["Architectures"] = new JsonArray("arm64") };

        var answer = await AnswerAsync(StackRequests.Hook("CREATE_PRE_PROVISION", properties, targetName: HookHandler.ServerlessFunctionType));

        Assert.Equal("FAILED", answer.GetProperty("hookStatus").GetString());
        Assert.Contains("IMAGE_WRONG_ARCH", answer.GetProperty("message").GetString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Create_ImageReadStalls_AnswersInProgressInTime_ThenFailsOnTheThirdInvocation()
    {
        var stack = new StackCheckHarness(hookBudget: TimeSpan.FromSeconds(1));
        await using var _ = stack;
        stack.Ecr.Push(GoImage(ElfBuilder.Static(ElfBuilder.X8664), "amd64"), "orders", "slow");
        stack.Ecr.Delay = TimeSpan.FromMinutes(5);
        var request = StackRequests.ImageFunctionProperties(Repository + ":slow");

        var started = DateTimeOffset.UtcNow;
        var first = await AnswerAsync(stack, StackRequests.Hook("CREATE_PRE_PROVISION", request));
        var elapsed = DateTimeOffset.UtcNow - started;
        var third = await AnswerAsync(stack, StackRequests.Hook("CREATE_PRE_PROVISION", StackRequests.ImageFunctionProperties(Repository + ":slow"), invocation: 3));

        Assert.Equal("IN_PROGRESS", first.GetProperty("hookStatus").GetString());
        Assert.InRange(elapsed, TimeSpan.FromSeconds(0.9), TimeSpan.FromSeconds(5));
        Assert.Equal(("FAILED", "InternalFailure"), (third.GetProperty("hookStatus").GetString(), third.GetProperty("errorCode").GetString()));
        Assert.Contains($"the check of OrdersFunction ({Repository}:slow) did not finish in time", third.GetProperty("message").GetString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Create_ReadStalls_AnswersInProgressInTime_ThenFailsOnTheThirdInvocation()
    {
        var stack = new StackCheckHarness(hookBudget: TimeSpan.FromSeconds(1));
        await using var _ = stack;
        stack.S3.Hang = true;

        var started = DateTimeOffset.UtcNow;
        var first = await AnswerAsync(stack, StackRequests.Hook("CREATE_PRE_PROVISION", StackRequests.FunctionProperties(StackCheckHarness.Bucket, "k.zip")));
        var elapsed = DateTimeOffset.UtcNow - started;
        var third = await AnswerAsync(stack, StackRequests.Hook("CREATE_PRE_PROVISION", StackRequests.FunctionProperties(StackCheckHarness.Bucket, "k.zip"),
            invocation: 3, callbackContext: JsonNode.Parse(first.GetProperty("callbackContext").GetRawText())));

        Assert.Equal("IN_PROGRESS", first.GetProperty("hookStatus").GetString());
        Assert.Equal(HookHandler.RetryDelaySeconds, first.GetProperty("callbackDelaySeconds").GetInt32());
        Assert.Contains("did not finish in time", first.GetProperty("callbackContext").GetProperty("retry").GetString(), StringComparison.Ordinal);
        Assert.InRange(elapsed, TimeSpan.FromSeconds(0.9), TimeSpan.FromSeconds(5));
        Assert.Equal("FAILED", third.GetProperty("hookStatus").GetString());
        Assert.Equal("InternalFailure", third.GetProperty("errorCode").GetString());
        Assert.Contains("after 3 attempts", third.GetProperty("message").GetString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Create_LambdaDeadlineBeforeTheBudget_AnswersBeforeIt()
    {
        var stack = new StackCheckHarness(hookBudget: TimeSpan.FromSeconds(25));
        await using var _ = stack;
        stack.S3.Hang = true;

        var started = DateTimeOffset.UtcNow;
        var answer = StackCheckHarness.Parse(await stack.InvokeAsync(StackRequests.Hook("CREATE_PRE_PROVISION", StackRequests.FunctionProperties(StackCheckHarness.Bucket, "k.zip")), TimeSpan.FromSeconds(2.5)));

        Assert.Equal("IN_PROGRESS", answer.GetProperty("hookStatus").GetString());
        Assert.True(DateTimeOffset.UtcNow - started < TimeSpan.FromSeconds(2.5));
    }

    [Fact]
    public async Task Create_TransientFailure_InProgress_PermanentFailure_InternalFailure()
    {
        _stack.S3.FailWith = new PackageUnavailableException("s3://orders-artifacts/k.zip: SlowDown (HTTP 503); try again later") { IsTransient = true };
        var transient = await AnswerAsync(StackRequests.Hook("CREATE_PRE_PROVISION", StackRequests.FunctionProperties(StackCheckHarness.Bucket, "k.zip")));
        _stack.S3.FailWith = new PackageUnavailableException("s3://orders-artifacts/k.zip: access denied (needs s3:GetObject)");
        var denied = await AnswerAsync(StackRequests.Hook("CREATE_PRE_PROVISION", StackRequests.FunctionProperties(StackCheckHarness.Bucket, "k.zip")));

        Assert.Equal("IN_PROGRESS", transient.GetProperty("hookStatus").GetString());
        Assert.Equal(("FAILED", "InternalFailure"), (denied.GetProperty("hookStatus").GetString(), denied.GetProperty("errorCode").GetString()));
        Assert.Contains("ArtifactObjectArns", denied.GetProperty("message").GetString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Create_LayerArns_AreResolvedAndJudgedTogether()
    {
        const string LayerArn = "arn:aws:lambda:us-east-1:266106314375:layer:empty:1";
        var layerLocation = new Uri("https://prod-04-2014-layers.s3.us-east-1.amazonaws.com/snapshots/empty-1?X-Amz-Signature=x");
        _stack.Lambda.AddLayer(LayerArn, layerLocation.AbsoluteUri);
        _stack.Urls.Serve(layerLocation, new Guard.Testing.PackageBuilder().AddFile("lib/readme.txt", "nothing here").ToArray());
        _stack.S3.Put(StackCheckHarness.Bucket, "nobootstrap.zip", new Guard.Testing.PackageBuilder().AddFile("main", "x").ToArray());

        var answer = await AnswerAsync(StackRequests.Hook("CREATE_PRE_PROVISION", StackRequests.FunctionProperties(StackCheckHarness.Bucket, "nobootstrap.zip", layers: LayerArn)));

        Assert.Equal("FAILED", answer.GetProperty("hookStatus").GetString());
        Assert.Contains(FindingCodes.BootstrapMissing, answer.GetProperty("message").GetString(), StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(CCompiler.Aarch64, "FAILED")]
    [InlineData(CCompiler.X8664, "SUCCESS")]
    public async Task Create_Python312WithAnExtensionLayer_JudgesTheExtensionWithoutOpeningTheCode(string compiler, string status)
    {
        const string LayerArn = "arn:aws:lambda:us-east-1:266106314375:layer:agent:4";
        var layerLocation = new Uri("https://prod-04-2014-layers.s3.us-east-1.amazonaws.com/snapshots/agent-4?X-Amz-Signature=x");
        var extension = await CCompiler.CompileAsync(compiler, cancellationToken: TestContext.Current.CancellationToken);
        _stack.Lambda.AddLayer(LayerArn, layerLocation.AbsoluteUri);
        _stack.Urls.Serve(layerLocation, new PackageBuilder().AddFile("extensions/agent", extension, PackageBuilder.ExecutableMode).ToArray());
        _stack.S3.Put(StackCheckHarness.Bucket, "py.zip", new PackageBuilder().AddFile("app.py", "def handler(event, context):\n    return event\n").ToArray());

        var answer = await AnswerAsync(StackRequests.Hook("CREATE_PRE_PROVISION", StackRequests.FunctionProperties(StackCheckHarness.Bucket, "py.zip", runtime: "python3.12", layers: LayerArn)));

        Assert.Equal(status, answer.GetProperty("hookStatus").GetString());
        var message = answer.GetProperty("message").GetString()!;
        if (status == "FAILED")
        {
            Assert.Equal("NonCompliant", answer.GetProperty("errorCode").GetString());
            Assert.StartsWith("Guard: OrdersFunction (s3://orders-artifacts/py.zip) will not start on python3.12 (x86_64). EXTENSION_WRONG_ARCH: ", message, StringComparison.Ordinal);
        }
        else
        {
            Assert.Equal("Guard: OrdersFunction (s3://orders-artifacts/py.zip) will start on python3.12 (x86_64); Lambda supplies the bootstrap and every layer's extension can start.", message);
        }

        Assert.DoesNotContain("BOOTSTRAP_", message, StringComparison.Ordinal);
        Assert.Equal(0, _stack.S3.Opened);
    }

    [Fact]
    public async Task Create_InlinePythonWithAnAarch64ExtensionLayer_FailsOnTheExtension()
    {
        const string LayerArn = "arn:aws:lambda:us-east-1:266106314375:layer:agent:5";
        var layerLocation = new Uri("https://prod-04-2014-layers.s3.us-east-1.amazonaws.com/snapshots/agent-5?X-Amz-Signature=x");
        var extension = await CCompiler.CompileAsync(CCompiler.Aarch64, cancellationToken: TestContext.Current.CancellationToken);
        _stack.Lambda.AddLayer(LayerArn, layerLocation.AbsoluteUri);
        _stack.Urls.Serve(layerLocation, new PackageBuilder().AddFile("extensions/agent", extension, PackageBuilder.ExecutableMode).ToArray());
        var properties = new JsonObject
        {
            ["Code"] = new JsonObject { ["ZipFile"] = "def handler(event, context):\n    return event\n" },
            ["Runtime"] = "python3.12",
            ["Handler"] = "index.handler",
            ["Layers"] = new JsonArray(LayerArn),
        };

        var answer = await AnswerAsync(StackRequests.Hook("CREATE_PRE_PROVISION", properties));

        Assert.Equal("FAILED", answer.GetProperty("hookStatus").GetString());
        Assert.StartsWith("Guard: OrdersFunction (inline ZipFile code) will not start on python3.12 (x86_64). EXTENSION_WRONG_ARCH: ", answer.GetProperty("message").GetString(), StringComparison.Ordinal);
        Assert.Equal(0, _stack.S3.Opened);
    }

    [Fact]
    public async Task Message_CloudControlTarget_IsCutTo1024Characters()
    {
        _stack.S3.FailWith = new AwsServiceException("ValidationException", 400, new string('v', 5000));

        var answer = await AnswerAsync(StackRequests.Hook("CREATE_PRE_PROVISION", StackRequests.FunctionProperties(StackCheckHarness.Bucket, "k.zip"), targetType: "RESOURCE"));
        var cloudFormation = await AnswerAsync(StackRequests.Hook("CREATE_PRE_PROVISION", StackRequests.FunctionProperties(StackCheckHarness.Bucket, "k.zip")));

        Assert.Equal(1024, answer.GetProperty("message").GetString()!.Length);
        Assert.Equal(4096, cloudFormation.GetProperty("message").GetString()!.Length);
    }

    [Fact]
    public async Task UnreadableRequest_FailsInternalFailureEchoingTheToken()
    {
        var answer = await AnswerAsync("""{"hookTypeName":"Guard::Lambda::BootstrapCheck","actionInvocationPoint":"CREATE_PRE_PROVISION","requestContext":{"invocation":"first"},"clientRequestToken":"tok-9"}""");

        Assert.Equal(("FAILED", "InternalFailure", "tok-9"),
            (answer.GetProperty("hookStatus").GetString(), answer.GetProperty("errorCode").GetString(), answer.GetProperty("clientRequestToken").GetString()));
    }

    [Fact]
    public void Request_DocumentedShape_ReadsEveryField()
    {
        var json = StackRequests.Hook("UPDATE_PRE_PROVISION", StackRequests.FunctionProperties("b", "k"), StackRequests.FunctionProperties("b", "old"), invocation: 2, callbackContext: new JsonObject { ["retry"] = "x" });

        var request = JsonSerializer.Deserialize(json, FunctionJsonContext.Default.HookRequest)!;

        Assert.Equal("266106314375", request.AwsAccountId);
        Assert.Equal(StackRequests.StackId, request.StackId);
        Assert.Equal(StackRequests.HookTypeName, request.HookTypeName);
        Assert.Equal("00000001", request.HookTypeVersion);
        Assert.Equal(StackRequests.ServiceToken, request.HookModel!.LambdaFunction);
        Assert.Equal("UPDATE_PRE_PROVISION", request.ActionInvocationPoint);
        Assert.Equal(("AWS::Lambda::Function", "AWS::Lambda::Function", "OrdersFunction"), (request.RequestData!.TargetName, request.RequestData.TargetType, request.RequestData.TargetLogicalId));
        Assert.Equal("k", request.RequestData.TargetModel!.ResourceProperties.GetProperty("Code").GetProperty("S3Key").GetString());
        Assert.Equal("old", request.RequestData.TargetModel.PreviousResourceProperties.GetProperty("Code").GetProperty("S3Key").GetString());
        Assert.Equal(2, request.RequestContext!.Invocation);
        Assert.Equal("x", request.RequestContext.CallbackContext.GetProperty("retry").GetString());
        Assert.Equal("123avjdjk31", request.ClientRequestToken);
    }

    [Fact]
    public void Response_DocumentedExamples_SerializeExactly()
    {
        Assert.Equal("""{"hookStatus":"SUCCESS","message":"compliant","clientRequestToken":"123avjdjk31"}""",
            JsonSerializer.Serialize(new HookResponse("SUCCESS", null, "compliant", "123avjdjk31"), FunctionJsonContext.Default.HookResponse));
        Assert.Equal("""{"hookStatus":"FAILED","errorCode":"NonCompliant","message":"S3 Bucket Versioning must be enabled.","clientRequestToken":"123avjdjk31"}""",
            JsonSerializer.Serialize(new HookResponse("FAILED", "NonCompliant", "S3 Bucket Versioning must be enabled.", "123avjdjk31"), FunctionJsonContext.Default.HookResponse));
    }

    [Fact]
    public void Plan_ArchitecturesAndVersion_AreRead()
    {
        var request = JsonSerializer.Deserialize(StackRequests.Hook("CREATE_PRE_PROVISION", StackRequests.FunctionProperties("b", "k/f.zip", architecture: "arm64", version: "v7")), FunctionJsonContext.Default.HookRequest)!;

        var target = HookHandler.Plan(request, RuntimeCatalog.Default, out var pass);

        Assert.Null(pass);
        Assert.Equal(("b", "k/f.zip", "v7"), (target!.Code!.Bucket, target.Code.Key, target.Code.VersionId));
        Assert.Equal(Architecture.Arm64, target.Architecture);
        Assert.Equal("provided.al2023", target.Runtime);
        Assert.Equal("bootstrap", target.Handler);
    }

    private static JsonObject Tagged(JsonObject properties)
    {
        properties["Tags"] = new JsonArray(new JsonObject { ["Key"] = "team", ["Value"] = "orders" });
        return properties;
    }
}
