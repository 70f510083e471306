using Guard.Inspection.Rules;

namespace Guard.Cli.Apps;

/// <summary>Which findings fail a check: errors only (the default), or warnings too (<c>--fail-on warning</c>).</summary>
internal enum FailOn
{
    Error,
    Warning,
}

/// <summary>
/// What a function that <c>sam build</c> builds (Metadata.BuildMethod) but has not built yet is (<c>--unbuilt</c>):
/// not checked, exit 2 (the default, for CI, where the build must have run); a warning in a skipped result, exit 0
/// (for pre-commit on a source tree); or skipped with the warning marked suppressed.
/// </summary>
internal enum UnbuiltPolicy
{
    Fail,
    Warn,
    Ok,
}

/// <summary>
/// One exit code for many results. Precedence, worst first: <c>1</c> broken, <c>2</c> not checked (a package
/// that could not be fetched, a value that could not be resolved), <c>3</c> placeholder, <c>0</c> ok or
/// skipped. Broken outranks "not checked" because it is certain and retrying cannot change it, while a CI step
/// that retries on 2 would only retry in vain; "not checked" outranks placeholder and ok because a gate that
/// did not see everything must not pass.
/// </summary>
internal static class ExitCodePolicy
{
    public static int ExitCodeOf(CheckResult result, FailOn failOn) => result.Outcome switch
    {
        Outcome.Broken => ExitCodes.Broken,
        Outcome.NotChecked => ExitCodes.UsageOrUnavailable,
        Outcome.Placeholder => ExitCodes.Placeholder,
        Outcome.Ok when failOn == FailOn.Warning && result.Findings.Any(f => !f.IsSuppressed && f.Finding.Severity == Severity.Warning) => ExitCodes.Broken,
        _ => ExitCodes.Ok,
    };

    public static int Worst(IEnumerable<int> exitCodes) =>
        exitCodes.DefaultIfEmpty(ExitCodes.Ok).MaxBy(Rank);

    private static int Rank(int exitCode) => exitCode switch
    {
        ExitCodes.Broken => 3,
        ExitCodes.UsageOrUnavailable => 2,
        ExitCodes.Placeholder => 1,
        _ => 0,
    };
}
