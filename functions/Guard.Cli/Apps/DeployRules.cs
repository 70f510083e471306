using Guard.Inspection.Rules;

namespace Guard.Cli.Apps;

/// <summary>
/// What <c>guard check</c> adds to the engine's verdict because it runs before a deploy: the question in CI is
/// "will this deploy work?", and Lambda refuses CreateFunction (and later UpdateFunction*) on a runtime past its
/// block dates whatever the package holds. The deployed-function paths (scan, the Lambda) keep the warning only:
/// those functions exist and run.
/// </summary>
internal static class DeployRules
{
    public static DateOnly Today => DateOnly.FromDateTime(TimeProvider.System.GetUtcNow().UtcDateTime);

    /// <summary>
    /// The findings about the function's runtime itself. <paramref name="inspected"/>: the engine judged the package
    /// and already reported the deprecation; a function that was not built (or not fetched) still gets it, since the
    /// runtime is known from the template whatever became of the code.
    /// </summary>
    public static IEnumerable<Finding> For(string? runtime, string? architecture, bool inspected)
    {
        if (runtime is null || !RuntimeCatalog.Default.TryFind(runtime, out var facts))
        {
            yield break;
        }

        var today = Today;
        if (!inspected && facts.IsDeprecatedOn(today))
        {
            yield return Findings.RuntimeDeprecated(facts, architecture);
        }

        if (facts.IsCreateBlockedOn(today))
        {
            yield return Findings.RuntimeDeployBlocked(facts, today, architecture);
        }
    }
}
