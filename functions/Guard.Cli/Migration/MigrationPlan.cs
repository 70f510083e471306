using Guard.Aws.Lambda;
using Guard.Inspection.Reporting;
using Guard.Inspection.Rules;

namespace Guard.Cli.Migration;

/// <summary>What <c>guard migrate</c> found and would do for one function. Owns the two temporary zips.</summary>
/// <param name="Original">The function's configuration when planned.</param>
/// <param name="TargetRuntime">e.g. <c>provided.al2023</c>.</param>
/// <param name="TargetArchitecture">The architecture after the move (the current one unless asked otherwise).</param>
/// <param name="OriginalZip">The downloaded package (its SHA-256 matched CodeSha256).</param>
/// <param name="NewZip">The repackaged one.</param>
/// <param name="Check">The engine's verdict on the new package against the target.</param>
/// <param name="ConfigurationFirst">
/// True when the source runtime's updates are blocked (go1.x since 2024-01-30, the earliest date its sources give): Lambda then rejects
/// UpdateFunctionCode while the function is still on it, so the runtime changes first.
/// </param>
internal sealed record MigrationPlan(
    FunctionConfiguration Original,
    string TargetRuntime,
    Architecture TargetArchitecture,
    string OriginalZip,
    string NewZip,
    RepackageResult Package,
    Report Check,
    bool ConfigurationFirst,
    DateOnly? SourceUpdateBlocked) : IDisposable
{
    public string FunctionName => Original.FunctionName;

    /// <summary>The stack that owns the function (planned under <c>--force</c>); null when none does.</summary>
    public Aws.Functions.FunctionOwner? Owner { get; init; }

    public Architecture OriginalArchitecture => Aws.Functions.FunctionTarget.Of(Original).Architecture;

    public bool ChangesArchitecture => TargetArchitecture != OriginalArchitecture;

    public bool ChangesCode => Package.Changed || ChangesArchitecture;

    public bool CanMigrate => Check.Verdict != Verdict.Broken;

    public void Dispose()
    {
        File.Delete(OriginalZip);
        File.Delete(NewZip);
    }
}

/// <summary>How a migration ended.</summary>
internal enum MigrationResult
{
    Migrated,
    /// <summary>A step failed after changes began and the function was put back as it was.</summary>
    RolledBack,
    /// <summary>A step failed and putting the function back failed too: it needs a person.</summary>
    RollbackFailed,
    /// <summary>A step failed before anything changed.</summary>
    FailedUnchanged,
}
