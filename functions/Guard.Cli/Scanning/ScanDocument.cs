using System.Text.Json.Serialization;
using Guard.Aws.Scanning;
using Guard.Inspection.Reporting;

namespace Guard.Cli.Scanning;

/// <summary>
/// <c>guard scan --format json</c>: one entry per function, each checked function carrying the report of
/// docs/design.md (schema version 1) with the function's ARN as its source.
/// </summary>
/// <param name="Accounts">The accounts swept (<c>--accounts</c>, <c>--organization</c>); null for the caller's own account only.</param>
/// <param name="Readiness">With <c>--target-runtime</c>: per account, how many go1.x / provided / provided.al2 functions are
/// ready to move, need a rebuild, or are already broken; null without it.</param>
internal sealed record ScanDocument(
    int SchemaVersion,
    IReadOnlyList<string> Regions,
    ScanSummary Summary,
    IReadOnlyList<ScannedFunction> Functions,
    IReadOnlyList<string>? Accounts = null,
    IReadOnlyList<ReadinessSummary>? Readiness = null)
{
    public const int CurrentSchemaVersion = 1;

    public static ScanDocument From(
        IReadOnlyList<string> regions, IReadOnlyList<FunctionScanResult> results, IReadOnlyList<string>? accounts = null, string? targetRuntime = null) =>
        new(
            CurrentSchemaVersion,
            regions,
            ScanSummary.Of(results),
            [.. results.Select(ScannedFunction.From)],
            accounts,
            targetRuntime is null ? null : ReadinessSummary.PerAccount(targetRuntime, results));
}

/// <summary>One account's count of functions by <see cref="MigrationReadiness.State"/>.</summary>
/// <param name="Account">The account (from the functions' ARNs).</param>
internal sealed record ReadinessSummary(string? Account, string TargetRuntime, int Ready, int Rebuild, int Broken)
{
    public static IReadOnlyList<ReadinessSummary> PerAccount(string targetRuntime, IReadOnlyList<FunctionScanResult> results) =>
    [
        .. results
            .Where(r => r.Readiness is not null)
            .GroupBy(r => r.Account, StringComparer.Ordinal)
            .OrderBy(g => g.Key, StringComparer.Ordinal)
            .Select(g => new ReadinessSummary(
                g.Key,
                targetRuntime,
                g.Count(r => r.Readiness!.State == ReadinessState.Ready),
                g.Count(r => r.Readiness!.State == ReadinessState.NeedsRebuild),
                g.Count(r => r.Readiness!.State == ReadinessState.Broken))),
    ];
}

/// <summary>A function's <see cref="MigrationReadiness"/> as the JSON carries it.</summary>
/// <param name="State"><c>ready</c>, <c>rebuild</c> or <c>broken</c>.</param>
/// <param name="Cause">For <c>rebuild</c>: <c>glibc</c>, <c>library</c>, <c>go-client</c> or <c>other</c>.</param>
internal sealed record ReadinessEntry(string TargetRuntime, string State, string? Cause, string? Code, string? Message)
{
    public static ReadinessEntry? From(MigrationReadiness? readiness) =>
        readiness is null ? null : new(readiness.TargetRuntime, readiness.StateName, readiness.Cause, readiness.Code, readiness.Message);
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
/// <param name="Toolchain">What built the bootstrap, as the <c>guard:toolchain</c> tag would say it (<c>go1.22.5</c>, <c>rust:rustc-1.75.0</c>).</param>
/// <param name="Owner">The CloudFormation stack that owns the function (its <c>aws:cloudformation:stack-name</c> tag); null when none does.</param>
/// <param name="OwnerLogicalId">The function's logical ID in that stack.</param>
/// <param name="OwnerTool"><c>SAM</c>, <c>Serverless Framework</c> or <c>CloudFormation</c>.</param>
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
    string? Account,
    string? Toolchain = null,
    string? Owner = null,
    string? OwnerLogicalId = null,
    string? OwnerTool = null,
    ReadinessEntry? Readiness = null)
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
        result.Account,
        result.Toolchain,
        result.Owner?.StackName,
        result.Owner?.LogicalId,
        result.Owner?.Tool,
        ReadinessEntry.From(result.Readiness));
}

[JsonSourceGenerationOptions(
    PropertyNamingPolicy = JsonKnownNamingPolicy.CamelCase,
    DefaultIgnoreCondition = JsonIgnoreCondition.Never,
    WriteIndented = true)]
[JsonSerializable(typeof(ScanDocument))]
internal sealed partial class ScanJsonContext : JsonSerializerContext;
