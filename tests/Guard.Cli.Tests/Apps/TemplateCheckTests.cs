using System.Text.Json;
using Guard.Cli.Tests.Support;
using Guard.Testing;

namespace Guard.Cli.Tests.Apps;

/// <summary><c>guard check template.yaml</c>: every function of a SAM or CloudFormation app, each with its own verdict.</summary>
public sealed class TemplateCheckTests : IDisposable
{
    private readonly Scratch _scratch = new();

    public void Dispose() => _scratch.Dispose();

    private static Task<(int ExitCode, string Output, string Error)> RunAsync(params string[] args) => FolderPackageTests.RunAsync(args);

    private static Dictionary<string, JsonElement> ByLogicalId(JsonDocument json) =>
        json.RootElement.GetProperty("functions").EnumerateArray().ToDictionary(f => f.GetProperty("logicalId").GetString()!, f => f.Clone());

    [Fact]
    public async Task Check_AFunctionsLdLibraryPath_IsReadFromItsEnvironmentAndGlobals_AndUnknownWhenAnIntrinsicDecidesIt()
    {
        var crypt = await NativeBuild.LibraryAsync(NativeArchitecture.X8664, "libcrypt.so.1", new Dictionary<string, IReadOnlyList<string>> { ["XCRYPT_2.0"] = ["crypt_r"] }, cancellationToken: TestContext.Current.CancellationToken);
        var program = await NativeBuild.ProgramCallingAsync(NativeArchitecture.X8664, [crypt], cancellationToken: TestContext.Current.CancellationToken);
        foreach (var name in new[] { "vendored", "plain", "decided" })
        {
            _scratch.Write($"env/{name}/bootstrap", program, Scratch.Executable);
            _scratch.Write($"env/{name}/vendor/libcrypt.so.1", crypt.Bytes, Scratch.Regular);
        }

        var template = _scratch.Write("env/template.yaml", """
            AWSTemplateFormatVersion: "2010-09-09"
            Transform: AWS::Serverless-2016-10-31
            Parameters:
              Vendored:
                Type: String
                Default: "yes"
            Conditions:
              UseVendor: !Equals [!Ref Vendored, "yes"]
            Globals:
              Function:
                Runtime: provided.al2023
                Handler: bootstrap
            Resources:
              VendoredFunction:
                Type: AWS::Serverless::Function
                Properties:
                  CodeUri: vendored/
                  Environment:
                    Variables:
                      LD_LIBRARY_PATH: /var/task/vendor
              PlainFunction:
                Type: AWS::Serverless::Function
                Properties:
                  CodeUri: plain/
              DecidedFunction:
                Type: AWS::Serverless::Function
                Properties:
                  CodeUri: decided/
                  Environment: !If [UseVendor, { Variables: { LD_LIBRARY_PATH: /var/task/vendor } }, !Ref AWS::NoValue]
            """);

        var (exitCode, output, error) = await RunAsync("check", template, "--format", "json");

        Assert.True(exitCode == ExitCodes.Broken, $"exit {exitCode}: {error}");
        using var json = JsonDocument.Parse(output);
        var functions = json.RootElement.GetProperty("functions").EnumerateArray().ToDictionary(f => f.GetProperty("logicalId").GetString()!, f => f.Clone());
        string[] Codes(string id) => [.. functions[id].GetProperty("findings").EnumerateArray().Select(f => f.GetProperty("code").GetString()!)];
        Assert.Equal("ok", functions["VendoredFunction"].GetProperty("verdict").GetString());
        Assert.Empty(Codes("VendoredFunction"));
        Assert.Equal(["BOOTSTRAP_LIBRARY_MISSING"], Codes("PlainFunction"));
        Assert.Equal(["BOOTSTRAP_LIBRARY_UNVERIFIED"], Codes("DecidedFunction"));
    }

    [Fact]
    public async Task Check_SamAppOnPython312_JudgesEachFunctionsLayerExtensionsInlineCodeIncludedAndSkipsOneWithoutLayers()
    {
        var cancel = TestContext.Current.CancellationToken;
        _scratch.Write("py/layers/arm/extensions/agent", await CCompiler.CompileAsync(CCompiler.Aarch64, cancellationToken: cancel), Scratch.Executable);
        _scratch.Write("py/layers/x86/extensions/agent", await CCompiler.CompileAsync(CCompiler.X8664, cancellationToken: cancel), Scratch.Executable);
        _scratch.Write("py/src/app.py", "def handler(event, context):\n    return event\n");
        var template = _scratch.Write("py/template.yaml", """
            AWSTemplateFormatVersion: "2010-09-09"
            Transform: AWS::Serverless-2016-10-31
            Globals:
              Function:
                Runtime: python3.12
                Handler: app.handler
                Architectures: [x86_64]
            Resources:
              ArmAgentFunction:
                Type: AWS::Serverless::Function
                Properties:
                  CodeUri: src/
                  Layers: [!Ref ArmAgentLayer]
              X86AgentFunction:
                Type: AWS::Serverless::Function
                Properties:
                  CodeUri: src/
                  Layers: [!Ref X86AgentLayer]
              InlineArmAgentFunction:
                Type: AWS::Serverless::Function
                Properties:
                  InlineCode: "def handler(event, context):\n    return event\n"
                  Handler: index.handler
                  Layers: [!Ref ArmAgentLayer]
              PlainFunction:
                Type: AWS::Serverless::Function
                Properties:
                  CodeUri: src/
              ArmAgentLayer:
                Type: AWS::Serverless::LayerVersion
                Properties:
                  ContentUri: layers/arm/
              X86AgentLayer:
                Type: AWS::Serverless::LayerVersion
                Properties:
                  ContentUri: layers/x86/
            """);

        var (exitCode, output, error) = await RunAsync("check", template, "--format", "json");

        Assert.True(exitCode == ExitCodes.Broken, $"exit {exitCode}: {error}");
        using var json = JsonDocument.Parse(output);
        var functions = ByLogicalId(json);
        Assert.Equal("broken", functions["ArmAgentFunction"].GetProperty("verdict").GetString());
        Assert.Equal(["EXTENSION_WRONG_ARCH"], functions["ArmAgentFunction"].GetProperty("findings").EnumerateArray().Select(f => f.GetProperty("code").GetString()));
        Assert.Equal("ok", functions["X86AgentFunction"].GetProperty("verdict").GetString());
        // Inline code is no package, yet its layers' extensions run just the same.
        Assert.Equal("broken", functions["InlineArmAgentFunction"].GetProperty("verdict").GetString());
        Assert.Equal(["EXTENSION_WRONG_ARCH"], functions["InlineArmAgentFunction"].GetProperty("findings").EnumerateArray().Select(f => f.GetProperty("code").GetString()));
        Assert.Equal("skipped", functions["PlainFunction"].GetProperty("verdict").GetString());
        Assert.Contains("python3.12 is a managed runtime without layers", functions["PlainFunction"].GetProperty("reason").GetString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Check_OnASamApp_GivesEachFunctionItsOwnVerdict()
    {
        var template = TestApps.WriteApp(_scratch);

        var (exitCode, output, error) = await RunAsync("check", template, "--format", "json");

        Assert.Equal(ExitCodes.Broken, exitCode);
        Assert.Empty(error);
        using var json = JsonDocument.Parse(output);
        Assert.Equal(2, json.RootElement.GetProperty("schemaVersion").GetInt32());
        var functions = ByLogicalId(json);
        Assert.Equal("ok", functions["OrdersFunction"].GetProperty("verdict").GetString());
        Assert.Equal("arm64", functions["OrdersFunction"].GetProperty("architecture").GetString());
        Assert.Equal("provided.al2023", functions["OrdersFunction"].GetProperty("runtime").GetString());
        Assert.Equal(_scratch.PathOf("app/functions/orders"), functions["OrdersFunction"].GetProperty("codePath").GetString());
        Assert.Equal(template, functions["OrdersFunction"].GetProperty("templateFile").GetString());
        Assert.Equal("BOOTSTRAP_MISSING", Code(functions["MissingBootstrapFunction"]));
        Assert.Equal("BOOTSTRAP_NOT_EXECUTABLE", Code(functions["NotExecutableFunction"]));
        Assert.Equal("BOOTSTRAP_WRONG_ARCH", Code(functions["WrongArchFunction"]));
        Assert.Equal("ok", functions["LayerBootstrapFunction"].GetProperty("verdict").GetString());
        Assert.Equal("/opt/bootstrap", functions["LayerBootstrapFunction"].GetProperty("bootstrap").GetProperty("path").GetString());
        Assert.Equal("skipped", functions["ReportsFunction"].GetProperty("verdict").GetString());
        Assert.Contains("python3.12 is a managed runtime", functions["ReportsFunction"].GetProperty("reason").GetString(), StringComparison.Ordinal);
        // Its ECR repository is not reachable from here: an image that cannot be read is not checked, never broken.
        Assert.Equal("unchecked", functions["ThumbnailFunction"].GetProperty("verdict").GetString());
        Assert.Equal("image", functions["ThumbnailFunction"].GetProperty("runtime").GetString());
        Assert.Equal(7, functions.Count);
    }

    [Fact]
    public async Task Check_OnASamApp_GroupsTheTextByFunctionWithTemplateLine()
    {
        var template = TestApps.WriteApp(_scratch);

        var (_, output, _) = await RunAsync("check", template);

        Assert.Contains($"OrdersFunction  ({template}:17)\n  OK  {_scratch.PathOf("app/functions/orders")}", output, StringComparison.Ordinal);
        Assert.Contains($"WrongArchFunction  ({template}:38)\n  BROKEN", output, StringComparison.Ordinal);
        Assert.Contains("SKIPPED  ", output, StringComparison.Ordinal);
        Assert.EndsWith("7 functions: 2 ok, 3 broken, 1 skipped, 1 not checked; exit 1\n", output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Check_WithParameterOverride_UsesItOverTheDefault()
    {
        var template = TestApps.WriteApp(_scratch);

        var (_, output, _) = await RunAsync("check", template, "--format", "json", "--parameter-overrides", "Arch=x86_64");

        using var json = JsonDocument.Parse(output);
        var functions = ByLogicalId(json);
        Assert.Equal("ok", functions["WrongArchFunction"].GetProperty("verdict").GetString());
        Assert.Equal("x86_64", functions["WrongArchFunction"].GetProperty("architecture").GetString());
        Assert.Equal("BOOTSTRAP_WRONG_ARCH", Code(functions["OrdersFunction"]));
    }

    [Fact]
    public async Task Check_WithParameterOverridesBeforeTheTemplate_StillReadsTheTemplate()
    {
        var template = TestApps.WriteApp(_scratch);

        var (_, output, error) = await RunAsync("check", "--parameter-overrides", "Arch=x86_64", template, "--format", "json");

        Assert.Empty(error);
        using var json = JsonDocument.Parse(output);
        Assert.Equal("x86_64", ByLogicalId(json)["WrongArchFunction"].GetProperty("architecture").GetString());
    }

    [Fact]
    public async Task Check_WithParameterOverrideTheTemplateLacks_ExitsTwoNamingIt()
    {
        var template = TestApps.WriteApp(_scratch);

        var (exitCode, _, error) = await RunAsync("check", template, "--parameter-overrides", "Archh=x86_64");

        Assert.Equal(ExitCodes.UsageOrUnavailable, exitCode);
        Assert.Contains("Archh", error, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Check_WhenRuntimeIsGetAtt_ReportsThatFunctionNotCheckedAndChecksTheOthers()
    {
        var template = TestApps.WriteGetAtt(_scratch);

        var (exitCode, output, error) = await RunAsync("check", template);

        Assert.Equal(ExitCodes.UsageOrUnavailable, exitCode);
        Assert.Empty(error);
        Assert.Contains($"DynamicFunction  ({template}:12)\n  NOT CHECKED", output, StringComparison.Ordinal);
        Assert.Contains("Runtime !GetAtt RuntimeName.Value: a resource's attribute is known only after deploy", output, StringComparison.Ordinal);
        Assert.Contains($"StaticFunction  ({template}:19)\n  OK", output, StringComparison.Ordinal);
        Assert.DoesNotContain("   at ", output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Check_WhenGlobalsAndFunctionBothListLayers_GlobalsComeFirstAndTheFunctionsLayerWins()
    {
        var template = TestApps.WriteLayerOrder(_scratch);

        var run = await GuardProcess.RunAsync("check", template, "--format", "json");

        Assert.Equal(ExitCodes.Ok, run.ExitCode);
        using var json = JsonDocument.Parse(run.Output);
        var api = ByLogicalId(json)["ApiFunction"];
        Assert.Equal("ok", api.GetProperty("verdict").GetString());
        Assert.Equal("aarch64", api.GetProperty("bootstrap").GetProperty("machine").GetString());
        Assert.Equal(_scratch.PathOf("layers/layers/override") + "/", api.GetProperty("bootstrap").GetProperty("layer").GetString());
        var layerNotChecked = Assert.Single(api.GetProperty("findings").EnumerateArray(), f => f.GetProperty("code").GetString() == "LAYER_NOT_CHECKED");
        Assert.Equal("info", layerNotChecked.GetProperty("severity").GetString());
        Assert.Contains("arn:aws:lambda:us-east-1:123456789012:layer:insights:21 was not checked: not in the app", layerNotChecked.GetProperty("message").GetString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Check_OnTheBuiltTemplate_ChecksTheBuiltFolders()
    {
        var template = TestApps.WriteBuilt(_scratch);

        var (exitCode, output, _) = await RunAsync("check", template, "--format", "json");

        Assert.Equal(ExitCodes.Broken, exitCode);
        using var json = JsonDocument.Parse(output);
        var functions = ByLogicalId(json);
        Assert.Equal("ok", functions["OrdersFunction"].GetProperty("verdict").GetString());
        Assert.Equal(_scratch.PathOf("built/.aws-sam/build/OrdersFunction"), functions["OrdersFunction"].GetProperty("codePath").GetString());
        Assert.Equal("BOOTSTRAP_NOT_EXECUTABLE", Code(functions["BillingFunction"]));
    }

    [Fact]
    public async Task Check_OnASourceTemplateWithBuildMethod_ChecksWhatSamBuildMade()
    {
        var template = TestApps.WriteSourceWithBuildMethod(_scratch, build: true);

        var (exitCode, output, _) = await RunAsync("check", template, "--format", "json");

        Assert.Equal(ExitCodes.Broken, exitCode);
        using var json = JsonDocument.Parse(output);
        var functions = ByLogicalId(json);
        Assert.Equal(_scratch.PathOf("built/.aws-sam/build/OrdersFunction"), functions["OrdersFunction"].GetProperty("codePath").GetString());
        Assert.Equal("ok", functions["OrdersFunction"].GetProperty("verdict").GetString());
    }

    [Fact]
    public async Task Check_OnASourceTemplateNotYetBuilt_SaysToRunSamBuild()
    {
        var template = TestApps.WriteSourceWithBuildMethod(_scratch, build: false);

        var (exitCode, output, _) = await RunAsync("check", template);

        Assert.Equal(ExitCodes.UsageOrUnavailable, exitCode);
        Assert.Contains("is built by sam build (Metadata.BuildMethod)", output, StringComparison.Ordinal);
        Assert.Contains("fix: run sam build, then guard check", output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Check_OnAGo1xSourceTemplateNotYetBuilt_SaysToRunSamBuildAndStillReportsTheBlockedRuntime()
    {
        // SAM's Go modules builder compiles CodeUri into the binary the Handler names: the source folder is not the
        // package, so "hello is not in the package" would be a false BOOTSTRAP_MISSING.
        _scratch.Write("go1x/hello/main.go", "package main\n\nfunc main() {}\n");
        _scratch.Write("go1x/hello/go.mod", "module hello\n\ngo 1.19\n");
        var template = _scratch.Write("go1x/template.yaml", """
            Transform: AWS::Serverless-2016-10-31
            Resources:
              HelloFunction:
                Type: AWS::Serverless::Function
                Properties:
                  CodeUri: hello/
                  Handler: hello
                  Runtime: go1.x
            """);

        var (_, output, _) = await RunAsync("check", template, "--format", "json");

        using var json = JsonDocument.Parse(output);
        var hello = ByLogicalId(json)["HelloFunction"];
        var codes = hello.GetProperty("findings").EnumerateArray().Select(f => f.GetProperty("code").GetString()).ToList();
        Assert.DoesNotContain("BOOTSTRAP_MISSING", codes);
        Assert.Contains("RUNTIME_DEPLOY_BLOCKED", codes);
        Assert.Contains("go1.x: its Go modules builder compiles the Go source in CodeUri", output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Check_OnCloudFormationJson_ChecksTheLocalZipAndNamesWhyS3CodeWasNotRead()
    {
        var template = TestApps.WriteCloudFormationJson(_scratch);

        var run = await GuardProcess.RunAsync("check", template, "--format", "json");

        Assert.Equal(ExitCodes.UsageOrUnavailable, run.ExitCode);
        using var json = JsonDocument.Parse(run.Output);
        var functions = ByLogicalId(json);
        Assert.Equal("ok", functions["LocalZipFunction"].GetProperty("verdict").GetString());
        Assert.Equal(_scratch.PathOf("cfn/dist/function.zip"), functions["LocalZipFunction"].GetProperty("codePath").GetString());
        var s3 = functions["FromS3Function"];
        Assert.Equal("unchecked", s3.GetProperty("verdict").GetString());
        Assert.Equal("s3://guard-test-artifacts/orders/function.zip", s3.GetProperty("codePath").GetString());
        Assert.StartsWith("s3://guard-test-artifacts/orders/function.zip: ", s3.GetProperty("reason").GetString(), StringComparison.Ordinal);
        Assert.Equal(17, s3.GetProperty("line").GetInt32());
        Assert.DoesNotContain("   at ", run.Output + run.Error, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Check_OnMalformedYaml_ExitsTwoNamingFileAndLine()
    {
        var template = _scratch.Write("bad/template.yaml", TestApps.MalformedYaml);

        var run = await GuardProcess.RunAsync("check", template);

        var line = run.AssertOneLineFailure();
        Assert.StartsWith($"guard: {template}:9:", line, StringComparison.Ordinal);
        Assert.Contains("not valid YAML", line, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Check_OnATemplateWithAnUnknownTag_ExitsTwoNamingTheTag()
    {
        var template = _scratch.Write("bad/template.yaml", "Resources:\n  Fn:\n    Type: AWS::Serverless::Function\n    Properties:\n      Runtime: !Reff Name\n");

        var (exitCode, _, error) = await RunAsync("check", template);

        Assert.Equal(ExitCodes.UsageOrUnavailable, exitCode);
        Assert.StartsWith($"guard: {template}:5:", error, StringComparison.Ordinal);
        Assert.Contains("unknown tag !Reff", error, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Check_WithATemplateAndARuntimeFlag_IsAUsageError()
    {
        var template = TestApps.WriteApp(_scratch);

        var (exitCode, _, error) = await RunAsync("check", template, "--architecture", "arm64");

        Assert.Equal(ExitCodes.UsageOrUnavailable, exitCode);
        Assert.Contains("--architecture applies to packages", error, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Check_OnAnAppAsSarif_LocatesResultsAtTheFunctionsLineWithThePackageRelated()
    {
        var template = TestApps.WriteApp(_scratch);

        var (_, output, _) = await RunAsync("check", template, "--format", "sarif");

        using var json = JsonDocument.Parse(output);
        var runs = json.RootElement.GetProperty("runs");
        Assert.Equal(1, runs.GetArrayLength());
        var wrongArch = Assert.Single(runs[0].GetProperty("results").EnumerateArray(), r => r.GetProperty("ruleId").GetString() == "BOOTSTRAP_WRONG_ARCH");
        var physical = wrongArch.GetProperty("locations")[0].GetProperty("physicalLocation");
        Assert.Equal(template.TrimStart('/'), physical.GetProperty("artifactLocation").GetProperty("uri").GetString());
        Assert.Equal(38, physical.GetProperty("region").GetProperty("startLine").GetInt32());
        var related = wrongArch.GetProperty("relatedLocations")[0].GetProperty("physicalLocation").GetProperty("artifactLocation").GetProperty("uri").GetString();
        Assert.Equal(_scratch.PathOf("app/functions/wrong-arch").TrimStart('/'), related);
        Assert.StartsWith("WrongArchFunction: ", wrongArch.GetProperty("message").GetProperty("text").GetString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Check_OnAJsonTemplate_LocatesFunctionsAtTheirLine()
    {
        var template = TestApps.WriteCloudFormationJson(_scratch);

        var (_, output, _) = await RunAsync("check", template, "--format", "json");

        using var json = JsonDocument.Parse(output);
        Assert.Equal(26, ByLogicalId(json)["LocalZipFunction"].GetProperty("line").GetInt32());
    }

    private static string? Code(JsonElement function) => function.GetProperty("findings")[0].GetProperty("code").GetString();
}
