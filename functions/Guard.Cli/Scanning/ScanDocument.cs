using System.Text.Json.Serialization;
using Guard.Aws.Scanning;
using Guard.Inspection.Reporting;

namespace Guard.Cli.Scanning;

/// <summary>
/// <c>guard scan --format json</c>: one entry per function, each checked function carrying the report of
/// docs/design.md (schema version 1) with the function's ARN as its source.
/// </summary>
/// <param name="Accounts">The accounts swept (<c>--accounts</c>, <c>--organization</c>); null for the caller's own account only.</param>
internal sealed record ScanDocument(int SchemaVersion, IReadOnlyList<string> Regions, ScanSummary Summary, IReadOnlyList<ScannedFunction> Functions, IReadOnlyList<string>? Accounts = null)
{
    public const int CurrentSchemaVersion = 1;

    public static ScanDocument From(IReadOnlyList<string> regions, IReadOnlyList<FunctionScanResult> results, IReadOnlyList<string>? accounts = null) =>
        new(CurrentSchemaVersion, regions, ScanSummary.Of(results), [.. results.Select(ScannedFunction.From)], accounts);
}

internal sealed record ScanSummary(int Total, int Ok, int Broken, int Placeholder, int Skipped, int Unchecked)
{
    public static ScanSummary Of(IReadOnlyList<FunctionScanResult> results) => new(
        results.Count,
        results.Count(r => r.Verdict == "ok"),
        results.Count(r => r.Verdict == "broken"),
        results.Count(r => r.Verdict == "placeholder"),
        results.Count(r => r.Outcome == ScanOutcome.Skipped),
        results.Count(r => r.Outcome == ScanOutcome.Unchecked));
}

/// <param name="Verdict"><c>ok</c>, <c>broken</c>, <c>placeholder</c>, <c>skipped</c> or <c>unchecked</c>.</param>
/// <param name="Reason">Why skipped or unchecked.</param>
/// <param name="RuntimeDeprecated">yyyy-MM-dd, for runtimes Guard knows.</param>
internal sealed record ScannedFunction(
    string Region,
    string FunctionName,
    string FunctionArn,
    string? Runtime,
    string Architecture,
    string PackageType,
    string Verdict,
    string? Reason,
    string? RuntimeDeprecated,
    Report? Report,
    string? Account)
{
    public static ScannedFunction From(FunctionScanResult result) => new(
        result.Region,
        result.FunctionName,
        result.FunctionArn,
        result.Runtime,
        result.Architecture,
        result.PackageType,
        result.Verdict,
        result.Reason,
        result.RuntimeDeprecated?.ToString("yyyy-MM-dd", System.Globalization.CultureInfo.InvariantCulture),
        result.Report,
        result.Account);
}

[JsonSourceGenerationOptions(
    PropertyNamingPolicy = JsonKnownNamingPolicy.CamelCase,
    DefaultIgnoreCondition = JsonIgnoreCondition.Never,
    WriteIndented = true)]
[JsonSerializable(typeof(ScanDocument))]
internal sealed partial class ScanJsonContext : JsonSerializerContext;
