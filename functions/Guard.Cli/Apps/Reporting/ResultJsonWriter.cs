using System.Text.Json;
using System.Text.Json.Nodes;
using System.Text.Json.Serialization;
using Guard.Inspection.Reporting;
using Guard.Inspection.Rules;

namespace Guard.Cli.Apps.Reporting;

/// <summary>
/// <c>--format json</c>. One package: exactly the report of docs/design.md (schema version 1), plus <c>suppressed: true</c>
/// on a finding only when one is suppressed. An app or several paths: schema version 2, a top-level
/// <c>functions</c> list of per-function reports carrying the version 1 fields.
/// </summary>
internal static class ResultJsonWriter
{
    public const int AppSchemaVersion = 2;

    public static string WriteSingle(CheckResult result)
    {
        var report = result.Report ?? throw new ArgumentException("a single-package report needs an inspected package", nameof(result));
        var shown = report with { Verdict = ResultTextWriter.VerdictOf(result.Outcome), Findings = [.. result.Findings.Select(f => f.Finding)] };
        if (!result.HasSuppressions)
        {
            return JsonSerializer.Serialize(shown, ReportJsonContext.Default.Report) + Environment.NewLine;
        }

        var node = JsonSerializer.SerializeToNode(shown, ReportJsonContext.Default.Report)!;
        var findings = node["findings"]!.AsArray();
        for (var i = 0; i < result.Findings.Count; i++)
        {
            if (result.Findings[i].IsSuppressed)
            {
                findings[i]!["suppressed"] = true;
            }
        }

        return node.ToJsonString(new JsonSerializerOptions { WriteIndented = true }) + Environment.NewLine;
    }

    public static string WriteApp(IReadOnlyList<CheckResult> results, int exitCode)
    {
        var document = new AppReportDocument(
            AppSchemaVersion,
            exitCode,
            [.. results.Select(Document)]);
        return JsonSerializer.Serialize(document, AppJsonContext.Default.AppReportDocument) + Environment.NewLine;
    }

    private static FunctionReportDocument Document(CheckResult result) => new(
        result.Function?.LogicalId,
        result.Function?.TemplateFile,
        result.Function?.Line,
        result.Source,
        result.Report?.Source ?? result.Source,
        result.Outcome,
        result.Reason,
        result.Runtime,
        result.Architecture,
        result.Report?.Bootstrap,
        [.. result.Findings.Select(f => new FindingDocument(f.Finding.Code, f.Finding.Severity, f.Finding.Message, f.Finding.Hint, f.IsSuppressed, f.SuppressedBy))],
        result.Report?.Stats);
}

/// <summary>The schema version 2 document: what <c>guard check</c> found over an app or several packages.</summary>
/// <param name="ExitCode">The exit code the run ends with (worst result first: 1, 2, 3, 0).</param>
internal sealed record AppReportDocument(int SchemaVersion, int ExitCode, IReadOnlyList<FunctionReportDocument> Functions);

/// <param name="LogicalId">The function's resource in the template; null for a package named on the command line.</param>
/// <param name="TemplateFile">The template, as named on the command line.</param>
/// <param name="Line">The resource's line in the template (1-based).</param>
/// <param name="CodePath">The function's code as resolved from the template (a folder, a zip, s3://…), or the package path.</param>
/// <param name="Source">What was read, as in the version 1 report.</param>
/// <param name="Reason">Why the function was skipped or not checked.</param>
internal sealed record FunctionReportDocument(
    string? LogicalId,
    string? TemplateFile,
    int? Line,
    string CodePath,
    string Source,
    Outcome Verdict,
    string? Reason,
    string? Runtime,
    string? Architecture,
    BootstrapSummary? Bootstrap,
    IReadOnlyList<FindingDocument> Findings,
    ReadStats? Stats);

internal sealed record FindingDocument(string Code, Severity Severity, string Message, string? Hint, bool Suppressed, string? SuppressedBy);

[JsonSourceGenerationOptions(
    PropertyNamingPolicy = JsonKnownNamingPolicy.CamelCase,
    DefaultIgnoreCondition = JsonIgnoreCondition.Never,
    WriteIndented = true)]
[JsonSerializable(typeof(AppReportDocument))]
internal sealed partial class AppJsonContext : JsonSerializerContext;
