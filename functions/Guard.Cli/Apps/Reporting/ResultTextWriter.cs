using System.Globalization;
using System.Text;
using Guard.Inspection.Reporting;
using Guard.Inspection.Rules;

namespace Guard.Cli.Apps.Reporting;

/// <summary>
/// The text report over several results: each package as the engine's text report (unchanged for a single
/// package), functions of an app under their logical id and template line, then one summary line.
/// </summary>
internal static class ResultTextWriter
{
    public static string Write(IReadOnlyList<CheckResult> results, int exitCode, FailOn failOn)
    {
        var text = new StringBuilder();
        for (var i = 0; i < results.Count; i++)
        {
            if (i > 0)
            {
                text.AppendLine();
            }

            WriteOne(text, results[i]);
        }

        if (failOn == FailOn.Warning && results.Any(r => r.Outcome == Outcome.Ok && ExitCodePolicy.ExitCodeOf(r, failOn) == ExitCodes.Broken))
        {
            text.AppendLine().AppendLine("  --fail-on warning: a warning that is not suppressed fails the check (exit 1)");
        }

        if (results.Count > 1 || results.Any(r => r.Function is not null))
        {
            var counts = results.GroupBy(r => r.Outcome).OrderBy(g => g.Key).Select(g => $"{g.Count()} {Name(g.Key).ToLowerInvariant()}");
            text.AppendLine();
            var what = results.All(r => r.Function is not null) ? "function" : results.All(r => r.Function is null) ? "package" : "result";
            what = results.Count == 1 ? what : what + "s";
            text.Append(CultureInfo.InvariantCulture, $"{results.Count} {what}: {string.Join(", ", counts)}; exit {exitCode}").AppendLine();
        }

        return text.ToString();
    }

    private static void WriteOne(StringBuilder text, CheckResult result)
    {
        if (result.Function is { } function)
        {
            text.Append(CultureInfo.InvariantCulture, $"{function.LogicalId}  ({function.TemplateFile}:{function.Line})").AppendLine();
        }

        var indent = result.Function is null ? "" : "  ";
        if (result.Report is { } report)
        {
            var active = result.Findings.Where(f => !f.IsSuppressed).Select(f => f.Finding).ToArray();
            var shown = report with { Source = result.Source, Verdict = VerdictOf(result.Outcome), Findings = active };
            var body = TextReportWriter.Write(shown);
            var suppressed = result.Findings.Where(f => f.IsSuppressed).ToArray();
            if (suppressed.Length > 0)
            {
                // Before the cost line, as a finding list of its own: seen, but not counted.
                var lines = body.TrimEnd('\n').Split('\n').ToList();
                var insertAt = lines.Count - 1;
                var added = new List<string>();
                foreach (var judged in suppressed)
                {
                    added.Add("");
                    added.Add($"  suppressed {judged.Finding.Code} ({judged.SuppressedBy}; {FindingText.SeverityName(judged.Finding.Severity)}, not counted)");
                    added.Add($"          {judged.Finding.Message}");
                }

                added.Add("");
                lines.RemoveAt(insertAt - 1); // the blank line before the cost line comes back from the list above
                lines.InsertRange(insertAt - 1, added);
                body = string.Join('\n', lines) + "\n";
            }

            foreach (var line in body.TrimEnd('\n').Split('\n'))
            {
                text.Append(line.Length == 0 ? "" : indent + line).AppendLine();
            }

            return;
        }

        text.Append(CultureInfo.InvariantCulture, $"{indent}{Name(result.Outcome)}  {result.Source}");
        if (result.Runtime is not null)
        {
            text.Append(CultureInfo.InvariantCulture, $"  ({result.Runtime}{(result.Architecture is null ? "" : ", " + result.Architecture)})");
        }

        text.AppendLine();
        if (result.Reason is { } reason)
        {
            text.Append(CultureInfo.InvariantCulture, $"{indent}  {reason}").AppendLine();
        }

        if (result.Findings.FirstOrDefault(f => f.Finding.Code == AppFindings.FunctionNotChecked && !f.IsSuppressed)?.Finding.Hint is { } notCheckedHint)
        {
            text.Append(CultureInfo.InvariantCulture, $"{indent}  fix: {notCheckedHint}").AppendLine();
        }

        foreach (var judged in result.Findings.Where(f => f.Finding.Code != AppFindings.FunctionNotChecked || f.IsSuppressed))
        {
            FindingText.AppendBlock(text.AppendLine(), judged.Finding, indent + "  ", judged.IsSuppressed ? $"suppressed {judged.Finding.Code} ({judged.SuppressedBy})" : null);
        }
    }

    public static Verdict VerdictOf(Outcome outcome) => outcome switch
    {
        Outcome.Broken => Verdict.Broken,
        Outcome.Placeholder => Verdict.Placeholder,
        _ => Verdict.Ok,
    };

    private static string Name(Outcome outcome) => outcome switch
    {
        Outcome.Ok => "OK",
        Outcome.Broken => "BROKEN",
        Outcome.Placeholder => "PLACEHOLDER",
        Outcome.Skipped => "SKIPPED",
        _ => "NOT CHECKED",
    };
}
