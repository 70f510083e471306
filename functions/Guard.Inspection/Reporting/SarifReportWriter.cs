using System.Text.Json;
using System.Text.Json.Serialization;
using Guard.Inspection.Rules;

namespace Guard.Inspection.Reporting;

/// <summary>
/// SARIF 2.1.0 (OASIS), the subset GitHub code scanning reads: one run, the finding codes as rules, one
/// result per finding located at the package file, and one invocation that says whether the check ran.
/// </summary>
public static class SarifReportWriter
{
    public const string SchemaUri = "https://json.schemastore.org/sarif-2.1.0.json";

    public static string Write(IReadOnlyList<Report> reports, string toolVersion)
    {
        ArgumentNullException.ThrowIfNull(reports);
        return Serialize(toolVersion, ResultsOf(reports), new SarifInvocation(ExecutionSuccessful: true, ToolExecutionNotifications: null));
    }

    /// <summary>
    /// The log of a run that could not check <paramref name="source"/> (it could not be fetched, …): no results,
    /// <c>executionSuccessful: false</c> and the reason as an error notification, so an upload step that runs
    /// <c>if: always()</c> still finds a valid log and code scanning shows why the run failed.
    /// </summary>
    /// <param name="source">What was to be checked, as the user named it (never a presigned query).</param>
    /// <param name="reason">The one-line error guard printed.</param>
    public static string WriteFailure(string source, string reason, string toolVersion)
    {
        ArgumentException.ThrowIfNullOrEmpty(source);
        ArgumentException.ThrowIfNullOrEmpty(reason);
        var notification = new SarifNotification(
            "error",
            new SarifText(reason),
            [new SarifLocation(new SarifPhysicalLocation(new SarifArtifactLocation(ArtifactUri(source))))]);
        return Serialize(toolVersion, [], new SarifInvocation(ExecutionSuccessful: false, [notification]));
    }

    private static SarifRule[] Rules { get; } = FindingCodes.All
        .Select(rule => new SarifRule(rule.Code, rule.Code, new SarifText(rule.Summary), new SarifConfiguration(Level(rule.Severity))))
        .ToArray();

    private static string Serialize(string toolVersion, SarifResult[] results, SarifInvocation invocation)
    {
        var log = new SarifLog(
            SchemaUri,
            "2.1.0",
            [new SarifRun(new SarifTool(new SarifDriver("guard", toolVersion, Rules)), results, [invocation])]);
        return JsonSerializer.Serialize(log, SarifJsonContext.Default.SarifLog);
    }

    private static SarifResult[] ResultsOf(IReadOnlyList<Report> reports)
    {
        var rules = Rules;
        return reports
            .SelectMany(report => report.Findings.Select(finding => new SarifResult(
                finding.Code,
                Array.FindIndex(rules, r => r.Id == finding.Code),
                Level(finding.Severity),
                new SarifText(finding.Hint is null ? finding.Message : $"{finding.Message}. Fix: {finding.Hint}"),
                [new SarifLocation(new SarifPhysicalLocation(new SarifArtifactLocation(ArtifactUri(report.Source))))])))
            .ToArray();
    }

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

/// <summary>SARIF §3.20: whether the tool ran to completion, and what stopped it.</summary>
internal sealed record SarifInvocation(bool ExecutionSuccessful, IReadOnlyList<SarifNotification>? ToolExecutionNotifications);

internal sealed record SarifNotification(string Level, SarifText Message, IReadOnlyList<SarifLocation> Locations);

internal sealed record SarifTool(SarifDriver Driver);

internal sealed record SarifDriver(string Name, string Version, IReadOnlyList<SarifRule> Rules);

internal sealed record SarifRule(string Id, string Name, SarifText ShortDescription, SarifConfiguration DefaultConfiguration);

internal sealed record SarifConfiguration(string Level);

internal sealed record SarifText(string Text);

internal sealed record SarifResult(string RuleId, int RuleIndex, string Level, SarifText Message, IReadOnlyList<SarifLocation> Locations);

internal sealed record SarifLocation(SarifPhysicalLocation PhysicalLocation);

internal sealed record SarifPhysicalLocation(SarifArtifactLocation ArtifactLocation);

internal sealed record SarifArtifactLocation(string Uri);

[JsonSourceGenerationOptions(PropertyNamingPolicy = JsonKnownNamingPolicy.CamelCase, WriteIndented = true, DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull)]
[JsonSerializable(typeof(SarifLog))]
internal sealed partial class SarifJsonContext : JsonSerializerContext;
