using System.Globalization;
using Guard.Inspection.Rules;

namespace Guard.Inspection.Reporting;

/// <summary>The report for people: the verdict first, then each finding with its fix, then what it cost.</summary>
public static class TextReportWriter
{
    public static string Write(Report report)
    {
        var text = new System.Text.StringBuilder();
        var verdict = report.Verdict switch
        {
            Verdict.Broken => "BROKEN",
            Verdict.Placeholder => "PLACEHOLDER",
            _ => "OK",
        };
        text.Append(CultureInfo.InvariantCulture, $"{verdict}  {report.Source}  ({report.Runtime}, {report.Architecture})").AppendLine();
        if (report.Bootstrap is { } bootstrap)
        {
            text.Append(CultureInfo.InvariantCulture, $"  {bootstrap.Path}: {Describe(bootstrap)}").AppendLine();
        }

        foreach (var finding in report.Findings)
        {
            FindingText.AppendBlock(text.AppendLine(), finding);
        }

        text.AppendLine();
        text.Append(CultureInfo.InvariantCulture, $"  {report.Stats.Requests} request(s), {Bytes(report.Stats.BytesRead)} read, {report.Stats.ElapsedMs} ms").AppendLine();
        return text.ToString();
    }

    private static string Describe(BootstrapSummary bootstrap)
    {
        var parts = new List<string>();
        parts.Add(bootstrap.Kind switch
        {
            "elf" => $"ELF {bootstrap.Machine}",
            "macho" => "Mach-O (macOS)",
            "pe" => "PE (Windows)",
            var kind => kind,
        });
        if (bootstrap.Linkage is { } linkage)
        {
            parts.Add(linkage);
        }

        if (bootstrap.Interpreter is { } interpreter)
        {
            parts.Add($"interpreter {interpreter}");
        }

        if (bootstrap.GlibcRequired is { } glibc)
        {
            parts.Add($"needs glibc {glibc}");
        }

        if (bootstrap.Toolchain is { } toolchain)
        {
            parts.Add($"built by {bootstrap.GoVersion ?? (bootstrap.Compiler is { } compiler ? $"{toolchain} ({compiler})" : toolchain)}");
        }

        if (bootstrap.AwsLambdaGo is { } client)
        {
            parts.Add($"aws-lambda-go {client}");
        }

        parts.Add(bootstrap.Mode is { } mode ? $"mode {mode}" : "no Unix mode");
        parts.Add(Bytes(bootstrap.Size));
        if (bootstrap.Layer is { } layer)
        {
            parts.Add($"from layer {layer}");
        }

        return string.Join(", ", parts);
    }

    public static string Bytes(long bytes) => bytes switch
    {
        < 1024 => $"{bytes} B",
        < 1024 * 1024 => string.Create(CultureInfo.InvariantCulture, $"{bytes / 1024.0:0.#} KiB"),
        _ => string.Create(CultureInfo.InvariantCulture, $"{bytes / (1024.0 * 1024):0.#} MiB"),
    };
}
