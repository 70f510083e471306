using Guard.Inspection.Reporting;

namespace Guard.Aws.Scanning;

/// <summary>What a sweep did with one function.</summary>
public enum ScanOutcome
{
    /// <summary>Inspected: <see cref="FunctionScanResult.Report"/> holds the verdict.</summary>
    Checked,

    /// <summary>Not Guard's to judge (a container image, a managed runtime) or gone before it could be read.</summary>
    Skipped,

    /// <summary>Should have been judged but could not be: the package or a layer could not be fetched, or an AWS call failed.</summary>
    Unchecked,
}

/// <summary>One function's line in a sweep.</summary>
/// <param name="Architecture">Lambda's name (<c>x86_64</c>, <c>arm64</c>).</param>
/// <param name="Report">Set when <see cref="Outcome"/> is <see cref="ScanOutcome.Checked"/>; its source is the function's ARN.</param>
/// <param name="Reason">Why the function was skipped or left unchecked; null when checked.</param>
/// <param name="RuntimeDeprecated">When the runtime is (or was) deprecated, for runtimes Guard knows.</param>
public sealed record FunctionScanResult(
    string Region,
    string FunctionName,
    string FunctionArn,
    string? Runtime,
    string Architecture,
    string PackageType,
    ScanOutcome Outcome,
    Report? Report,
    string? Reason,
    DateOnly? RuntimeDeprecated)
{
    /// <summary>The stack that owns the function, from the tags GetFunction returned (empty without lambda:ListTags).</summary>
    public Functions.FunctionOwner? Owner { get; init; }

    /// <summary>Set when the sweep was asked for a target runtime and the function is on one it applies to.</summary>
    public MigrationReadiness? Readiness { get; init; }

    /// <summary>What built the bootstrap, as a <c>guard:toolchain</c> tag value (<c>go1.22.5</c>, <c>rust:rustc-1.75.0</c>); null when unknown.</summary>
    public string? Toolchain => Report?.Bootstrap is { Toolchain: { } name } bootstrap
        ? Inspection.Executables.Toolchain.TagValueOf(name, name == "go" ? bootstrap.GoVersion : bootstrap.Compiler)
        : null;

    /// <summary>The function's account (from its ARN), or the account a sweep could not enter.</summary>
    public string? Account { get; init; } = FunctionArn.Split(':') is { Length: > 4 } parts && parts[4].Length > 0 ? parts[4] : null;

    /// <summary><c>ok</c>, <c>broken</c>, <c>placeholder</c>, <c>skipped</c> or <c>unchecked</c>.</summary>
    public string Verdict => Outcome switch
    {
        ScanOutcome.Checked => VerdictNames.Of(Report!.Verdict),
        ScanOutcome.Skipped => "skipped",
        _ => "unchecked",
    };

    public bool IsBroken => Report?.Verdict == Inspection.Reporting.Verdict.Broken;
}

/// <summary>A sweep's progress, reported as functions are listed and checked.</summary>
/// <param name="Listed">Functions listed so far.</param>
/// <param name="Done">Functions finished (checked, skipped or unchecked).</param>
/// <param name="Broken">Functions found broken so far.</param>
/// <param name="Region">The region swept, or for an organization "N accounts × M regions".</param>
public readonly record struct ScanProgress(string Region, int Listed, int Done, int Broken);
