using System.Globalization;
using System.Text;
using Guard.Inspection.Reporting;
using Guard.Aws.Scanning;
using Guard.Inspection.Rules;

namespace Guard.Cli.Scanning;

/// <summary>
/// The text form of a sweep: one row per function, then how to fix each broken one, then (with a target runtime) what
/// each function that must move needs, then the totals. OWNER appears when a stack owns any function, READINESS with a
/// target runtime.
/// </summary>
internal static class ScanTableWriter
{
    private const int FindingWidth = 60;

    /// <param name="withAccount">Several accounts were swept: rows start with the account.</param>
    /// <param name="targetRuntime">The <c>--target-runtime</c> the functions were judged against; null for none.</param>
    public static string Write(IReadOnlyList<string> regions, IReadOnlyList<FunctionScanResult> results, bool withAccount = false, string? targetRuntime = null)
    {
        var withRegion = regions.Count > 1 || withAccount;
        var withOwner = results.Any(r => r.Owner is not null);
        var withReadiness = targetRuntime is not null;
        string[] header =
        [
            "FUNCTION", "RUNTIME", "ARCH", "TOOLCHAIN", "VERDICT", "FIRST FINDING",
            .. withOwner ? ["OWNER"] : Array.Empty<string>(),
            .. withReadiness ? ["READINESS"] : Array.Empty<string>(),
            "DEPRECATED",
        ];
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
                result.Toolchain ?? "-",
                result.Verdict.ToUpperInvariant(),
                Truncate(FirstFinding(result)),
                .. withOwner ? [result.Owner is { } owner ? owner.StackName + (owner.LogicalId is null ? "" : "/" + owner.LogicalId) : "-"] : Array.Empty<string>(),
                .. withReadiness ? [ReadinessCell(result.Readiness)] : Array.Empty<string>(),
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

        if (targetRuntime is not null)
        {
            WriteReadiness(text, targetRuntime, results, withAccount);
        }

        var summary = ScanSummary.Of(results);
        text.AppendLine();
        text.AppendLine(CultureInfo.InvariantCulture,
            $"{summary.Total} functions in {string.Join(", ", regions)}: {summary.Ok} ok, {summary.Broken} broken, {summary.Placeholder} placeholder, {summary.Skipped} skipped, {summary.Unchecked} unchecked");
        return text.ToString();
    }

    private static string ReadinessCell(MigrationReadiness? readiness) => readiness switch
    {
        null => "-",
        { State: ReadinessState.NeedsRebuild } => $"rebuild ({readiness.Cause})",
        _ => readiness.StateName,
    };

    /// <summary>Why each function needs a rebuild, then the counts per account.</summary>
    private static void WriteReadiness(StringBuilder text, string targetRuntime, IReadOnlyList<FunctionScanResult> results, bool withAccount)
    {
        var inv = CultureInfo.InvariantCulture;
        text.AppendLine();
        var rebuild = results.Where(r => r.Readiness is { State: ReadinessState.NeedsRebuild }).ToList();
        foreach (var result in rebuild)
        {
            var where = withAccount ? $"{result.Account} {result.Region} " : "";
            text.AppendLine(inv, $"{where}{result.FunctionName}: needs a rebuild for {targetRuntime}: {result.Readiness!.Code}: {result.Readiness.Message}");
        }

        var counts = ReadinessSummary.PerAccount(targetRuntime, results);
        if (counts.Count == 0)
        {
            text.AppendLine(inv, $"readiness for {targetRuntime}: no go1.x, provided or provided.al2 function checked");
        }

        foreach (var count in counts)
        {
            text.AppendLine(inv, $"readiness for {targetRuntime} in {count.Account ?? "(unknown account)"}: {count.Ready} ready to move as is, {count.Rebuild} need a rebuild, {count.Broken} already broken");
        }
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
