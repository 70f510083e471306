namespace Guard.Aws.Lambda;

/// <summary>How a wait for an update ended.</summary>
/// <param name="Settled">False when the deadline came first: the update may still finish (or fail) later.</param>
/// <param name="Function">The last GetFunction answer read.</param>
public sealed record UpdateSettlement(bool Settled, FunctionDetails Function)
{
    /// <summary><c>LastUpdateStatus</c> Successful (or absent, as on functions never updated).</summary>
    public bool Succeeded => Settled && !string.Equals(Function.Configuration.LastUpdateStatus, LambdaUpdateWaiter.Failed, StringComparison.Ordinal);
}

/// <summary>
/// Polls GetFunction until an update has settled: <c>LastUpdateStatus</c> is no longer <c>InProgress</c> and
/// <c>State</c> is no longer <c>Pending</c> (https://docs.aws.amazon.com/lambda/latest/dg/functions-states.html; SST's function-code-updater waits the same way).
/// Back-off doubles from <see cref="FirstDelay"/> up to <see cref="MaxDelay"/>; the caller's deadline is kept
/// below its own Lambda timeout so Guard can still report what happened.
/// </summary>
public static class LambdaUpdateWaiter
{
    public const string InProgress = "InProgress";
    public const string Failed = "Failed";
    public const string Pending = "Pending";

    public static readonly TimeSpan FirstDelay = TimeSpan.FromMilliseconds(500);
    public static readonly TimeSpan MaxDelay = TimeSpan.FromSeconds(5);

    public static bool IsSettled(FunctionConfiguration configuration)
    {
        ArgumentNullException.ThrowIfNull(configuration);
        return !string.Equals(configuration.LastUpdateStatus, InProgress, StringComparison.Ordinal)
            && !string.Equals(configuration.State, Pending, StringComparison.Ordinal);
    }

    /// <param name="budget">How long to keep polling; the first read happens at once.</param>
    public static async Task<UpdateSettlement> WaitAsync(
        ILambdaApi lambda, string functionName, TimeSpan budget, TimeProvider time, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(lambda);
        ArgumentException.ThrowIfNullOrEmpty(functionName);
        ArgumentNullException.ThrowIfNull(time);
        var deadline = time.GetUtcNow() + budget;
        var delay = FirstDelay;
        while (true)
        {
            var function = await lambda.GetFunctionAsync(functionName, cancellationToken).ConfigureAwait(false);
            if (IsSettled(function.Configuration))
            {
                return new UpdateSettlement(true, function);
            }

            var left = deadline - time.GetUtcNow();
            if (left <= TimeSpan.Zero)
            {
                return new UpdateSettlement(false, function);
            }

            await Task.Delay(delay < left ? delay : left, time, cancellationToken).ConfigureAwait(false);
            delay = TimeSpan.FromTicks(Math.Min(delay.Ticks * 2, MaxDelay.Ticks));
        }
    }
}
