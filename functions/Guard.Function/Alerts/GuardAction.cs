namespace Guard.Function.Alerts;

/// <summary>What Guard did about a broken deploy in rollback mode, for the alert and the log.</summary>
/// <param name="Kind">One of the constants below.</param>
/// <param name="Summary">One or two sentences for people.</param>
/// <param name="RestoredCodeSha256">The code now on the function after a restore.</param>
/// <param name="RevisionId">The function's revision after Guard's change (or the one it left alone).</param>
/// <param name="RecheckVerdict">The verdict on the function as Guard left it (or as it found it after a race).</param>
public sealed record GuardAction(
    string Kind,
    string Summary,
    string? RestoredCodeSha256 = null,
    string? RevisionId = null,
    string? RecheckVerdict = null)
{
    /// <summary>The last good code (and its configuration) is back on the function.</summary>
    public const string RolledBack = "rolled-back";

    /// <summary>Only configuration values (runtime, handler, layers, architecture) were put back.</summary>
    public const string ConfigurationRestored = "configuration-restored";

    /// <summary>Reserved concurrency 0 and a <c>guard:quarantined</c> tag.</summary>
    public const string Quarantined = "quarantined";

    /// <summary>The function changed after Guard read it; Guard did not overwrite that.</summary>
    public const string LeftAlone = "left-alone";

    /// <summary>Guard chose not to act (safety rule, nothing to go back to, its own deploy).</summary>
    public const string NotRolledBack = "not-rolled-back";

    /// <summary>Guard started a change that did not finish (still in progress at the deadline, or Lambda reported it failed).</summary>
    public const string Incomplete = "incomplete";

    public bool Restored => Kind is RolledBack or ConfigurationRestored;
}
