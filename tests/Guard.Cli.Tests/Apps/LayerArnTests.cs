using System.Text;
using System.Text.Json;
using Guard.Cli.Tests.Support;
using Guard.Testing;

namespace Guard.Cli.Tests.Apps;

/// <summary>
/// Layer-version ARNs are read with GetLayerVersionByArn when credentials are there: a local server stands in for
/// Lambda (moto 5 does not implement GetLayerVersionByArn) and serves the layer's zip at the Content.Location it
/// names. Without credentials each such layer is LAYER_NOT_CHECKED, never silently skipped.
/// </summary>
public sealed class LayerArnTests : IAsyncLifetime
{
    private const string RuntimeLayerArn = "arn:aws:lambda:eu-west-1:123456789012:layer:provided-runtime:3";

    private readonly Scratch _scratch = new();
    private LocalHttpServer _server = null!;

    public ValueTask InitializeAsync()
    {
        _server = LocalHttpServer.Start();
        return ValueTask.CompletedTask;
    }

    public async ValueTask DisposeAsync()
    {
        await _server.DisposeAsync();
        _scratch.Dispose();
    }

    private Dictionary<string, string> StandInLambda()
    {
        var layerZip = _server.Serve("/layers/provided-runtime-3.zip", new PackageBuilder().AddFile("bootstrap", TestApps.Arm64, PackageBuilder.ExecutableMode).ToArray());
        var answer = $$$"""{"LayerVersionArn": "{{{RuntimeLayerArn}}}", "Version": 3, "Content": {"Location": "{{{layerZip}}}?X-Amz-Signature=secret", "CodeSha256": "x", "CodeSize": 400}}""";
        _server.Serve("/2018-10-31/layers", Encoding.UTF8.GetBytes(answer));
        return new Dictionary<string, string>
        {
            ["AWS_ACCESS_KEY_ID"] = "AKIDEXAMPLE",
            ["AWS_SECRET_ACCESS_KEY"] = "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY",
            ["AWS_ENDPOINT_URL_LAMBDA"] = _server.BaseAddress.ToString(),
        };
    }

    [Fact]
    public async Task Check_WithALayerArnAndCredentials_ReadsTheLayerNamedByItsArn()
    {
        var package = _scratch.Write("function.zip", new PackageBuilder().AddFile("handler.conf", "mode=api").ToArray());

        var run = await GuardProcess.RunAsync(StandInLambda(), "check", package, "--layer", RuntimeLayerArn, "--architecture", "arm64");

        Assert.True(run.ExitCode == ExitCodes.Ok, run.Output + run.Error);
        Assert.Contains($"/opt/bootstrap: ELF aarch64, static, mode 0755, 352 B, from layer {RuntimeLayerArn}", run.Output, StringComparison.Ordinal);
        Assert.DoesNotContain("secret", run.Output, StringComparison.Ordinal);
        Assert.Contains(_server.Requests, r => r.PathAndQuery.StartsWith("/2018-10-31/layers?find=LayerVersion&Arn=arn%3Aaws%3Alambda%3Aeu-west-1", StringComparison.Ordinal));
    }

    [Fact]
    public async Task Check_OnAnAppWhoseBootstrapComesFromALayerArn_ChecksItWithCredentials()
    {
        var template = WriteArnApp();

        var run = await GuardProcess.RunAsync(StandInLambda(), "check", template, "--format", "json");

        Assert.True(run.ExitCode == ExitCodes.Ok, run.Output + run.Error);
        using var json = JsonDocument.Parse(run.Output);
        var function = json.RootElement.GetProperty("functions")[0];
        Assert.Equal("ok", function.GetProperty("verdict").GetString());
        Assert.Equal(RuntimeLayerArn, function.GetProperty("bootstrap").GetProperty("layer").GetString());
    }

    [Fact]
    public async Task Check_OnAnAppWhoseBootstrapComesFromALayerArn_WithoutCredentialsIsNotCheckedNotBroken()
    {
        var template = WriteArnApp();

        var run = await GuardProcess.RunAsync("check", template, "--format", "json");

        Assert.Equal(ExitCodes.UsageOrUnavailable, run.ExitCode);
        using var json = JsonDocument.Parse(run.Output);
        var function = json.RootElement.GetProperty("functions")[0];
        Assert.Equal("unchecked", function.GetProperty("verdict").GetString());
        Assert.Contains("a layer Guard did not read may provide it", function.GetProperty("reason").GetString(), StringComparison.Ordinal);
        var layer = Assert.Single(function.GetProperty("findings").EnumerateArray(), f => f.GetProperty("code").GetString() == "LAYER_NOT_CHECKED");
        Assert.Contains($"layer {RuntimeLayerArn} was not checked: not in the app, and no AWS credentials", layer.GetProperty("message").GetString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Check_WhenTheFunctionHasItsOwnBootstrap_AnUnreadLayerArnIsAnInfoFinding()
    {
        var template = TestApps.WriteLayerOrder(_scratch);

        var run = await GuardProcess.RunAsync("check", template);

        Assert.Equal(ExitCodes.Ok, run.ExitCode);
        Assert.Contains("info    LAYER_NOT_CHECKED", run.Output, StringComparison.Ordinal);
        Assert.Contains("arn:aws:lambda:us-east-1:123456789012:layer:insights:21 was not checked: not in the app, and no AWS credentials", run.Output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Check_OnAnAppOfManyFunctions_JudgesTheirPackagesInParallelAndReportsInTemplateOrder()
    {
        const int Functions = 8;
        _scratch.Write("many/functions/api/handler.conf", "mode=api");
        var resources = string.Concat(Enumerable.Range(1, Functions).Select(i => $$"""

              Fn{{i}}:
                Type: AWS::Serverless::Function
                Properties:
                  CodeUri: functions/api/
                  Runtime: provided.al2023
                  Architectures: [arm64]
                  Layers:
                    - arn:aws:lambda:eu-west-1:123456789012:layer:provided-runtime:{{i}}
            """));
        var template = _scratch.Write("many/template.yaml", "AWSTemplateFormatVersion: \"2010-09-09\"\nTransform: AWS::Serverless-2016-10-31\nResources:" + resources + "\n");
        var environment = StandInLambda();
        _server.ResponseDelay = TimeSpan.FromMilliseconds(200);

        var run = await GuardProcess.RunAsync(environment, "check", template, "--format", "json");

        Assert.True(run.ExitCode == ExitCodes.Ok, run.Output + run.Error);
        using var json = JsonDocument.Parse(run.Output);
        Assert.Equal(Enumerable.Range(1, Functions).Select(i => $"Fn{i}"), json.RootElement.GetProperty("functions").EnumerateArray().Select(f => f.GetProperty("logicalId").GetString()));
        // Each function's layer look-up waits on the server; one at a time would never have two in flight.
        Assert.True(_server.MaxConcurrentRequests >= 2, $"at most {_server.MaxConcurrentRequests} request(s) in flight over {_server.RequestCount}");
    }

    private string WriteArnApp()
    {
        _scratch.Write("arn/functions/api/handler.conf", "mode=api");
        return _scratch.Write("arn/template.yaml", TestApps.ArnLayer);
    }
}
