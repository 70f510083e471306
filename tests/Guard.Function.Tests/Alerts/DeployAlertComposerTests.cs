using System.Text.Json;
using Guard.Aws.Lambda;
using Guard.Function.Alerts;
using Guard.Function.Routing;
using Guard.Function.Tests.Support;
using Guard.Inspection.Reporting;
using Guard.Inspection.Rules;

namespace Guard.Function.Tests.Alerts;

public sealed class DeployAlertComposerTests
{
    private const string FunctionName = "orders-api";

    /// <summary>A broken deploy of orders-api (account 266106314375, us-east-1): not executable, and a handler warning.</summary>
    internal static DeployAlert Alert(string functionName = FunctionName, params Finding[] findings)
    {
        if (findings.Length == 0)
        {
            findings =
            [
                Findings.BootstrapNotExecutable("bootstrap", 0b110_100_100, needsRead: false),
                Findings.HandlerIgnored("provided.al2023", "main"),
            ];
        }

        var report = new Report(1, "https://awslambda-us-east-1-tasks.s3.us-east-1.amazonaws.com/snapshots/x", Verdict.Broken, "provided.al2023", "arm64",
            new BootstrapSummary("bootstrap", "function", "script", null, null, "/bin/sh", null, "0644", 20), findings, new ReadStats(2, 1000, 5));
        var arn = $"arn:aws:lambda:us-east-1:266106314375:function:{functionName}";
        var configuration = new FunctionConfiguration(functionName, arn, "provided.al2023", "main", ["arm64"], [], "Zip", "abc=", 211, "rev", "Active", "Successful", "$LATEST", "role");
        using var document = JsonDocument.Parse(CloudTrailEvents.Deploy("UpdateFunctionCode20150331v2", functionName, "abc=", invokedBy: "cloudformation.amazonaws.com"));
        var cloudTrail = EventRouter.Classify(document.RootElement).CloudTrail!;
        return new DeployAlert(report, configuration, cloudTrail, GuardMode.Alert);
    }

    [Fact]
    public void Compose_BrokenDeploy_OneSnsMessageWithEveryProtocolForm()
    {
        var request = SnsAlertChannel.Request(DeployAlertComposer.Compose(Alert()), DeployHarness.TopicArn);

        Assert.True(request.MessageStructureJson);
        using var structure = JsonDocument.Parse(request.Message);
        var root = structure.RootElement;
        foreach (var protocol in new[] { "default", "email", "https", "sqs", "lambda" })
        {
            Assert.Equal(JsonValueKind.String, root.GetProperty(protocol).ValueKind);
        }

        Assert.Equal(root.GetProperty("default").GetString(), root.GetProperty("email").GetString());
        Assert.Equal("BOOTSTRAP_NOT_EXECUTABLE", request.StringAttributes!["guard.finding"]);
        Assert.Equal("broken", request.StringAttributes["guard.verdict"]);
    }

    [Fact]
    public void PlainText_BrokenDeploy_NamesVerdictFunctionFindingsFixesWhoAndWhen()
    {
        var text = DeployAlertComposer.PlainText(Alert());

        Assert.Contains("Verdict: broken", text, StringComparison.Ordinal);
        Assert.Contains("arn:aws:lambda:us-east-1:266106314375:function:orders-api", text, StringComparison.Ordinal);
        Assert.Contains("provided.al2023 on arm64", text, StringComparison.Ordinal);
        Assert.Contains("  error   BOOTSTRAP_NOT_EXECUTABLE\n", text, StringComparison.Ordinal);
        Assert.Contains("     fix: chmod 755 bootstrap", text, StringComparison.Ordinal);
        Assert.Contains("arn:aws:iam::266106314375:user/christophe (IAMUser) via cloudformation.amazonaws.com", text, StringComparison.Ordinal);
        Assert.Contains("2024-08-01T13:52:02Z (UpdateFunctionCode20150331v2)", text, StringComparison.Ordinal);
        Assert.Contains("266106314375, region us-east-1", text, StringComparison.Ordinal);
        Assert.Contains("https://us-east-1.console.aws.amazon.com/lambda/home?region=us-east-1#/functions/orders-api", text, StringComparison.Ordinal);
    }

    [Fact]
    public void Chatbot_BrokenDeploy_HasTheDocumentedRequiredFieldsAndValues()
    {
        var request = SnsAlertChannel.Request(DeployAlertComposer.Compose(Alert()), DeployHarness.TopicArn);
        using var structure = JsonDocument.Parse(request.Message);
        using var chat = JsonDocument.Parse(structure.RootElement.GetProperty("https").GetString()!);
        var root = chat.RootElement;

        // https://docs.aws.amazon.com/chatbot/latest/adminguide/custom-notifs.html: version "1.0" and source "custom" are required; textType only client-markdown.
        Assert.Equal("1.0", root.GetProperty("version").GetString());
        Assert.Equal("custom", root.GetProperty("source").GetString());
        Assert.False(string.IsNullOrEmpty(root.GetProperty("id").GetString()));
        var content = root.GetProperty("content");
        Assert.Equal("client-markdown", content.GetProperty("textType").GetString());
        Assert.Contains("orders-api", content.GetProperty("title").GetString(), StringComparison.Ordinal);
        Assert.Contains("BOOTSTRAP_NOT_EXECUTABLE", content.GetProperty("description").GetString(), StringComparison.Ordinal);
        Assert.Contains("chmod 755", content.GetProperty("description").GetString(), StringComparison.Ordinal);
        Assert.Contains(content.GetProperty("nextSteps").EnumerateArray(), s => s.GetString()!.StartsWith("chmod 755", StringComparison.Ordinal));
        Assert.Contains(content.GetProperty("keywords").EnumerateArray(), s => s.GetString() == "BOOTSTRAP_NOT_EXECUTABLE");
        var metadata = root.GetProperty("metadata");
        var arn = "arn:aws:lambda:us-east-1:266106314375:function:orders-api";
        Assert.Equal(arn, metadata.GetProperty("threadId").GetString());
        Assert.Equal(arn, Assert.Single(metadata.GetProperty("relatedResources").EnumerateArray()).GetString());
        Assert.False(string.IsNullOrEmpty(metadata.GetProperty("summary").GetString()));
        Assert.False(string.IsNullOrEmpty(metadata.GetProperty("eventType").GetString()));
        Assert.Equal("arn:aws:iam::266106314375:user/christophe (IAMUser) via cloudformation.amazonaws.com",
            metadata.GetProperty("additionalContext").GetProperty("deployedBy").GetString());
        foreach (var member in metadata.GetProperty("additionalContext").EnumerateObject())
        {
            Assert.Equal(JsonValueKind.String, member.Value.ValueKind);
        }
    }

    [Fact]
    public void Sqs_BrokenDeploy_CarriesTheFullReportWithFunctionAndEvent()
    {
        var request = SnsAlertChannel.Request(DeployAlertComposer.Compose(Alert()), DeployHarness.TopicArn);
        using var structure = JsonDocument.Parse(request.Message);
        using var sqs = JsonDocument.Parse(structure.RootElement.GetProperty("sqs").GetString()!);
        var root = sqs.RootElement;

        Assert.Equal("guard.deploy.broken", root.GetProperty("type").GetString());
        Assert.Equal("orders-api", root.GetProperty("functionName").GetString());
        Assert.Equal("UpdateFunctionCode20150331v2", root.GetProperty("eventName").GetString());
        Assert.Equal("IAMUser", root.GetProperty("deployedBy").GetProperty("type").GetString());
        var report = root.GetProperty("report");
        Assert.Equal("broken", report.GetProperty("verdict").GetString());
        Assert.Equal("BOOTSTRAP_NOT_EXECUTABLE", report.GetProperty("findings")[0].GetProperty("code").GetString());
        Assert.Equal(structure.RootElement.GetProperty("sqs").GetString(), structure.RootElement.GetProperty("lambda").GetString());
    }

    [Fact]
    public void Subject_64CharacterNameAndLongestCode_Under100AndKeepsTheCode()
    {
        var name = new string('f', 64);

        var subject = DeployAlertComposer.Subject(name, FindingCodes.BootstrapInterpreterMissing);

        Assert.True(subject.Length < 100, $"{subject.Length}: {subject}");
        Assert.EndsWith("(BOOTSTRAP_INTERPRETER_MISSING)", subject, StringComparison.Ordinal);
        Assert.Contains("…", subject, StringComparison.Ordinal);
    }

    [Fact]
    public void Subject_ShortName_WholeNameAndCode()
    {
        Assert.Equal("Guard: orders-api will not start (BOOTSTRAP_MISSING)", DeployAlertComposer.Subject("orders-api", FindingCodes.BootstrapMissing));
    }

    [Fact]
    public void Subject_ControlCharactersAndAbsurdCode_OneLineUnder100()
    {
        var subject = DeployAlertComposer.Subject("bad\nname\t\u0001", new string('X', 300));

        Assert.True(subject.Length < 100);
        Assert.DoesNotContain(subject, char.IsControl);
    }

    [Fact]
    public void Compose_64CharacterFunction_SubjectUnder100()
    {
        var request = SnsAlertChannel.Request(DeployAlertComposer.Compose(Alert(new string('a', 64), Findings.BootstrapInterpreterMissing("bootstrap", "/lib/ld-musl-x86_64.so.1", "provided.al2023", false))), DeployHarness.TopicArn);

        Assert.True(request.Subject!.Length < 100);
    }

    [Fact]
    public void Slack_BrokenDeploy_HeaderSectionAndFallbackText()
    {
        var message = SlackAlertChannel.Message(DeployAlertComposer.Compose(Alert()));
        using var document = JsonDocument.Parse(JsonSerializer.Serialize(message, FunctionJsonContext.Default.SlackMessage));
        var root = document.RootElement;

        Assert.Contains("orders-api", root.GetProperty("text").GetString(), StringComparison.Ordinal);
        var blocks = root.GetProperty("blocks");
        Assert.Equal("header", blocks[0].GetProperty("type").GetString());
        Assert.Equal("plain_text", blocks[0].GetProperty("text").GetProperty("type").GetString());
        Assert.Equal("mrkdwn", blocks[1].GetProperty("text").GetProperty("type").GetString());
        Assert.Contains("BOOTSTRAP_NOT_EXECUTABLE", blocks[1].GetProperty("text").GetProperty("text").GetString(), StringComparison.Ordinal);
        Assert.False(blocks[2].TryGetProperty("text", out _));
    }

    [Fact]
    public void Compose_LambdaFailedTheUpdate_LambdasCodeAndReasonBesideGuardsVerdictInEveryForm()
    {
        var broken = Alert();
        var alert = broken with
        {
            Function = broken.Function with
            {
                LastUpdateStatus = "Failed",
                LastUpdateStatusReasonCode = "FunctionError.InvalidEntryPoint",
                LastUpdateStatusReason = "Couldn't find valid bootstrap(s): [/var/task/bootstrap /opt/bootstrap]",
            },
        };

        var composed = DeployAlertComposer.Compose(alert);

        Assert.Contains("Verdict: broken", composed.Text, StringComparison.Ordinal);
        Assert.Contains("Lambda says: FunctionError.InvalidEntryPoint: Couldn't find valid bootstrap(s): [/var/task/bootstrap /opt/bootstrap]\n", composed.Text, StringComparison.Ordinal);
        Assert.Contains("*Lambda says:* FunctionError.InvalidEntryPoint", composed.Chat.Content.Description, StringComparison.Ordinal);
        Assert.Equal("FunctionError.InvalidEntryPoint", composed.Attributes["guard.lambda"]);
        using var document = JsonDocument.Parse(composed.Document);
        Assert.Equal("guard.deploy.broken", document.RootElement.GetProperty("type").GetString());
        Assert.StartsWith("FunctionError.InvalidEntryPoint: Couldn't find", document.RootElement.GetProperty("lambdaSays").GetString(), StringComparison.Ordinal);
        Assert.Equal("Guard: orders-api will not start (BOOTSTRAP_NOT_EXECUTABLE)", composed.Subject);
    }

    [Fact]
    public void Compose_LambdaFailedAVersionGuardFoundFine_AlertSaysLambdaFailedItAndGuardsVerdict()
    {
        var broken = Alert();
        var alert = broken with
        {
            Report = broken.Report with { Verdict = Verdict.Ok, Findings = [] },
            Function = broken.Function with { Version = "3", State = "Failed", StateReasonCode = "FunctionError.RuntimeInitError", StateReason = "Runtime exited with error: exit status 1" },
        };

        var composed = DeployAlertComposer.Compose(alert);

        Assert.Equal("Guard: orders-api failed in Lambda (FunctionError.RuntimeInitError)", composed.Subject);
        Assert.StartsWith("Guard: Lambda failed orders-api. Guard's verdict on its code: ok.\nLambda says: FunctionError.RuntimeInitError: Runtime exited with error: exit status 1\n", composed.Text, StringComparison.Ordinal);
        Assert.Equal("guard.deploy.lambda-failed", composed.Type);
        Assert.Equal("GuardDeployFailedInLambda", composed.Chat.Metadata.EventType);
        Assert.Equal("ok", composed.Attributes["guard.verdict"]);
    }

    [Fact]
    public void Compose_LambdasReasonLongAndMultiline_OneBoundedLine()
    {
        var broken = Alert();
        var reason = "first line\nsecond line\r\n" + new string('x', 10_000);
        var alert = broken with { Function = broken.Function with { State = "Failed", StateReasonCode = "FunctionError.ExtensionInitError", StateReason = reason } };

        var text = DeployAlertComposer.PlainText(alert);

        var line = text.Split('\n').Single(l => l.StartsWith("Lambda says: ", StringComparison.Ordinal));
        Assert.StartsWith("Lambda says: FunctionError.ExtensionInitError: first line second line", line, StringComparison.Ordinal);
        Assert.EndsWith("…", line, StringComparison.Ordinal);
        Assert.True(line.Length <= "Lambda says: FunctionError.ExtensionInitError: ".Length + AlertText.MaxLambdaReasonLength, $"{line.Length} characters");
    }

    [Fact]
    public void Compose_LambdaDidNotFailIt_NoLambdaLine()
    {
        var composed = DeployAlertComposer.Compose(Alert());

        Assert.DoesNotContain("Lambda says", composed.Text, StringComparison.Ordinal);
        Assert.False(composed.Attributes.ContainsKey("guard.lambda"));
    }
}
