using System.Text;
using Guard.Aws;
using Guard.Cli.Apps;
using Guard.Cli.Commands;
using Guard.Inspection.Reporting;
using Guard.Inspection.Rules;

namespace Guard.Cli.Packaging;

/// <summary>
/// A local package judged for a runtime by <c>guard check</c>'s own per-package path (<see cref="ArgumentCheck"/>),
/// and its findings as the lines <c>guard package</c> and <c>guard migrate PATH</c> print under a verdict.
/// </summary>
internal static class PackageVerdict
{
    /// <summary>No layer look-ups and no placeholders: these packages are local and were just made or built.</summary>
    public static ArgumentCheck CreateCheck(PackageSourceFactory sources) =>
        new(new PackageArguments(sources), null, new HashSet<string>(), TimeSpan.FromSeconds(CheckCommand.DefaultTimeoutSeconds));

    /// <summary>Each error and warning that is not suppressed, with its fix, as <c>guard check</c> prints them.</summary>
    public static void AppendFindings(StringBuilder text, CheckResult result, string indent)
    {
        foreach (var finding in result.Findings.Where(f => !f.IsSuppressed && f.Finding.Severity != Severity.Info).Select(f => f.Finding))
        {
            FindingText.AppendBlock(text, finding, indent);
        }
    }
}
