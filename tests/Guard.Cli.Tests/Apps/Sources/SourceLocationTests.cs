using System.Text.Json;
using Guard.Cli.Apps.Sources;
using Guard.Cli.Tests.Apps;
using Guard.Cli.Tests.Support;
using Guard.Testing;

namespace Guard.Cli.Tests.Apps.Sources;

/// <summary>
/// SARIF of a generated template (sam build's, serverless package's, cdk synth's: git-ignored, so code scanning
/// cannot show a result there) points at the source a person commits, the generated template related.
/// </summary>
public sealed class SourceLocationTests : IDisposable
{
    private readonly Scratch _scratch = new();

    public void Dispose() => _scratch.Dispose();

    /// <summary>The project's template: WrongArchFunction's logical id on line 15, where sam build's copy has it on line 6.</summary>
    private const string SamSource = """
        AWSTemplateFormatVersion: "2010-09-09"
        Transform: AWS::Serverless-2016-10-31
        Description: built with sam build; the functions are Go, built by the Makefile.

        Globals:
          Function:
            Runtime: provided.al2023
            Handler: bootstrap
            Architectures: [arm64]

        Resources:
          # The order service's writer.
          # It runs on Graviton.

          WrongArchFunction:
            Type: AWS::Serverless::Function
            Metadata:
              BuildMethod: makefile
            Properties:
              CodeUri: functions/wrong-arch/
        """;

    /// <summary>.aws-sam/build/template.yaml as sam build writes it: comments gone, CodeUri at the built folder.</summary>
    private const string SamBuilt = """
        AWSTemplateFormatVersion: '2010-09-09'
        Transform: AWS::Serverless-2016-10-31
        Globals:
          Function: {Runtime: provided.al2023, Handler: bootstrap, Architectures: [arm64]}
        Resources:
          WrongArchFunction:
            Type: AWS::Serverless::Function
            Metadata:
              BuildMethod: makefile
              SamResourceId: WrongArchFunction
            Properties:
              CodeUri: WrongArchFunction
        """;

    /// <summary>The one construct the assembly manifest of <see cref="AppFolders.CdkManifest"/> lists; more are added after it.</summary>
    private const string OrdersMetadata = "\"data\": \"OrdersFunction1A2B3C4D\" }]";

    private static JsonElement OnlyResult(string sarif, string ruleId)
    {
        using var json = JsonDocument.Parse(sarif);
        return Assert.Single(json.RootElement.GetProperty("runs")[0].GetProperty("results").EnumerateArray(), r => r.GetProperty("ruleId").GetString() == ruleId).Clone();
    }

    private static (string Uri, int Line) At(JsonElement physical) =>
        (physical.GetProperty("artifactLocation").GetProperty("uri").GetString()!, physical.GetProperty("region").GetProperty("startLine").GetInt32());

    private static JsonElement Related(JsonElement result, string messageStart) =>
        Assert.Single(result.GetProperty("relatedLocations").EnumerateArray(), r => r.GetProperty("message").GetProperty("text").GetString()!.StartsWith(messageStart, StringComparison.Ordinal));

    [Fact]
    public async Task Check_ABuiltSamAppAsSarif_LocatesTheResultInTheProjectsTemplateWithTheBuiltOneRelated()
    {
        var source = _scratch.Write("app/template.yaml", SamSource);
        var built = _scratch.Write("app/.aws-sam/build/template.yaml", SamBuilt);
        _scratch.Write("app/.aws-sam/build/WrongArchFunction/bootstrap", TestApps.X8664, Scratch.Executable);

        var (exitCode, output, _) = await FolderPackageTests.RunAsync("check", built, "--format", "sarif");

        Assert.Equal(ExitCodes.Broken, exitCode);
        var result = OnlyResult(output, "BOOTSTRAP_WRONG_ARCH");
        Assert.Equal((source.TrimStart('/'), 15), At(result.GetProperty("locations")[0].GetProperty("physicalLocation")));
        Assert.Equal((built.TrimStart('/'), 6), At(Related(result, "the generated template").GetProperty("physicalLocation")));
    }

    [Fact]
    public async Task Check_ABuiltSamApp_FindsTheTemplateSamconfigNames()
    {
        _scratch.Write("app/template.yaml", "AWSTemplateFormatVersion: \"2010-09-09\"\nResources: {}\n");
        var source = _scratch.Write("app/infra/orders.yaml", SamSource);
        _scratch.Write("app/samconfig.toml", "version = 0.1\n[default.build.parameters]\ntemplate_file = \"infra/orders.yaml\"\n");
        var built = _scratch.Write("app/.aws-sam/build/template.yaml", SamBuilt);
        _scratch.Write("app/.aws-sam/build/WrongArchFunction/bootstrap", TestApps.X8664, Scratch.Executable);

        var (_, output, _) = await FolderPackageTests.RunAsync("check", built, "--format", "sarif");

        Assert.Equal((source.TrimStart('/'), 15), At(OnlyResult(output, "BOOTSTRAP_WRONG_ARCH").GetProperty("locations")[0].GetProperty("physicalLocation")));
    }

    [Fact]
    public async Task Check_ATemplateAPersonWrote_StaysItsOwnLocationWithNoGeneratedTemplateRelated()
    {
        var template = _scratch.Write("app/template.yaml", SamSource.Replace("    Metadata:\n      BuildMethod: makefile\n", "", StringComparison.Ordinal));
        _scratch.Write("app/functions/wrong-arch/bootstrap", TestApps.X8664, Scratch.Executable);

        var (_, output, _) = await FolderPackageTests.RunAsync("check", template, "--format", "sarif");

        var result = OnlyResult(output, "BOOTSTRAP_WRONG_ARCH");
        Assert.Equal((template.TrimStart('/'), 15), At(result.GetProperty("locations")[0].GetProperty("physicalLocation")));
        Assert.Single(result.GetProperty("relatedLocations").EnumerateArray());
    }

    [Fact]
    public async Task Check_AServerlessFolderAsSarif_LocatesTheResultAtTheFunctionsKeyInServerlessYml()
    {
        var serverless = AppFolders.WriteServerless(_scratch);
        var service = _scratch.Write("serverless.yml", """
            service: svc
            frameworkVersion: "3"

            provider:
              name: aws
              runtime: provided.al2023
              architecture: arm64

            package:
              individually: true

            functions:
              api:
                handler: bootstrap
                package: { artifact: build/api.zip }
              worker:
                handler: bootstrap
                package: { artifact: build/worker.zip }
            """);

        var (_, output, _) = await FolderPackageTests.RunAsync("check", serverless, "--format", "sarif");

        var result = OnlyResult(output, "BOOTSTRAP_NOT_EXECUTABLE");
        Assert.Equal((service.TrimStart('/'), 16), At(result.GetProperty("locations")[0].GetProperty("physicalLocation")));
        var generated = At(Related(result, "the generated template").GetProperty("physicalLocation"));
        Assert.Equal(_scratch.PathOf(".serverless/cloudformation-template-update-stack.json").TrimStart('/'), generated.Uri);
    }

    [Fact]
    public async Task Check_ACdkAssemblyWithStackTraces_LocatesTheResultAtTheLineThatMadeTheFunction()
    {
        var cdkOut = AppFolders.WriteCdkOut(_scratch);
        _scratch.Write("cdk.json", """{ "app": "npx ts-node bin/app.ts" }""");
        var stack = _scratch.Write("lib/orders-stack.ts", "// the stack\n");
        // The trace holds the path where synth ran (a CI runner's checkout here), not this one.
        _scratch.Write("cdk.out/manifest.json", AppFolders.CdkManifest.Replace(
            OrdersMetadata,
            OrdersMetadata + """
            ,
            "/OrdersStack/LedgerFunction/Resource": [{
              "type": "aws:cdk:logicalId",
              "data": "LedgerFunction9C0D1E2F",
              "trace": [
                "new LogicalIdMetadata (/home/runner/work/orders/orders/node_modules/aws-cdk-lib/core/lib/cfn-element.js:1:1420)",
                "new Function (/home/runner/work/orders/orders/node_modules/aws-cdk-lib/aws-lambda/lib/function.js:1:9211)",
                "new OrdersStack (/home/runner/work/orders/orders/lib/orders-stack.ts:42:5)",
                "Object.<anonymous> (/home/runner/work/orders/orders/bin/app.ts:7:1)",
                "node:internal/modules/cjs/loader:1554:14"
              ]
            }]
            """,
            StringComparison.Ordinal));

        var (_, output, _) = await FolderPackageTests.RunAsync("check", cdkOut, "--format", "sarif");

        var result = OnlyResult(output, "BOOTSTRAP_NOT_EXECUTABLE");
        var location = result.GetProperty("locations")[0];
        Assert.Equal((stack.TrimStart('/'), 42), At(location.GetProperty("physicalLocation")));
        Assert.Equal("OrdersStack/LedgerFunction/Resource", location.GetProperty("logicalLocations")[0].GetProperty("fullyQualifiedName").GetString());
        Assert.Equal(_scratch.PathOf("cdk.out/OrdersStack.template.json").TrimStart('/'), At(Related(result, "the generated template").GetProperty("physicalLocation")).Uri);
    }

    [Fact]
    public async Task Check_ACdkAssemblyWithoutTraces_NamesTheConstructPathAtTheStackTemplate()
    {
        var cdkOut = AppFolders.WriteCdkOut(_scratch);
        _scratch.Write("cdk.out/manifest.json", AppFolders.CdkManifest.Replace(
            OrdersMetadata,
            OrdersMetadata + """
            ,
            "/OrdersStack/LedgerFunction/Resource": [{ "type": "aws:cdk:logicalId", "data": "LedgerFunction9C0D1E2F" }]
            """,
            StringComparison.Ordinal));

        var (_, output, _) = await FolderPackageTests.RunAsync("check", cdkOut, "--format", "sarif");

        var location = OnlyResult(output, "BOOTSTRAP_NOT_EXECUTABLE").GetProperty("locations")[0];
        Assert.Equal(_scratch.PathOf("cdk.out/OrdersStack.template.json").TrimStart('/'), At(location.GetProperty("physicalLocation")).Uri);
        Assert.Equal("OrdersStack/LedgerFunction/Resource", location.GetProperty("logicalLocations")[0].GetProperty("fullyQualifiedName").GetString());
    }

    [Theory]
    [InlineData("api", "ApiLambdaFunction")]
    [InlineData("hello-world", "HelloDashworldLambdaFunction")]
    [InlineData("send_mail", "Send_mailLambdaFunction")]
    public void LogicalId_OfAServerlessFunctionName_IsTheFrameworksName(string name, string expected)
    {
        Assert.Equal(expected.Replace("_", "Underscore", StringComparison.Ordinal), ServerlessSourceLocator.LogicalId(name));
    }
}
