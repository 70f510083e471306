using System.Globalization;
using System.Text;
using Guard.Inspection.Reporting;
using Guard.Aws.Scanning;
using Guard.Inspection.Rules;

namespace Guard.Cli.Scanning;

/// <summary>The text form of a sweep: one row per function, then how to fix each broken one, then the totals.</summary>
internal static class ScanTableWriter
{
    private const int FindingWidth = 60;

    /// <param name="withAccount">Several accounts were swept: rows start with the account.</param>
    public static string Write(IReadOnlyList<string> regions, IReadOnlyList<FunctionScanResult> results, bool withAccount = false)
    {
        var withRegion = regions.Count > 1 || withAccount;
        string[] header = ["FUNCTION", "RUNTIME", "ARCH", "VERDICT", "FIRST FINDING", "DEPRECATED"];
        header = withRegion ? ["REGION", .. header] : header;
        header = withAccount ? ["ACCOUNT", .. header] : header;
        var rows = new List<string[]> { header };
        foreach (var result in results)
        {
            string[] cells =
            [
                result.FunctionName,
                result.Runtime ?? (result.PackageType == "Image" ? "(image)" : "-"),
                result.Architecture,
                result.Verdict.ToUpperInvariant(),
                Truncate(FirstFinding(result)),
                result.RuntimeDeprecated?.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture) ?? "-",
            ];
            cells = withRegion ? [result.Region, .. cells] : cells;
            rows.Add(withAccount ? [result.Account ?? "-", .. cells] : cells);
        }

        var widths = Enumerable.Range(0, header.Length).Select(column => rows.Max(row => row[column].Length)).ToArray();
        var text = new StringBuilder();
        foreach (var row in rows)
        {
            text.AppendLine(string.Join("  ", row.Select((cell, column) => column == row.Length - 1 ? cell : cell.PadRight(widths[column]))).TrimEnd());
        }

        var broken = results.Where(r => r.IsBroken).ToList();
        if (broken.Count > 0)
        {
            text.AppendLine();
            foreach (var result in broken)
            {
                FindingText.AppendBlock(text.AppendLine(result.FunctionName), result.Report!.LeadingFinding!);
            }
        }

        var summary = ScanSummary.Of(results);
        text.AppendLine();
        text.AppendLine(CultureInfo.InvariantCulture,
            $"{summary.Total} functions in {string.Join(", ", regions)}: {summary.Ok} ok, {summary.Broken} broken, {summary.Placeholder} placeholder, {summary.Skipped} skipped, {summary.Unchecked} unchecked");
        return text.ToString();
    }

    private static string FirstFinding(FunctionScanResult result)
    {
        if (result.Outcome != ScanOutcome.Checked)
        {
            return result.Reason ?? "-";
        }

        return result.Report!.LeadingFinding is { } finding
            ? finding.Severity == Severity.Error || finding.Code != FindingCodes.RuntimeDeprecated ? $"{finding.Code} {finding.Message}" : finding.Code
            : "-";
    }

    private static string Truncate(string value)
    {
        var line = value.ReplaceLineEndings(" ");
        return line.Length <= FindingWidth ? line : string.Concat(line.AsSpan(0, FindingWidth - 1), "…");
    }
}
