using System.Globalization;
using Guard.Aws.Lambda;
using Guard.Aws.Store;

namespace Guard.Function.Scheduled;

/// <summary>What the placeholder sweep does with one pending record.</summary>
public enum PendingDecision
{
    /// <summary>Still inside its grace period: looked at again on a later sweep.</summary>
    NotDue,

    /// <summary>The function is gone: the record has nothing left to wait for.</summary>
    DropDeleted,

    /// <summary>Other code replaced the placeholder; that deploy's own event judged it.</summary>
    DropCodeChanged,

    /// <summary>The same placeholder is still there past its grace period.</summary>
    Alert,
}

/// <summary>The placeholder sweep's decisions, apart from AWS.</summary>
public static class SweepRules
{
    /// <summary>How long ago <paramref name="checkedAt"/> (the record's ISO 8601 time) was; null when it cannot be read.</summary>
    public static TimeSpan? Age(string? checkedAt, DateTimeOffset now) =>
        DateTimeOffset.TryParse(checkedAt, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal | DateTimeStyles.AdjustToUniversal, out var at)
            ? now - at
            : null;

    /// <summary>A placeholder may stay for the grace period (<c>GUARD_PLACEHOLDER_GRACE_MINUTES</c>); the sweep alerts once it has passed.</summary>
    public static bool IsDue(TimeSpan age, TimeSpan grace) => age >= grace;

    /// <param name="age">How long the record has waited.</param>
    /// <param name="current">The function now; null when GetFunction said it does not exist.</param>
    public static PendingDecision Decide(DeployRecord pending, TimeSpan age, TimeSpan grace, FunctionConfiguration? current)
    {
        ArgumentNullException.ThrowIfNull(pending);
        if (!IsDue(age, grace))
        {
            return PendingDecision.NotDue;
        }

        if (current is null)
        {
            return PendingDecision.DropDeleted;
        }

        return string.Equals(current.CodeSha256, pending.CodeSha256, StringComparison.Ordinal)
            ? PendingDecision.Alert
            : PendingDecision.DropCodeChanged;
    }
}
