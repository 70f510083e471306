using System.Text.Json.Serialization;
using Guard.Inspection.Reporting;
using Guard.Inspection.Rules;

namespace Guard.Cli.Apps;

/// <summary>What became of one thing <c>guard check</c> was asked about: a package, or one function of an app.</summary>
[JsonConverter(typeof(JsonStringEnumConverter<Outcome>))]
internal enum Outcome
{
    /// <summary>Lambda will find and exec a bootstrap.</summary>
    [JsonStringEnumMemberName("ok")] Ok,

    /// <summary>An error finding that is not suppressed: the function will not start.</summary>
    [JsonStringEnumMemberName("broken")] Broken,

    /// <summary>A known placeholder upload.</summary>
    [JsonStringEnumMemberName("placeholder")] Placeholder,

    /// <summary>Nothing for Guard to judge: a managed runtime, inline code, a false Condition.</summary>
    [JsonStringEnumMemberName("skipped")] Skipped,

    /// <summary>Should have been judged but could not be: the package could not be fetched, a value could not be resolved.</summary>
    [JsonStringEnumMemberName("unchecked")] NotChecked,
}

/// <summary>Where a function is declared: the template file (as the user named it) and the resource's line.</summary>
/// <param name="Written">Where the function is written when the template was generated (sam build, serverless package, cdk synth).</param>
internal sealed record FunctionOrigin(string LogicalId, string TemplateFile, int Line, int Column, Sources.SourceSpot? Written = null);

/// <summary>A finding and, when it is suppressed, by what (<c>--ignore</c>, or the template's Metadata).</summary>
internal sealed record JudgedFinding(Finding Finding, string? SuppressedBy = null)
{
    public bool IsSuppressed => SuppressedBy is not null;
}

/// <param name="Source">The package as it may be shown (no presigned query), or the code path of a function.</param>
/// <param name="Function">For a function of an app; null for a package named on the command line.</param>
/// <param name="Report">The engine's report when the package was inspected.</param>
/// <param name="Findings">The report's findings and Guard's own about the app, each with its suppression.</param>
/// <param name="Reason">Why it was skipped or not checked: one line for a person.</param>
internal sealed record CheckResult(
    string Source,
    FunctionOrigin? Function,
    string? Runtime,
    string? Architecture,
    Outcome Outcome,
    Report? Report,
    IReadOnlyList<JudgedFinding> Findings,
    string? Reason = null)
{
    public static CheckResult Skipped(string source, FunctionOrigin? function, string? runtime, string? architecture, string reason) =>
        new(source, function, runtime, architecture, Outcome.Skipped, null, [], reason);

    /// <summary>
    /// Could not be judged; when the user suppressed the <c>FUNCTION_NOT_CHECKED</c> finding that says so (they know
    /// Guard cannot resolve it), it counts as skipped. An error Guard is certain of without the code (a runtime Lambda
    /// refuses) makes it broken: retrying the fetch cannot change that.
    /// </summary>
    public static CheckResult NotChecked(string source, FunctionOrigin? function, string? runtime, string? architecture, string reason, IReadOnlyList<JudgedFinding>? findings = null)
    {
        var notChecked = (findings ?? []).Where(f => f.Finding.Code == AppFindings.FunctionNotChecked).ToArray();
        var outcome = (findings ?? []).Any(f => !f.IsSuppressed && f.Finding.Severity == Severity.Error) ? Outcome.Broken
            : notChecked.Length > 0 && notChecked.All(f => f.IsSuppressed) ? Outcome.Skipped
            : Outcome.NotChecked;
        return new(source, function, runtime, architecture, outcome, null, findings ?? [], reason);
    }

    /// <summary>
    /// Judged from the template alone, no package read (a Runtime Lambda does not accept): broken while an error
    /// stands, skipped when the user suppressed it.
    /// </summary>
    public static CheckResult FromTemplate(string source, FunctionOrigin function, string? runtime, string? architecture, IReadOnlyList<JudgedFinding> findings, string reason)
    {
        var outcome = findings.Any(f => !f.IsSuppressed && f.Finding.Severity == Severity.Error) ? Outcome.Broken : Outcome.Skipped;
        return new(source, function, runtime, architecture, outcome, null, findings, reason);
    }

    /// <summary>An inspected package: the verdict counts only the findings that are not suppressed.</summary>
    public static CheckResult Inspected(string source, FunctionOrigin? function, Report report, IReadOnlyList<JudgedFinding> findings)
    {
        var active = findings.Where(f => !f.IsSuppressed).Select(f => f.Finding).ToArray();
        var outcome = active.Any(f => f.Severity == Severity.Error) ? Outcome.Broken
            : report.Verdict == Verdict.Placeholder && active.Any(f => f.Code == FindingCodes.Placeholder) ? Outcome.Placeholder
            : Outcome.Ok;
        return new CheckResult(source, function, report.Runtime, report.Architecture, outcome, report, findings);
    }

    public bool HasSuppressions => Findings.Any(f => f.IsSuppressed);
}
