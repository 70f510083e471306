using System.Text.Json;
using System.Text.Json.Serialization;
using Guard.Inspection.Rules;

namespace Guard.Cli.Apps.Reporting;

/// <summary>
/// SARIF 2.1.0 over several results, in one run: a function's results are located at its resource in the
/// template (file and line), with the package as a related location; a package's at the package. Suppressed
/// findings stay as results with <c>suppressions</c> (§3.27.23): <c>external</c> for <c>--ignore</c>,
/// <c>inSource</c> for the template's Metadata. A package or function that could not be checked turns the
/// invocation's <c>executionSuccessful</c> false with the reason as an error notification, as for one package.
/// </summary>
internal static class ResultSarifWriter
{
    private static readonly SarifRule[] Rules = FindingCodes.All.Concat(AppFindings.All)
        .Select(rule => new SarifRule(rule.Code, rule.Code, new SarifText(rule.Summary), new SarifConfiguration(Level(rule.Severity))))
        .ToArray();

    public static string Write(IReadOnlyList<CheckResult> results, string toolVersion)
    {
        var sarifResults = new List<SarifResult>();
        var notifications = new List<SarifNotification>();
        foreach (var result in results)
        {
            var location = LocationOf(result);
            var related = result.Function is null ? null : new[] { new SarifRelatedLocation(1, new SarifPhysicalLocation(new SarifArtifactLocation(ArtifactUri(result.Source)), null), new SarifText("the function's package")) };
            foreach (var judged in result.Findings)
            {
                var finding = judged.Finding;
                sarifResults.Add(new SarifResult(
                    finding.Code,
                    Array.FindIndex(Rules, r => r.Id == finding.Code),
                    Level(finding.Severity),
                    new SarifText((result.Function is { } f ? $"{f.LogicalId}: " : "") + (finding.Hint is null ? finding.Message : $"{finding.Message}. Fix: {finding.Hint}")),
                    [location],
                    related,
                    judged.SuppressedBy is { } by ? [new SarifSuppression(by.StartsWith("--", StringComparison.Ordinal) ? "external" : "inSource", $"suppressed by {by}")] : null));
            }

            if (result.Outcome == Outcome.NotChecked)
            {
                notifications.Add(new SarifNotification("error", new SarifText(result.Reason ?? "not checked"), [location]));
            }
        }

        var log = new SarifLog(
            Guard.Inspection.Reporting.SarifReportWriter.SchemaUri,
            "2.1.0",
            [new SarifRun(
                new SarifTool(new SarifDriver("guard", toolVersion, Rules)),
                sarifResults,
                [new SarifInvocation(notifications.Count == 0, notifications.Count == 0 ? null : notifications)])]);
        return JsonSerializer.Serialize(log, ResultSarifJsonContext.Default.SarifLog);
    }

    private static SarifLocation LocationOf(CheckResult result) => result.Function is { } function
        ? new SarifLocation(new SarifPhysicalLocation(new SarifArtifactLocation(ArtifactUri(function.TemplateFile)), new SarifRegion(function.Line, function.Column)))
        : new SarifLocation(new SarifPhysicalLocation(new SarifArtifactLocation(ArtifactUri(result.Source)), null));

    /// <summary>GitHub wants a repository-relative path; remote sources are kept as their (secret-free) URI.</summary>
    private static string ArtifactUri(string source) =>
        source.Contains("://", StringComparison.Ordinal) ? source : source.Replace('\\', '/').TrimStart('.', '/');

    private static string Level(Severity severity) => severity switch
    {
        Severity.Error => "error",
        Severity.Warning => "warning",
        _ => "note",
    };
}

internal sealed record SarifLog([property: JsonPropertyName("$schema")] string Schema, string Version, IReadOnlyList<SarifRun> Runs);

internal sealed record SarifRun(SarifTool Tool, IReadOnlyList<SarifResult> Results, IReadOnlyList<SarifInvocation> Invocations);

internal sealed record SarifInvocation(bool ExecutionSuccessful, IReadOnlyList<SarifNotification>? ToolExecutionNotifications);

internal sealed record SarifNotification(string Level, SarifText Message, IReadOnlyList<SarifLocation> Locations);

internal sealed record SarifTool(SarifDriver Driver);

internal sealed record SarifDriver(string Name, string Version, IReadOnlyList<SarifRule> Rules);

internal sealed record SarifRule(string Id, string Name, SarifText ShortDescription, SarifConfiguration DefaultConfiguration);

internal sealed record SarifConfiguration(string Level);

internal sealed record SarifText(string Text);

/// <summary>SARIF §3.27: a suppressed result stays in the log, marked, so code scanning shows it as dismissed.</summary>
internal sealed record SarifResult(
    string RuleId,
    int RuleIndex,
    string Level,
    SarifText Message,
    IReadOnlyList<SarifLocation> Locations,
    IReadOnlyList<SarifRelatedLocation>? RelatedLocations,
    IReadOnlyList<SarifSuppression>? Suppressions);

internal sealed record SarifSuppression(string Kind, string Justification);

internal sealed record SarifLocation(SarifPhysicalLocation PhysicalLocation);

internal sealed record SarifRelatedLocation(int Id, SarifPhysicalLocation PhysicalLocation, SarifText Message);

internal sealed record SarifPhysicalLocation(SarifArtifactLocation ArtifactLocation, SarifRegion? Region);

internal sealed record SarifArtifactLocation(string Uri);

internal sealed record SarifRegion(int StartLine, int StartColumn);

[JsonSourceGenerationOptions(PropertyNamingPolicy = JsonKnownNamingPolicy.CamelCase, WriteIndented = true, DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull)]
[JsonSerializable(typeof(SarifLog))]
internal sealed partial class ResultSarifJsonContext : JsonSerializerContext;
