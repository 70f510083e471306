using Guard.Cli.Tests.Support;

namespace Guard.Cli.Tests.Migration.Source;

public sealed class TemplateSourceTests : IDisposable
{
    private readonly Scratch _scratch = new();

    public void Dispose() => _scratch.Dispose();

    /// <summary>The seed app's template before its migration.</summary>
    private const string SeedBefore = """
        AWSTemplateFormatVersion: '2010-09-09'
        Transform: AWS::Serverless-2016-10-31
        Description: example-lambda

        Resources:
          ExampleFunction:
            Type: AWS::Serverless::Function
            Properties:
              CodeUri: ./
              Handler: example-lambda
              Runtime: go1.x
              Architectures:
                - x86_64
              Events:
                Api:
                  Type: HttpApi

        """;

    /// <summary>The same template as the seed's migration left it, by hand.</summary>
    private const string SeedAfter = """
        AWSTemplateFormatVersion: '2010-09-09'
        Transform: AWS::Serverless-2016-10-31
        Description: example-lambda

        Resources:
          ExampleFunction:
            Type: AWS::Serverless::Function
            Metadata:
              BuildMethod: go1.x
            Properties:
              CodeUri: ./
              Handler: bootstrap
              Runtime: provided.al2023
              Architectures:
                - x86_64
              Events:
                Api:
                  Type: HttpApi

        """;

    /// <summary>`sam init`'s Go hello-world template as it shipped for go1.x: a folded Description, comments after values, Globals, !Sub and !GetAtt.</summary>
    private const string SamInitGo = """
        AWSTemplateFormatVersion: '2010-09-09'
        Transform: AWS::Serverless-2016-10-31
        Description: >
          sam-app

          Sample SAM Template for sam-app

        # More info about Globals: https://github.com/awslabs/serverless-application-model/blob/master/docs/globals.rst
        Globals:
          Function:
            Timeout: 5
            MemorySize: 128

        Resources:
          HelloWorldFunction:
            Type: AWS::Serverless::Function # More info about Function Resource: https://github.com/awslabs/serverless-application-model/blob/master/versions/2016-10-31.md#awsserverlessfunction
            Properties:
              CodeUri: hello-world/
              Handler: hello-world
              Runtime: go1.x
              Architectures:
                - x86_64
              Tracing: Active # https://docs.aws.amazon.com/lambda/latest/dg/lambda-x-ray.html
              Events:
                CatchAll:
                  Type: Api # More info about API Event Source: https://github.com/awslabs/serverless-application-model/blob/master/versions/2016-10-31.md#api
                  Properties:
                    Path: /hello
                    Method: GET
              Environment: # More info about Env Vars: https://github.com/awslabs/serverless-application-model/blob/master/versions/2016-10-31.md#environment-object
                Variables:
                  PARAM1: VALUE

        Outputs:
          HelloWorldAPI:
            Description: "API Gateway endpoint URL for Prod environment for First Function"
            Value: !Sub "https://${ServerlessRestApi}.execute-api.${AWS::Region}.amazonaws.com/Prod/hello/"
          HelloWorldFunction:
            Description: "First Lambda Function ARN"
            Value: !GetAtt HelloWorldFunction.Arn
          HelloWorldFunctionIamRole:
            Description: "Implicit IAM Role created for Hello World function"
            Value: !GetAtt HelloWorldFunctionRole.Arn

        """;

    /// <summary>Globals carry the runtime (quoted) and the handler; one function overrides the runtime, one is Python, one already custom.</summary>
    private const string GlobalsTemplate = """
        AWSTemplateFormatVersion: "2010-09-09"
        Transform: AWS::Serverless-2016-10-31
        Parameters:
          Stage: { Type: String, Default: prod }
        Globals:
          Function:
            Runtime: "go1.x"  # every Go function
            Handler: main
            Architectures: [arm64]
            Environment:
              Variables:
                STAGE: !Ref Stage
        Resources:
          Orders:
            Type: AWS::Serverless::Function
            Metadata:
              Owner: team-orders
            Properties:
              CodeUri: orders/
              Policies:
                - DynamoDBCrudPolicy: { TableName: !Ref Table }
          Report:
            Type: AWS::Serverless::Function
            Properties:
              CodeUri: report/
              Runtime: python3.12
              Handler: app.handler
          Legacy:
            Type: AWS::Serverless::Function
            Properties:
              CodeUri: legacy/
              Runtime: 'provided.al2'
            Metadata:
              BuildMethod: makefile
          Table:
            Type: AWS::Serverless::SimpleTable
        """;

    private const string JsonTemplate = """
        {
          "AWSTemplateFormatVersion": "2010-09-09",
          "Transform": "AWS::Serverless-2016-10-31",
          "Resources": {
            "Orders": {
              "Type": "AWS::Serverless::Function",
              "Properties": {
                "CodeUri": "orders/",
                "Handler": "orders",
                "Runtime": "go1.x",
                "Environment": { "Variables": { "TABLE": { "Ref": "Table" } } }
              }
            },
            "Table": { "Type": "AWS::Serverless::SimpleTable" }
          }
        }

        """;

    [Fact]
    public async Task Migrate_SeedTemplate_DiffTurnsItIntoTheSeedsMigratedTemplate()
    {
        var template = _scratch.Write("app/template.yaml", SeedBefore);

        var run = await SourceRun.MigrateAsync(_scratch.PathOf("app"), apply: true);

        Assert.True(run.ExitCode == ExitCodes.Ok, run.ToString());
        Assert.Equal(SeedAfter, File.ReadAllText(template));
        Assert.Equal(
            ["+    Metadata:", "+      BuildMethod: go1.x", "-      Handler: example-lambda", "-      Runtime: go1.x", "+      Handler: bootstrap", "+      Runtime: provided.al2023"],
            ChangedLines(run.Diff));
        await CfnLint.AssertCleanAsync(template);
    }

    [Fact]
    public async Task Migrate_SamInitGoTemplate_ChangesOnlyRuntimeHandlerAndBuildMethodAndKeepsEveryComment()
    {
        var template = _scratch.Write("template.yaml", SamInitGo);

        var run = await SourceRun.MigrateAsync(template, apply: true);

        Assert.True(run.ExitCode == ExitCodes.Ok, run.ToString());
        var after = File.ReadAllText(template);
        Assert.Equal(SamInitGo
            .Replace("      Handler: hello-world\n", "      Handler: bootstrap\n", StringComparison.Ordinal)
            .Replace("      Runtime: go1.x\n", "      Runtime: provided.al2023\n", StringComparison.Ordinal)
            .Replace("#awsserverlessfunction\n    Properties:", "#awsserverlessfunction\n    Metadata:\n      BuildMethod: go1.x\n    Properties:", StringComparison.Ordinal), after);
        await CfnLint.AssertCleanAsync(template);
    }

    [Fact]
    public async Task Migrate_GlobalsRuntime_EditsGlobalsOnceKeepsQuotesAndLeavesOtherRuntimesAlone()
    {
        var template = _scratch.Write("template.yaml", GlobalsTemplate);
        _scratch.Write("legacy/Makefile", "build-Legacy:\n\tGOOS=linux go build -o $(ARTIFACTS_DIR)/bootstrap .\n");

        var run = await SourceRun.MigrateAsync(template, apply: true);

        Assert.True(run.ExitCode == ExitCodes.Ok, run.ToString());
        var after = File.ReadAllText(template);
        Assert.Contains("    Runtime: \"provided.al2023\"  # every Go function\n    Handler: bootstrap\n", after, StringComparison.Ordinal);
        Assert.Contains("      Runtime: 'provided.al2023'\n", after, StringComparison.Ordinal);
        Assert.Contains("      Runtime: python3.12\n      Handler: app.handler\n", after, StringComparison.Ordinal);
        // Metadata of its own gets BuildMethod as its first key; the makefile function keeps its Makefile.
        Assert.Contains("    Metadata:\n      BuildMethod: go1.x\n      Owner: team-orders\n", after, StringComparison.Ordinal);
        Assert.Contains("      BuildMethod: makefile\n", after, StringComparison.Ordinal);
        Assert.Contains("DynamoDBCrudPolicy: { TableName: !Ref Table }", after, StringComparison.Ordinal);
        Assert.Equal(4, ChangedLines(run.Diff).Count(l => l.StartsWith('+')));
        await CfnLint.AssertCleanAsync(template);
    }

    [Fact]
    public async Task Migrate_JsonTemplate_KeepsItsLayoutAndAddsMetadataAsJson()
    {
        var template = _scratch.Write("template.json", JsonTemplate);

        var run = await SourceRun.MigrateAsync(template, apply: true);

        Assert.True(run.ExitCode == ExitCodes.Ok, run.ToString());
        var after = File.ReadAllText(template);
        Assert.Equal(JsonTemplate
            .Replace("\"Handler\": \"orders\"", "\"Handler\": \"bootstrap\"", StringComparison.Ordinal)
            .Replace("\"Runtime\": \"go1.x\"", "\"Runtime\": \"provided.al2023\"", StringComparison.Ordinal)
            .Replace("\"Type\": \"AWS::Serverless::Function\",\n", "\"Type\": \"AWS::Serverless::Function\",\n      \"Metadata\": {\n        \"BuildMethod\": \"go1.x\"\n      },\n", StringComparison.Ordinal), after);
        System.Text.Json.JsonDocument.Parse(after).Dispose();
        await CfnLint.AssertCleanAsync(template);
    }

    [Fact]
    public async Task Migrate_RunAgainAfterApply_PrintsAnEmptyDiff()
    {
        _scratch.Write("a/template.yaml", SamInitGo);
        _scratch.Write("a/more/template.json", JsonTemplate);
        await SourceRun.MigrateAsync(_scratch.PathOf("a"), apply: true);

        var again = await SourceRun.MigrateAsync(_scratch.PathOf("a"));

        Assert.Equal((ExitCodes.Ok, ""), (again.ExitCode, again.Diff));
        Assert.Contains("nothing to migrate", again.Report, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Migrate_WithoutApply_WritesNothing()
    {
        var template = _scratch.Write("template.yaml", SeedBefore);

        var run = await SourceRun.MigrateAsync(template);

        Assert.NotEqual("", run.Diff);
        Assert.Equal(SeedBefore, File.ReadAllText(template));
    }

    [Fact]
    public async Task Migrate_RuntimeFromParameter_ExitsOneWithTheManualStep()
    {
        var template = _scratch.Write("template.yaml", """
            Transform: AWS::Serverless-2016-10-31
            Parameters:
              GoRuntime:
                Type: String
                Default: go1.x
            Resources:
              Fn:
                Type: AWS::Serverless::Function
                Properties:
                  CodeUri: fn/
                  Handler: fn
                  Runtime: !Ref GoRuntime
            """);

        var run = await SourceRun.MigrateAsync(template);

        Assert.Equal(ExitCodes.Broken, run.ExitCode);
        Assert.Contains("MANUAL  template.yaml:12  Fn: Runtime comes from the parameter GoRuntime (default go1.x)", run.Report, StringComparison.Ordinal);
        Assert.Contains("do: set GoRuntime's Default", run.Report, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Migrate_ToProvidedAl2_LeavesProvidedAl2FunctionsAlone()
    {
        var template = _scratch.Write("template.yaml", GlobalsTemplate);

        var run = await SourceRun.MigrateAsync(template, runtime: "provided.al2");

        Assert.Contains("+    Runtime: \"provided.al2\"  # every Go function", run.Diff, StringComparison.Ordinal);
        Assert.DoesNotContain("Runtime: 'provided.al2", run.Diff, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Migrate_CrlfTemplate_KeepsCrlfOnEveryLineItAdds()
    {
        var template = _scratch.Write("template.yaml", SeedBefore.ReplaceLineEndings("\r\n"));

        await SourceRun.MigrateAsync(template, apply: true);

        Assert.Equal(SeedAfter.ReplaceLineEndings("\r\n"), File.ReadAllText(template));
    }

    /// <summary>The diff's '+' and '-' lines, headers left out.</summary>
    internal static string[] ChangedLines(string diff) =>
        [.. diff.Split('\n').Where(l => l.Length > 0 && (l[0] is '+' or '-') && !l.StartsWith("+++", StringComparison.Ordinal) && !l.StartsWith("---", StringComparison.Ordinal))];
}
