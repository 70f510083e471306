using Guard.Inspection.Reporting;
using Guard.Inspection.Rules;

namespace Guard.Cli.Apps.Reporting;

/// <summary>
/// SARIF over several results, in one run: a function's results are located at its resource in the template (file
/// and line), or where a generated template's function is written, with the package (and the generated template)
/// as related locations; a package's at the package. Suppressed findings stay as
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
            var (location, related) = LocationsOf(result);
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

    /// <summary>
    /// A function of a generated template (sam build's, serverless package's, cdk synth's: git-ignored, so code
    /// scanning cannot show them) is located where it is written, the generated template's line related; otherwise
    /// at the template's line. A CDK function no file names carries its construct path as a logical location.
    /// </summary>
    private static (SarifLocation Location, SarifRelatedLocation[]? Related) LocationsOf(CheckResult result)
    {
        if (result.Function is not { } function)
        {
            return (Sarif.LocationAt(result.Source), null);
        }

        var package = new SarifRelatedLocation(1, Sarif.PhysicalLocationAt(result.Source), new SarifText("the function's package"));
        var logical = function.Written?.ConstructPath is { } constructPath ? new[] { new SarifLogicalLocation(constructPath, "resource") } : null;
        var generated = new SarifLocation(Sarif.PhysicalLocationAt(function.TemplateFile, function.Line, function.Column), logical);
        if (function.Written is not { File: { } file } written)
        {
            return (generated, [package]);
        }

        var location = new SarifLocation(Sarif.PhysicalLocationAt(file, written.Line, written.Column), logical);
        return (location, [package, new SarifRelatedLocation(2, generated.PhysicalLocation, new SarifText("the generated template the check read"))]);
    }
}
