namespace Guard.Aws.Functions;

/// <summary>
/// A client-side token bucket that keeps a sweep under one of Lambda's control-plane quotas (https://docs.aws.amazon.com/lambda/latest/dg/gettingstarted-limits.html:
/// GetFunction 100/s, the other control-plane calls 15/s together) before the service has to throttle it.
/// Written here rather than taken from System.Threading.RateLimiting: that assembly ships only with the
/// ASP.NET Core shared framework, and a NuGet reference would be the only one for a few lines; this one also
/// runs on an injected <see cref="TimeProvider"/>.
/// </summary>
public sealed class TokenBucket
{
    private readonly object _gate = new();
    private readonly TimeProvider _time;
    private readonly double _perSecond;
    private readonly double _capacity;
    private double _tokens;
    private long _refilledAt;

    /// <param name="perSecond">Sustained rate.</param>
    /// <param name="burst">Tokens available at once (and at start); at least one.</param>
    public TokenBucket(double perSecond, int burst, TimeProvider? time = null)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(perSecond);
        ArgumentOutOfRangeException.ThrowIfLessThan(burst, 1);
        _time = time ?? TimeProvider.System;
        _perSecond = perSecond;
        _capacity = burst;
        _tokens = burst;
        _refilledAt = _time.GetTimestamp();
    }

    /// <summary>Takes one token, waiting for it when the bucket is empty. Waiters are not queued fairly; a sweep does not need it.</summary>
    public async ValueTask TakeAsync(CancellationToken cancellationToken)
    {
        while (true)
        {
            TimeSpan wait;
            lock (_gate)
            {
                var now = _time.GetTimestamp();
                _tokens = Math.Min(_capacity, _tokens + (_time.GetElapsedTime(_refilledAt, now).TotalSeconds * _perSecond));
                _refilledAt = now;
                if (_tokens >= 1)
                {
                    _tokens -= 1;
                    return;
                }

                wait = TimeSpan.FromSeconds((1 - _tokens) / _perSecond);
            }

            await Task.Delay(wait, _time, cancellationToken).ConfigureAwait(false);
        }
    }
}
