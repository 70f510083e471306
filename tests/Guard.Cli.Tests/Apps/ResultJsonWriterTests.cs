using System.Text.Json;
using Guard.Cli.Apps;
using Guard.Cli.Apps.Reporting;
using Guard.Inspection.Reporting;
using Guard.Inspection.Rules;

namespace Guard.Cli.Tests.Apps;

public sealed class ResultJsonWriterTests
{
    [Fact]
    public void AppReportDocument_RoundTripsThroughItsSourceGeneratedContext()
    {
        var report = new Report(1, "dist/a/", Verdict.Broken, "provided.al2023", "arm64",
            new BootstrapSummary("bootstrap", "function", "elf", "x86_64", "static", null, null, "0755", 129),
            [new Finding("BOOTSTRAP_WRONG_ARCH", Severity.Error, "wrong", "rebuild")], new ReadStats(1, 245, 3));
        var function = new FunctionOrigin("Fn", "template.yaml", 12, 3);
        var results = new[]
        {
            CheckResult.Inspected("dist/a", function, report, [new JudgedFinding(report.Findings[0])]),
            CheckResult.Skipped("src/py", function with { LogicalId = "Py" }, "python3.12", "x86_64", "managed runtime"),
        };

        var json = ResultJsonWriter.WriteApp(results, ExitCodes.Broken);
        var back = JsonSerializer.Deserialize(json, AppJsonContext.Default.AppReportDocument)!;

        Assert.Equal(json, JsonSerializer.Serialize(back, AppJsonContext.Default.AppReportDocument) + Environment.NewLine);
        Assert.Equal([Outcome.Broken, Outcome.Skipped], back.Functions.Select(f => f.Verdict));
        Assert.Equal(12, back.Functions[0].Line);
    }
}
