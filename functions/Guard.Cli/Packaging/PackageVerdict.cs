using System.Globalization;
using System.Text;
using Guard.Aws;
using Guard.Cli.Apps;
using Guard.Cli.Commands;
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

    /// <summary>Each error and warning that is not suppressed, an error with its fix on the next line.</summary>
    public static void AppendFindings(StringBuilder text, CheckResult result, string indent)
    {
        foreach (var finding in result.Findings.Where(f => !f.IsSuppressed && f.Finding.Severity != Severity.Info).Select(f => f.Finding))
        {
            text.AppendLine(CultureInfo.InvariantCulture, $"{indent}{finding.Severity.ToString().ToLowerInvariant()} {finding.Code}: {finding.Message}");
            if (finding.Hint is not null && finding.Severity == Severity.Error)
            {
                text.AppendLine(CultureInfo.InvariantCulture, $"{indent}  fix: {finding.Hint}");
            }
        }
    }
}
