namespace Guard.Aws.Http;

/// <summary>
/// How hard one logical AWS call tries. Defaults keep a throttled call within a Lambda invocation's budget:
/// four attempts, jittered exponential backoff from 200 ms, each attempt cut off after 10 s.
/// </summary>
public sealed record AwsRetryOptions
{
    public static AwsRetryOptions Default { get; } = new();

    /// <summary>Attempts including the first (so 4 means up to 3 retries).</summary>
    public int MaxAttempts { get; init; } = 4;

    public TimeSpan BaseDelay { get; init; } = TimeSpan.FromMilliseconds(200);

    /// <summary>Upper bound for any single wait, including one asked for by <c>Retry-After</c>.</summary>
    public TimeSpan MaxDelay { get; init; } = TimeSpan.FromSeconds(10);

    public TimeSpan AttemptTimeout { get; init; } = TimeSpan.FromSeconds(10);

    /// <summary>
    /// Polly's own bounds for these settings, checked here because the Native AOT Lambda is built without Polly's
    /// DataAnnotations validation (functions/Guard.Function/Polly.Substitutions.xml says why).
    /// </summary>
    /// <exception cref="ArgumentOutOfRangeException">A setting Polly would refuse.</exception>
    public void Validate()
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(MaxAttempts, 1, nameof(MaxAttempts));
        ValidateDelay(BaseDelay, nameof(BaseDelay));
        ValidateDelay(MaxDelay, nameof(MaxDelay));
        ValidateAttemptTimeout(AttemptTimeout, nameof(AttemptTimeout));
    }

    /// <summary>Polly's timeout range: 10 ms to a day.</summary>
    public static void ValidateAttemptTimeout(TimeSpan timeout, string name)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(timeout, TimeSpan.FromMilliseconds(10), name);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(timeout, TimeSpan.FromDays(1), name);
    }

    private static void ValidateDelay(TimeSpan delay, string name)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(delay, TimeSpan.Zero, name);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(delay, TimeSpan.FromDays(1), name);
    }
}
