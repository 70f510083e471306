using System.Text.Json;
using Guard.Cli.Apps.Terraform;
using Guard.Cli.Tests.Support;
using Guard.Testing;
using static Guard.Cli.Tests.Apps.Terraform.TerraformPlans;

namespace Guard.Cli.Tests.Apps.Terraform;

/// <summary><c>guard check plan.json</c>: every function a Terraform plan creates or updates, each named by its address.</summary>
public sealed class TerraformPlanCheckTests : IDisposable
{
    private const string Create = """["create"]""";
    private const string Update = """["update"]""";

    private readonly Scratch _scratch = new();

    public void Dispose() => _scratch.Dispose();

    private static Task<(int ExitCode, string Output, string Error)> RunAsync(params string[] args) => FolderPackageTests.RunAsync(args);

    private static byte[] Zip(byte[] bootstrap, int mode = PackageBuilder.ExecutableMode) =>
        new PackageBuilder().AddFile("bootstrap", bootstrap, mode).ToArray();

    private static Dictionary<string, JsonElement> ByAddress(string output)
    {
        using var json = JsonDocument.Parse(output);
        return json.RootElement.GetProperty("functions").EnumerateArray().ToDictionary(f => f.GetProperty("logicalId").GetString()!, f => f.Clone());
    }

    private static string[] Codes(JsonElement function) =>
        [.. function.GetProperty("findings").EnumerateArray().Select(f => f.GetProperty("code").GetString()!)];

    [Fact]
    public async Task Check_OnAPlan_JudgesEachFunctionCreatedOrUpdated_AndNoneLeftAloneOrDestroyed()
    {
        _scratch.Write("infra/dist/orders.zip", Zip(TestApps.X8664));
        _scratch.Write("infra/dist/billing.zip", Zip(TestApps.X8664, PackageBuilder.RegularFileMode));
        _scratch.Write("infra/dist/replaced.zip", Zip(TestApps.Arm64));
        var plan = _scratch.Write("infra/plan.json", Plan(
        [
            // A new function without architectures in its configuration: the provider leaves it to Lambda, which makes it x86_64.
            Change("aws_lambda_function.orders", "aws_lambda_function", "orders", Create,
                Function("\"filename\": \"dist/orders.zip\"", environment: """[{"variables": {"SESSION_SECRET": "hunter2-must-not-be-shown"}}]"""),
                """{"architectures": true, "arn": true}"""),
            Change("aws_lambda_function.billing", "aws_lambda_function", "billing", Update, Function("\"filename\": \"dist/billing.zip\"")),
            Change("aws_lambda_function.replaced", "aws_lambda_function", "replaced", """["delete", "create"]""", Function("\"filename\": \"dist/replaced.zip\"", architectures: """["arm64"]""")),
            Change("aws_lambda_function.unchanged", "aws_lambda_function", "unchanged", """["no-op"]""", Function("\"filename\": \"dist/missing.zip\"")),
            Change("aws_lambda_function.retired", "aws_lambda_function", "retired", """["delete"]""", "null"),
        ]));

        var (exitCode, output, error) = await RunAsync("check", plan, "--chdir", _scratch.PathOf("infra"), "--format", "json");

        Assert.True(exitCode == ExitCodes.Broken, $"exit {exitCode}: {error}");
        var functions = ByAddress(output);
        Assert.Equal(["aws_lambda_function.orders", "aws_lambda_function.billing", "aws_lambda_function.replaced"], functions.Keys);
        Assert.Equal("ok", functions["aws_lambda_function.orders"].GetProperty("verdict").GetString());
        Assert.Equal("x86_64", functions["aws_lambda_function.orders"].GetProperty("architecture").GetString());
        Assert.Equal(plan, functions["aws_lambda_function.orders"].GetProperty("templateFile").GetString());
        Assert.Equal("broken", functions["aws_lambda_function.billing"].GetProperty("verdict").GetString());
        Assert.Equal(["BOOTSTRAP_NOT_EXECUTABLE"], Codes(functions["aws_lambda_function.billing"]));
        Assert.Equal("ok", functions["aws_lambda_function.replaced"].GetProperty("verdict").GetString());
        Assert.DoesNotContain("hunter2", output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Check_AFunctionsLdLibraryPath_IsReadFromItsEnvironment_AndUnverifiedWhenKnownOnlyAfterApply()
    {
        var crypt = await NativeBuild.LibraryAsync(NativeArchitecture.X8664, "libcrypt.so.1", new Dictionary<string, IReadOnlyList<string>> { ["XCRYPT_2.0"] = ["crypt_r"] }, cancellationToken: TestContext.Current.CancellationToken);
        var program = await NativeBuild.ProgramCallingAsync(NativeArchitecture.X8664, [crypt], cancellationToken: TestContext.Current.CancellationToken);
        _scratch.Write("infra/dist/vendored.zip", new PackageBuilder()
            .AddFile("bootstrap", program, PackageBuilder.ExecutableMode)
            .AddFile("vendor/libcrypt.so.1", crypt.Bytes)
            .ToArray());
        const string Code = "\"filename\": \"dist/vendored.zip\"";
        var plan = _scratch.Write("infra/plan.json", Plan(
        [
            Change("aws_lambda_function.vendored", "aws_lambda_function", "vendored", Create,
                Function(Code, environment: """[{"variables": {"LD_LIBRARY_PATH": "/var/task/vendor", "API_TOKEN": "hunter2-must-not-be-shown"}}]""")),
            Change("aws_lambda_function.plain", "aws_lambda_function", "plain", Create, Function(Code)),
            Change("aws_lambda_function.decided", "aws_lambda_function", "decided", Create,
                Function(Code, environment: """[{"variables": {"API_TOKEN": "hunter2-must-not-be-shown"}}]"""), """{"environment": [{"variables": {"LD_LIBRARY_PATH": true}}]}"""),
        ]));

        var (exitCode, output, error) = await RunAsync("check", plan, "--chdir", _scratch.PathOf("infra"), "--format", "json");

        Assert.True(exitCode == ExitCodes.Broken, $"exit {exitCode}: {error}");
        var functions = ByAddress(output);
        Assert.Empty(Codes(functions["aws_lambda_function.vendored"]));
        Assert.Equal(["BOOTSTRAP_LIBRARY_MISSING"], Codes(functions["aws_lambda_function.plain"]));
        Assert.Equal(["BOOTSTRAP_LIBRARY_UNVERIFIED"], Codes(functions["aws_lambda_function.decided"]));
        Assert.DoesNotContain("hunter2", output + error, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Check_WithSarif_LocatesEachFindingAtThePlanUnderTheFunctionsAddress()
    {
        _scratch.Write("infra/dist/billing.zip", Zip(TestApps.X8664, PackageBuilder.RegularFileMode));
        var plan = _scratch.Write("infra/plan.json", Plan([Change("module.billing.aws_lambda_function.this", "aws_lambda_function", "this", Update, Function("\"filename\": \"dist/billing.zip\""))]));

        var (exitCode, output, _) = await RunAsync("check", plan, "--chdir", _scratch.PathOf("infra"), "--format", "sarif");

        Assert.Equal(ExitCodes.Broken, exitCode);
        using var sarif = JsonDocument.Parse(output);
        var result = sarif.RootElement.GetProperty("runs")[0].GetProperty("results").EnumerateArray().Single();
        Assert.Equal("BOOTSTRAP_NOT_EXECUTABLE", result.GetProperty("ruleId").GetString());
        Assert.StartsWith("module.billing.aws_lambda_function.this: ", result.GetProperty("message").GetProperty("text").GetString(), StringComparison.Ordinal);
        Assert.EndsWith("infra/plan.json", result.GetProperty("locations")[0].GetProperty("physicalLocation").GetProperty("artifactLocation").GetProperty("uri").GetString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Check_OnAFunctionOfAChildModule_NamesItByAddress_AndReadsFilenameUnderChdir()
    {
        _scratch.Write("infra/build/api.zip", Zip(TestApps.X8664));
        const string Address = "module.api[0].aws_lambda_function.this[\"main\"]";
        var plan = _scratch.Write("plans/plan.json", Plan([Change(Address, "aws_lambda_function", "this", Create, Function("\"filename\": \"build/api.zip\""))]));

        var (exitCode, output, error) = await RunAsync("check", plan, "--chdir", _scratch.PathOf("infra"));

        Assert.True(exitCode == ExitCodes.Ok, $"exit {exitCode}: {error}{output}");
        Assert.Contains($"{Address}  ({plan}:1)\n  OK  {_scratch.PathOf("infra/build/api.zip")}", output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Check_WhenFilenameIsNotUnderTheWorkingFolder_IsNotCheckedAndNamesChdir()
    {
        _scratch.Write("infra/build/api.zip", Zip(TestApps.X8664));
        var plan = _scratch.Write("plans/plan.json", Plan([Change("aws_lambda_function.api", "aws_lambda_function", "api", Create, Function("\"filename\": \"build/api.zip\""))]));

        var (exitCode, output, _) = await RunAsync("check", plan);

        Assert.Equal(ExitCodes.UsageOrUnavailable, exitCode);
        Assert.Contains("NOT CHECKED  build/api.zip", output, StringComparison.Ordinal);
        Assert.Contains("filename build/api.zip does not exist", output, StringComparison.Ordinal);
        Assert.Contains("--chdir DIR", output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Check_OnCodeInS3_FollowsTheObjectThePlanUploadsToItsSource()
    {
        _scratch.Write("infra/dist/orders.zip", Zip(TestApps.X8664));
        _scratch.Write("infra/dist/billing.zip", new PackageBuilder().AddFile("main", TestApps.X8664, PackageBuilder.ExecutableMode).ToArray());
        var configuration = Configuration(
        [
            ConfigResource("aws_lambda_function", "billing", """{"s3_key": {"references": ["aws_s3_object.billing.key", "aws_s3_object.billing"]}}"""),
        ]);
        var plan = _scratch.Write("infra/plan.json", Plan(
            [
                // Matched by bucket and key; its version is the upload's, known only after apply.
                Change("aws_lambda_function.orders", "aws_lambda_function", "orders", Create,
                    Function("\"s3_bucket\": \"artifacts\", \"s3_key\": \"orders.zip\""), """{"s3_object_version": true}"""),
                // Its key comes from the upload's (after_unknown): the configuration's reference names the upload.
                Change("aws_lambda_function.billing", "aws_lambda_function", "billing", Create,
                    Function("\"s3_bucket\": \"artifacts\""), """{"s3_key": true}"""),
                Change("aws_s3_object.orders", "aws_s3_object", "orders", Create, """{"bucket": "artifacts", "key": "orders.zip", "source": "dist/orders.zip"}""", """{"version_id": true, "etag": true}"""),
                Change("aws_s3_object.billing", "aws_s3_object", "billing", Create, """{"bucket": "artifacts", "source": "dist/billing.zip"}""", """{"key": true, "version_id": true}"""),
            ],
            configuration));

        var (exitCode, output, error) = await RunAsync("check", plan, "--chdir", _scratch.PathOf("infra"), "--format", "json");

        Assert.True(exitCode == ExitCodes.Broken, $"exit {exitCode}: {error}");
        var functions = ByAddress(output);
        Assert.Equal("ok", functions["aws_lambda_function.orders"].GetProperty("verdict").GetString());
        Assert.Equal(_scratch.PathOf("infra/dist/orders.zip"), functions["aws_lambda_function.orders"].GetProperty("codePath").GetString());
        Assert.Equal(["BOOTSTRAP_MISSING"], Codes(functions["aws_lambda_function.billing"]));
        Assert.Equal(2, functions.Count);
    }

    [Fact]
    public async Task Check_OnALayerVersionThePlanCreates_ReadsItsZipForOpt()
    {
        _scratch.Write("infra/dist/api.zip", new PackageBuilder().AddFile("handler.conf", "mode=api").ToArray());
        _scratch.Write("infra/dist/runtime-layer.zip", Zip(TestApps.Arm64));
        var configuration = Configuration(
        [
            ConfigResource("aws_lambda_function", "api", """{"layers": {"references": ["aws_lambda_layer_version.runtime.arn", "aws_lambda_layer_version.runtime"]}}"""),
            ConfigResource("aws_lambda_layer_version", "runtime", """{"filename": {"constant_value": "dist/runtime-layer.zip"}}"""),
        ]);
        var plan = _scratch.Write("infra/plan.json", Plan(
            [
                Change("aws_lambda_function.api", "aws_lambda_function", "api", Create,
                    Function("\"filename\": \"dist/api.zip\"", architectures: """["arm64"]""", layers: "[null]"), """{"layers": [true]}"""),
                Change("aws_lambda_layer_version.runtime", "aws_lambda_layer_version", "runtime", Create,
                    """{"layer_name": "runtime", "filename": "dist/runtime-layer.zip", "s3_bucket": null, "s3_key": null}""", """{"arn": true, "version": true}"""),
            ],
            configuration));

        var (exitCode, output, error) = await RunAsync("check", plan, "--chdir", _scratch.PathOf("infra"), "--format", "json");

        Assert.True(exitCode == ExitCodes.Ok, $"exit {exitCode}: {error}{output}");
        var api = ByAddress(output)["aws_lambda_function.api"];
        Assert.Equal("/opt/bootstrap", api.GetProperty("bootstrap").GetProperty("path").GetString());
    }

    [Fact]
    public async Task Check_WhenTheRuntimeIsKnownOnlyAfterApply_IsNotCheckedNamingIt()
    {
        _scratch.Write("infra/dist/orders.zip", Zip(TestApps.X8664));
        var plan = _scratch.Write("infra/plan.json", Plan(
            [Change("aws_lambda_function.orders", "aws_lambda_function", "orders", Create, Function("\"filename\": \"dist/orders.zip\"").Replace("\"runtime\": \"provided.al2023\",", "", StringComparison.Ordinal), """{"runtime": true}""")]));

        var (exitCode, output, _) = await RunAsync("check", plan, "--chdir", _scratch.PathOf("infra"), "--format", "json");

        Assert.Equal(ExitCodes.UsageOrUnavailable, exitCode);
        var orders = ByAddress(output)["aws_lambda_function.orders"];
        Assert.Equal("unchecked", orders.GetProperty("verdict").GetString());
        Assert.Equal("runtime is known only after apply (after_unknown)", orders.GetProperty("reason").GetString());
    }

    [Fact]
    public async Task Check_OnImageFunctions_ReadsALiteralImageUriWithItsImageConfig_AndLeavesOneKnownAfterApplyUnchecked()
    {
        var main = ElfBuilder.Static(ElfBuilder.X8664);
        await using var registry = RegistryStandIn.Start(new ImageBuilder
        {
            Entrypoint = ["/main"],
            Layers = [new ImageLayerContent().File("/main", main)],
        }.Build());
        var plan = _scratch.Write("infra/plan.json", Plan(
            [Change("aws_lambda_function.thumbnail", "aws_lambda_function", "thumbnail", Create,
                $$"""{"package_type": "Image", "image_uri": "{{registry.Reference()}}", "architectures": ["x86_64"], "runtime": null, "filename": null, "image_config": []}"""),
            Change("aws_lambda_function.resize", "aws_lambda_function", "resize", Create,
                $$"""{"package_type": "Image", "image_uri": "{{registry.Reference()}}", "architectures": ["x86_64"], "runtime": null, "filename": null, "image_config": [{"entry_point": ["/missing"], "command": null, "working_directory": null}]}"""),
            Change("aws_lambda_function.crop", "aws_lambda_function", "crop", Create,
                """{"package_type": "Image", "architectures": ["x86_64"], "runtime": null, "filename": null}""", """{"image_uri": true}""")]));

        var (exitCode, output, error) = await RunAsync("check", plan, "--format", "json");

        Assert.True(exitCode == ExitCodes.Broken, $"exit {exitCode}: {error}");
        var functions = ByAddress(output);
        Assert.Equal("ok", functions["aws_lambda_function.thumbnail"].GetProperty("verdict").GetString());
        Assert.Equal("broken", functions["aws_lambda_function.resize"].GetProperty("verdict").GetString());
        Assert.Equal("unchecked", functions["aws_lambda_function.crop"].GetProperty("verdict").GetString());
        Assert.Contains("image_uri is known only after apply", functions["aws_lambda_function.crop"].GetProperty("reason").GetString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Check_WhenAnArchiveFileZipIsNotThere_SaysTheDataSourceWritesItAtPlan()
    {
        var configuration = Configuration(
            [ConfigResource("aws_lambda_function", "orders", """{"filename": {"references": ["data.archive_file.orders.output_path", "data.archive_file.orders"]}}""")]);
        var plan = _scratch.Write("infra/plan.json", Plan(
            [Change("aws_lambda_function.orders", "aws_lambda_function", "orders", Create, Function("\"filename\": \"build/orders.zip\""))],
            configuration));

        var (exitCode, output, _) = await RunAsync("check", plan, "--chdir", _scratch.PathOf("infra"), "--format", "json");

        Assert.Equal(ExitCodes.UsageOrUnavailable, exitCode);
        var reason = ByAddress(output)["aws_lambda_function.orders"].GetProperty("reason").GetString();
        Assert.Contains("data.archive_file.orders writes it when Terraform reads the data source, during terraform plan", reason, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Check_OnTheLambdaModuleBeforeItsZipIsBuilt_JudgesItsSourcePathFolder()
    {
        _scratch.Write("infra/src/orders/bootstrap", TestApps.X8664, Scratch.Executable);
        const string Prepare = "module.orders.data.external.archive_prepare[0]";
        var priorState = $$$$"""
            {"values": {"root_module": {"child_modules": [{"address": "module.orders", "resources": [
              {"address": "{{{{Prepare}}}}", "mode": "data", "type": "external", "name": "archive_prepare", "index": 0,
               "values": {"query": {"runtime": "provided.al2023", "source_path": "\"src/orders\""}, "result": {"filename": "builds/0123abcd.zip"}}}
            ]}]}}}
            """;
        var configuration = Configuration([], """{"orders": {"source": "terraform-aws-modules/lambda/aws", "version_constraint": "~> 7.0", "expressions": {}, "module": {}}}""");
        var plan = _scratch.Write("infra/plan.json", Plan(
            [Change("module.orders.aws_lambda_function.this[0]", "aws_lambda_function", "this", Create, Function("\"filename\": \"builds/0123abcd.zip\""))],
            configuration,
            priorState: priorState));

        var (exitCode, output, error) = await RunAsync("check", plan, "--chdir", _scratch.PathOf("infra"), "--format", "json");

        Assert.True(exitCode == ExitCodes.Ok, $"exit {exitCode}: {error}{output}");
        var orders = ByAddress(output)["module.orders.aws_lambda_function.this[0]"];
        Assert.Equal(_scratch.PathOf("infra/src/orders"), orders.GetProperty("codePath").GetString());
    }

    [Fact]
    public async Task Check_OnFormatVersionTwo_RefusesThePlanWithExitTwo()
    {
        var plan = _scratch.Write("infra/plan.json", Plan([], formatVersion: "2.0"));

        var (exitCode, output, error) = await RunAsync("check", plan);

        Assert.Equal(ExitCodes.UsageOrUnavailable, exitCode);
        Assert.Empty(output);
        Assert.Contains("format_version 2.0 (from Terraform 1.11.4): Guard reads format 1.x of terraform show -json", error, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Check_OnAPlanThatChangesNoFunction_ExitsZeroSayingSo()
    {
        var plan = _scratch.Write("infra/plan.json", Plan([Change("aws_s3_bucket.logs", "aws_s3_bucket", "logs", Create, """{"bucket": "logs"}""")]));

        var (exitCode, _, error) = await RunAsync("check", plan);

        Assert.Equal(ExitCodes.Ok, exitCode);
        Assert.Contains("the plan creates or updates no aws_lambda_function: nothing to check", error, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("main.tf", "is Terraform configuration")]
    [InlineData("terraform.tfstate", "is a Terraform state")]
    [InlineData("", "is a Terraform configuration folder")]
    public async Task Check_OnTerraformThatIsNotAPlan_ExitsTwoWithWhatToRun(string name, string what)
    {
        _scratch.Write("infra/main.tf", "resource \"aws_lambda_function\" \"orders\" {\n  filename = \"dist/orders.zip\"\n}\n");
        _scratch.Write("infra/terraform.tfstate", "{\"version\": 4}");
        var argument = _scratch.PathOf(Path.Combine("infra", name)).TrimEnd('/');

        var (exitCode, output, error) = await RunAsync("check", argument);

        Assert.Equal(ExitCodes.UsageOrUnavailable, exitCode);
        Assert.DoesNotContain("ZIP_INVALID", output + error, StringComparison.Ordinal);
        Assert.StartsWith($"guard: {argument} {what}", error, StringComparison.Ordinal);
        Assert.Contains(TerraformFiles.PlanCommands, error, StringComparison.Ordinal);
    }

    /// <summary>Terraform 1.11.4's own output (real-plan/README.md), as copied beside the tests.</summary>
    private static string RealPlan(string name) => Path.Combine(AppContext.BaseDirectory, "Apps", "Terraform", "real-plan", name);

    [Fact]
    public async Task Check_OnAPlanTerraformWrote_ReadsItAndFindsNoFunctionToCheck()
    {
        var (exitCode, output, error) = await RunAsync("check", RealPlan("plan.json"), "--format", "json");

        Assert.True(exitCode == ExitCodes.Ok, $"exit {exitCode}: {error}");
        Assert.Equal($"guard: {RealPlan("plan.json")}: the plan creates or updates no aws_lambda_function: nothing to check\n", error);
        Assert.Empty(ByAddress(output));
    }

    [Fact]
    public async Task Check_OnTheSavedPlanTerraformWrote_SaysToShowItAsJson()
    {
        var (exitCode, output, error) = await RunAsync("check", RealPlan("tf.plan"));

        Assert.Equal(ExitCodes.UsageOrUnavailable, exitCode);
        Assert.DoesNotContain("ZIP_INVALID", output, StringComparison.Ordinal);
        Assert.DoesNotContain("BOOTSTRAP_MISSING", output, StringComparison.Ordinal);
        Assert.Contains($"is a saved Terraform plan, which only Terraform reads: run terraform show -json {RealPlan("tf.plan")} > plan.json", error, StringComparison.Ordinal);
    }

    [Fact]
    public void ModuleNames_OfAnAddressWithInstanceKeys_AreTheCallNames()
    {
        Assert.Equal(["api", "inner"], Guard.Cli.Apps.Terraform.TerraformPlanner.ModuleNames("module.api[0].module.inner[\"k.x]\"]"));
        Assert.Empty(Guard.Cli.Apps.Terraform.TerraformPlanner.ModuleNames(null));
    }
}
