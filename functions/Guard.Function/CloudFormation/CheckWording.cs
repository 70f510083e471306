using System.Globalization;
using System.Text;
using Guard.Inspection.Reporting;
using Guard.Inspection.Rules;

namespace Guard.Function.CloudFormation;

/// <summary>
/// The sentences CloudFormation shows people (a custom resource's Reason, a hook's message): the verdict, the
/// first error and its fix, the other codes. Also the limits-aware trimming they share.
/// </summary>
public static class CheckWording
{
    public const string Ellipsis = " [...]";

    /// <summary>"s3://b/k will not start on provided.al2023 (arm64). BOOTSTRAP_WRONG_ARCH: … Fix: … Also: …".</summary>
    public static string Broken(Report report, string? subject = null)
    {
        ArgumentNullException.ThrowIfNull(report);
        var text = new StringBuilder();
        text.Append(CultureInfo.InvariantCulture, $"{subject ?? report.Source} will not start on {Platform(report)}.");
        var lead = report.Findings.FirstOrDefault(f => f.Severity == Severity.Error) ?? report.LeadingFinding;
        if (lead is not null)
        {
            text.Append(' ').Append(FindingText.OneLine(lead));
        }

        var others = report.Findings.Where(f => f != lead && f.Severity != Severity.Info).Select(f => f.Code).Distinct().ToArray();
        if (others.Length > 0)
        {
            text.Append(" Also: ").AppendJoin(", ", others).Append('.');
        }

        return text.ToString();
    }

    /// <summary>"provided.al2023 (arm64)"; for an image, which brings its own runtime, just "arm64".</summary>
    public static string Platform(Report report)
    {
        ArgumentNullException.ThrowIfNull(report);
        return report.Runtime == Guard.Inspection.Images.ImageInspector.RuntimeName ? report.Architecture : $"{report.Runtime} ({report.Architecture})";
    }

    /// <summary>"bootstrap: ELF x86_64, static, mode 0755, 4571136 bytes" or null when there is none.</summary>
    public static string? Bootstrap(Report report)
    {
        ArgumentNullException.ThrowIfNull(report);
        if (report.Bootstrap is not { } b)
        {
            return null;
        }

        var parts = new List<string> { b.Kind == "elf" ? $"ELF {b.Machine}" : b.Kind };
        if (b.Linkage is { } linkage)
        {
            parts.Add(linkage);
        }

        if (b.Mode is { } mode)
        {
            parts.Add($"mode {mode}");
        }

        parts.Add(string.Create(CultureInfo.InvariantCulture, $"{b.Size} bytes"));
        return $"{b.Path}: {string.Join(", ", parts)}";
    }

    /// <summary>"RUNTIME_DEPRECATED: …" for each warning, or null when there is none.</summary>
    public static string? Warnings(Report report)
    {
        ArgumentNullException.ThrowIfNull(report);
        var warnings = report.Findings.Where(f => f.Severity == Severity.Warning).Select(FindingText.OneLine).ToArray();
        return warnings.Length == 0 ? null : "Warning: " + string.Join(" ", warnings);
    }

    /// <summary>
    /// At most <paramref name="maxChars"/> UTF-16 characters, cut at a character boundary (never inside a
    /// surrogate pair) and marked with <see cref="Ellipsis"/>.
    /// </summary>
    public static string Truncate(string text, int maxChars)
    {
        ArgumentNullException.ThrowIfNull(text);
        if (text.Length <= maxChars)
        {
            return text;
        }

        var keep = Math.Max(0, maxChars - Ellipsis.Length);
        return Prefix(text, keep) + Ellipsis;
    }

    /// <summary>The first <paramref name="chars"/> characters, one fewer when that would split a surrogate pair.</summary>
    public static string Prefix(string text, int chars)
    {
        ArgumentNullException.ThrowIfNull(text);
        if (chars >= text.Length)
        {
            return text;
        }

        if (chars > 0 && char.IsHighSurrogate(text[chars - 1]))
        {
            chars--;
        }

        return text[..Math.Max(0, chars)];
    }
}
