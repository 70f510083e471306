using System.Text.Json;
using System.Text.Json.Serialization;
using Guard.Inspection.Rules;

namespace Guard.Inspection.Reporting;

/// <summary>
/// The SARIF 2.1.0 (OASIS) model Guard writes, the subset GitHub code scanning reads, and what every writer of it
/// shares: rules from finding codes, levels, artifact URIs, one run per log. The engine's one-package writer
/// (<see cref="SarifReportWriter"/>) and the CLI's app writer build on it.
/// </summary>
public static class Sarif
{
    public const string SchemaUri = "https://json.schemastore.org/sarif-2.1.0.json";

    /// <summary>One rule per finding code, its default level from the code's severity.</summary>
    public static SarifRule[] RulesFor(IEnumerable<(string Code, Severity Severity, string Summary)> codes) =>
        [.. codes.Select(rule => new SarifRule(rule.Code, rule.Code, new SarifText(rule.Summary), new SarifConfiguration(Level(rule.Severity))))];

    /// <summary>A result for <paramref name="finding"/>, its message carrying the fix, indexed into <paramref name="rules"/>.</summary>
    public static SarifResult ResultFor(
        Finding finding, IReadOnlyList<SarifRule> rules, SarifLocation location, string messagePrefix = "",
        IReadOnlyList<SarifRelatedLocation>? related = null, IReadOnlyList<SarifSuppression>? suppressions = null)
    {
        ArgumentNullException.ThrowIfNull(finding);
        ArgumentNullException.ThrowIfNull(rules);
        var ruleIndex = -1;
        for (var i = 0; i < rules.Count && ruleIndex < 0; i++)
        {
            ruleIndex = rules[i].Id == finding.Code ? i : -1;
        }

        return new SarifResult(
            finding.Code,
            ruleIndex,
            Level(finding.Severity),
            new SarifText(messagePrefix + FindingText.MessageAndFix(finding)),
            [location],
            related,
            suppressions);
    }

    /// <summary>A location at a file (or a secret-free URI), optionally at a line and column.</summary>
    public static SarifLocation LocationAt(string source, int? line = null, int? column = null) =>
        new(PhysicalLocationAt(source, line, column));

    public static SarifPhysicalLocation PhysicalLocationAt(string source, int? line = null, int? column = null) =>
        new(new SarifArtifactLocation(ArtifactUri(source)), line is { } l ? new SarifRegion(l, column ?? 1) : null);

    /// <summary>The log of one run of <c>guard</c>.</summary>
    public static string Serialize(string toolVersion, IReadOnlyList<SarifRule> rules, IReadOnlyList<SarifResult> results, SarifInvocation invocation) =>
        JsonSerializer.Serialize(
            new SarifLog(SchemaUri, "2.1.0", [new SarifRun(new SarifTool(new SarifDriver("guard", toolVersion, rules)), results, [invocation])]),
            SarifJsonContext.Default.SarifLog);

    /// <summary>GitHub wants a repository-relative path; remote sources are kept as their (secret-free) URI.</summary>
    public static string ArtifactUri(string source)
    {
        ArgumentNullException.ThrowIfNull(source);
        return source.Contains("://", StringComparison.Ordinal) ? source : source.Replace('\\', '/').TrimStart('.', '/');
    }

    public static string Level(Severity severity) => severity switch
    {
        Severity.Error => "error",
        Severity.Warning => "warning",
        _ => "note",
    };
}

public sealed record SarifLog([property: JsonPropertyName("$schema")] string Schema, string Version, IReadOnlyList<SarifRun> Runs);

public sealed record SarifRun(SarifTool Tool, IReadOnlyList<SarifResult> Results, IReadOnlyList<SarifInvocation> Invocations);

/// <summary>SARIF §3.20: whether the tool ran to completion, and what stopped it.</summary>
public sealed record SarifInvocation(bool ExecutionSuccessful, IReadOnlyList<SarifNotification>? ToolExecutionNotifications);

public sealed record SarifNotification(string Level, SarifText Message, IReadOnlyList<SarifLocation> Locations);

public sealed record SarifTool(SarifDriver Driver);

public sealed record SarifDriver(string Name, string Version, IReadOnlyList<SarifRule> Rules);

public sealed record SarifRule(string Id, string Name, SarifText ShortDescription, SarifConfiguration DefaultConfiguration);

public sealed record SarifConfiguration(string Level);

public sealed record SarifText(string Text);

/// <summary>SARIF §3.27; a suppressed result stays in the log, marked (§3.27.23), so code scanning shows it as dismissed.</summary>
public sealed record SarifResult(
    string RuleId,
    int RuleIndex,
    string Level,
    SarifText Message,
    IReadOnlyList<SarifLocation> Locations,
    IReadOnlyList<SarifRelatedLocation>? RelatedLocations = null,
    IReadOnlyList<SarifSuppression>? Suppressions = null);

public sealed record SarifSuppression(string Kind, string Justification);

/// <summary>SARIF §3.28; a logical location (§3.33) names what is there when a file alone does not (a CDK construct path).</summary>
public sealed record SarifLocation(SarifPhysicalLocation PhysicalLocation, IReadOnlyList<SarifLogicalLocation>? LogicalLocations = null);

public sealed record SarifLogicalLocation(string FullyQualifiedName, string Kind);

public sealed record SarifRelatedLocation(int Id, SarifPhysicalLocation PhysicalLocation, SarifText Message);

public sealed record SarifPhysicalLocation(SarifArtifactLocation ArtifactLocation, SarifRegion? Region = null);

public sealed record SarifArtifactLocation(string Uri);

public sealed record SarifRegion(int StartLine, int StartColumn);

[JsonSourceGenerationOptions(PropertyNamingPolicy = JsonKnownNamingPolicy.CamelCase, WriteIndented = true, DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull)]
[JsonSerializable(typeof(SarifLog))]
internal sealed partial class SarifJsonContext : JsonSerializerContext;
