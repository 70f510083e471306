using Guard.Inspection.Rules;

namespace Guard.Inspection.Reporting;

/// <summary>
/// SARIF for packages checked on their own: one run, the finding codes as rules, one result per finding located at
/// the package file, and one invocation that says whether the check ran.
/// </summary>
public static class SarifReportWriter
{
    private static readonly SarifRule[] Rules = Sarif.RulesFor(FindingCodes.All);

    public static string Write(IReadOnlyList<Report> reports, string toolVersion)
    {
        ArgumentNullException.ThrowIfNull(reports);
        var results = reports.SelectMany(report => report.Findings.Select(finding => Sarif.ResultFor(finding, Rules, Sarif.LocationAt(report.Source)))).ToArray();
        return Sarif.Serialize(toolVersion, Rules, results, new SarifInvocation(ExecutionSuccessful: true, ToolExecutionNotifications: null));
    }

    /// <summary>
    /// The log of a run that could not check <paramref name="source"/> (it could not be fetched, …): no results,
    /// <c>executionSuccessful: false</c> and the reason as an error notification, so an upload step that runs
    /// <c>if: always()</c> still finds a valid log and code scanning shows why the run failed.
    /// </summary>
    /// <param name="source">What was to be checked, as the user named it (never a presigned query).</param>
    /// <param name="reason">The one-line error guard printed.</param>
    /// <param name="toolVersion">Guard's version.</param>
    public static string WriteFailure(string source, string reason, string toolVersion)
    {
        ArgumentException.ThrowIfNullOrEmpty(source);
        ArgumentException.ThrowIfNullOrEmpty(reason);
        var notification = new SarifNotification("error", new SarifText(reason), [Sarif.LocationAt(source)]);
        return Sarif.Serialize(toolVersion, Rules, [], new SarifInvocation(ExecutionSuccessful: false, [notification]));
    }
}
