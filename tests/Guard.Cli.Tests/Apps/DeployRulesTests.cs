using System.Text.Json;
using Guard.Cli.Tests.Support;

namespace Guard.Cli.Tests.Apps;

/// <summary>
/// <c>guard check</c> answers "will this deploy work?": a Runtime Lambda rejects or refuses is an error for that
/// function, whether or not its code was built. Run as the real process, the way CI runs it.
/// </summary>
public sealed class DeployRulesTests : IDisposable
{
    private static readonly string GoodPackage = Path.Combine(AppContext.BaseDirectory, "samples", "function.zip");

    private readonly Scratch _scratch = new();

    public void Dispose() => _scratch.Dispose();

    private static Dictionary<string, JsonElement> ByLogicalId(string output)
    {
        using var json = JsonDocument.Parse(output);
        return json.RootElement.GetProperty("functions").EnumerateArray().ToDictionary(f => f.GetProperty("logicalId").GetString()!, f => f.Clone());
    }

    private static string[] Codes(JsonElement function) =>
        [.. function.GetProperty("findings").EnumerateArray().Select(f => f.GetProperty("code").GetString()!)];

    [Fact]
    public async Task Check_ARuntimeTypo_IsAnErrorForThatFunctionNamingTheNearestRuntime()
    {
        // provided.al2023023 is in two real aws-samples apps: Lambda rejects it; Guard called it a managed runtime.
        var template = _scratch.Write("typo/template.yaml", $"""
            Transform: AWS::Serverless-2016-10-31
            Resources:
              TypoFunction:
                Type: AWS::Serverless::Function
                Properties:
                  CodeUri: {GoodPackage}
                  Handler: bootstrap
                  Runtime: provided.al2023023
              PythonFunction:
                Type: AWS::Serverless::Function
                Properties:
                  CodeUri: {GoodPackage}
                  Handler: app.handler
                  Runtime: python3.12
            """);

        var run = await GuardProcess.RunAsync("check", template, "--format", "json");

        Assert.Equal(ExitCodes.Broken, run.ExitCode);
        var functions = ByLogicalId(run.Output);
        Assert.Equal("broken", functions["TypoFunction"].GetProperty("verdict").GetString());
        var finding = Assert.Single(functions["TypoFunction"].GetProperty("findings").EnumerateArray());
        Assert.Equal("RUNTIME_UNKNOWN", finding.GetProperty("code").GetString());
        Assert.Equal("error", finding.GetProperty("severity").GetString());
        Assert.Contains("did you mean provided.al2023?", finding.GetProperty("message").GetString(), StringComparison.Ordinal);
        Assert.Equal("skipped", functions["PythonFunction"].GetProperty("verdict").GetString());
    }

    [Fact]
    public async Task Check_Go1xFunctions_AreBlockedWithDatesAndSources_BuiltOrNot()
    {
        var template = _scratch.Write("go/template.yaml", $"""
            Transform: AWS::Serverless-2016-10-31
            Resources:
              BuiltFunction:
                Type: AWS::Serverless::Function
                Properties:
                  CodeUri: {GoodPackage}
                  Handler: bootstrap
                  Runtime: go1.x
              NotBuiltFunction:
                Type: AWS::Serverless::Function
                Properties:
                  CodeUri: not-built/
                  Handler: main
                  Runtime: go1.x
            """);

        var run = await GuardProcess.RunAsync("check", template, "--format", "json");

        Assert.Equal(ExitCodes.Broken, run.ExitCode);
        var functions = ByLogicalId(run.Output);
        foreach (var name in new[] { "BuiltFunction", "NotBuiltFunction" })
        {
            Assert.Equal("broken", functions[name].GetProperty("verdict").GetString());
            Assert.Contains("RUNTIME_DEPLOY_BLOCKED", Codes(functions[name]));
            Assert.Contains("RUNTIME_DEPRECATED", Codes(functions[name]));
        }

        var blocked = functions["NotBuiltFunction"].GetProperty("findings").EnumerateArray().Single(f => f.GetProperty("code").GetString() == "RUNTIME_DEPLOY_BLOCKED");
        Assert.Contains("cfn-lint 1.51.0 says 2024-02-08; Guard takes the earliest", blocked.GetProperty("message").GetString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Check_ATemplateWithOneFunction_CountsOneFunction()
    {
        var template = _scratch.Write("one/template.yaml", $"""
            Resources:
              OnlyFunction:
                Type: AWS::Lambda::Function
                Properties:
                  Code: {GoodPackage}
                  Handler: bootstrap
                  Runtime: provided.al2023
            """);

        var run = await GuardProcess.RunAsync("check", template);

        Assert.Contains("\n1 function: 1 ok; exit 0", run.Output, StringComparison.Ordinal);
    }
}
