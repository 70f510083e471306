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
}
