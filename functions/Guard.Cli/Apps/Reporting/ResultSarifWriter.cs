using Guard.Inspection.Reporting;
using Guard.Inspection.Rules;

namespace Guard.Cli.Apps.Reporting;

/// <summary>
/// SARIF over several results, in one run: a function's results are located at its resource in the template (file
/// and line), with the package as a related location; a package's at the package. Suppressed findings stay as
/// results with <c>suppressions</c> (§3.27.23): <c>external</c> for <c>--ignore</c>, <c>inSource</c> for the
/// template's Metadata. A package or function that could not be checked turns the invocation's
/// <c>executionSuccessful</c> false with the reason as an error notification, as for one package.
/// </summary>
internal static class ResultSarifWriter
{
    private static readonly SarifRule[] Rules = Sarif.RulesFor(FindingCodes.All.Concat(AppFindings.All));

    public static string Write(IReadOnlyList<CheckResult> results, string toolVersion)
    {
        var sarifResults = new List<SarifResult>();
        var notifications = new List<SarifNotification>();
        foreach (var result in results)
        {
            var location = result.Function is { } function ? Sarif.LocationAt(function.TemplateFile, function.Line, function.Column) : Sarif.LocationAt(result.Source);
            var related = result.Function is null ? null : new[] { new SarifRelatedLocation(1, Sarif.PhysicalLocationAt(result.Source), new SarifText("the function's package")) };
            foreach (var judged in result.Findings)
            {
                var suppressions = judged.SuppressedBy is { } by ? new[] { new SarifSuppression(by.StartsWith("--", StringComparison.Ordinal) ? "external" : "inSource", $"suppressed by {by}") } : null;
                sarifResults.Add(Sarif.ResultFor(judged.Finding, Rules, location, result.Function is { } f ? $"{f.LogicalId}: " : "", related, suppressions));
            }

            if (result.Outcome == Outcome.NotChecked)
            {
                notifications.Add(new SarifNotification("error", new SarifText(result.Reason ?? "not checked"), [location]));
            }
        }

        return Sarif.Serialize(toolVersion, Rules, sarifResults, new SarifInvocation(notifications.Count == 0, notifications.Count == 0 ? null : notifications));
    }
}
