using Guard.Inspection.Reporting;
using Guard.Inspection.Rules;

namespace Guard.Aws.Scanning;

/// <summary>Where a function on an older runtime stands against the runtime it should move to.</summary>
public enum ReadinessState
{
    /// <summary>Its binary passes on the target as it is: <c>guard migrate</c> moves it (renaming a go1.x binary to bootstrap).</summary>
    Ready,

    /// <summary>It runs where it is, but its binary would not start on the target: it must be rebuilt.</summary>
    NeedsRebuild,

    /// <summary>It does not pass where it is either: that comes first.</summary>
    Broken,
}

/// <summary>
/// A <c>go1.x</c>, <c>provided</c> or <c>provided.al2</c> function judged against a target runtime: the engine's report on
/// its package under its own runtime, and under the target (a go1.x Handler's binary as the bootstrap a migration makes
/// of it). Only the package's own errors decide; the target's runtime-level findings (deprecation) do not.
/// </summary>
/// <param name="Cause">For <see cref="ReadinessState.NeedsRebuild"/>: <c>glibc</c>, <c>library</c>, <c>go-client</c> (aws-lambda-go
/// before v1.18.0 speaks only go1.x's RPC protocol) or <c>other</c>; null otherwise.</param>
/// <param name="Code">The finding that decided: the target's first error, or the function's own for <see cref="ReadinessState.Broken"/>.</param>
public sealed record MigrationReadiness(string TargetRuntime, ReadinessState State, string? Cause, string? Code, string? Message)
{
    /// <summary>The runtimes a readiness check applies to: those Lambda retires in favour of <c>provided.al2023</c>.</summary>
    public static IReadOnlySet<string> SourceRuntimes { get; } = new HashSet<string>(StringComparer.Ordinal) { "go1.x", "provided", "provided.al2" };

    /// <summary><c>ready</c>, <c>rebuild</c> or <c>broken</c>.</summary>
    public string StateName => State switch
    {
        ReadinessState.Ready => "ready",
        ReadinessState.NeedsRebuild => "rebuild",
        _ => "broken",
    };

    public static MigrationReadiness Broken(string targetRuntime, Report own)
    {
        ArgumentNullException.ThrowIfNull(own);
        var finding = own.LeadingFinding;
        return new(targetRuntime, ReadinessState.Broken, null, finding?.Code, finding?.Message);
    }

    public static MigrationReadiness Of(string targetRuntime, Report onTarget)
    {
        ArgumentNullException.ThrowIfNull(onTarget);
        var error = onTarget.Findings.FirstOrDefault(f => f.Severity == Severity.Error && !f.Code.StartsWith("RUNTIME_", StringComparison.Ordinal));
        return error is null
            ? new(targetRuntime, ReadinessState.Ready, null, null, null)
            : new(targetRuntime, ReadinessState.NeedsRebuild, CauseOf(error.Code), error.Code, error.Message);
    }

    private static string CauseOf(string code) => code switch
    {
        FindingCodes.BootstrapGlibcTooNew or FindingCodes.ExtensionGlibcTooNew => "glibc",
        FindingCodes.BootstrapLibraryMissing or FindingCodes.BootstrapLibraryVersionMissing
            or FindingCodes.ExtensionLibraryMissing or FindingCodes.ExtensionLibraryVersionMissing => "library",
        FindingCodes.GoRuntimeClientTooOld => "go-client",
        _ => "other",
    };
}
