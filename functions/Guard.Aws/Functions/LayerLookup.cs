using System.Collections.Concurrent;
using Guard.Aws.Lambda;
using Guard.Inspection.Reading;

namespace Guard.Aws.Functions;

/// <summary>
/// Finds where a layer version's zip is (<c>GetLayerVersionByArn</c>'s <c>Content.Location</c>). Plain, one call per
/// layer; or, for sweeps, shared: functions often share layers, so a look-up is reused while its presigned URL is
/// fresh, and look-ups are held under a rate (they share the control plane's 15/s).
/// </summary>
public sealed class LayerLookup
{
    private readonly ILambdaApi _lambda;
    private readonly TokenBucket? _rate;
    private readonly TimeSpan _lifetime;
    private readonly TimeProvider _time;
    private readonly ConcurrentDictionary<string, (Task<LayerVersionContent> Lookup, long At)>? _cache;

    private LayerLookup(ILambdaApi lambda, TokenBucket? rate, TimeSpan lifetime, TimeProvider time, bool cache)
    {
        ArgumentNullException.ThrowIfNull(lambda);
        _lambda = lambda;
        _rate = rate;
        _lifetime = lifetime;
        _time = time;
        _cache = cache ? new ConcurrentDictionary<string, (Task<LayerVersionContent>, long)>(StringComparer.Ordinal) : null;
    }

    /// <summary>One GetLayerVersionByArn per layer per check (a deploy check: URLs are used at once).</summary>
    public static LayerLookup Direct(ILambdaApi lambda) => new(lambda, null, TimeSpan.Zero, TimeProvider.System, cache: false);

    /// <param name="lifetime">A layer's presigned URL lives about 10 minutes; reuse a look-up for less than that.</param>
    public static LayerLookup Shared(ILambdaApi lambda, double perSecond, TimeSpan lifetime, TimeProvider? time = null)
    {
        var clock = time ?? TimeProvider.System;
        return new(lambda, new TokenBucket(perSecond, 1, clock), lifetime, clock, cache: true);
    }

    /// <exception cref="PackageUnavailableException">Lambda gave no usable Content.Location.</exception>
    public async Task<Uri> LocateAsync(string layerArn, CancellationToken cancellationToken)
    {
        var content = _cache is null ? await FetchAsync(layerArn, cancellationToken).ConfigureAwait(false) : await CachedAsync(_cache, layerArn, cancellationToken).ConfigureAwait(false);
        return content.Location is { } location && Uri.TryCreate(location, UriKind.Absolute, out var uri)
            ? uri
            : throw new PackageUnavailableException($"GetLayerVersionByArn gave no usable Content.Location for {layerArn}");
    }

    private async Task<LayerVersionContent> CachedAsync(ConcurrentDictionary<string, (Task<LayerVersionContent> Lookup, long At)> cache, string arn, CancellationToken cancellationToken)
    {
        var now = _time.GetTimestamp();
        var entry = cache.AddOrUpdate(
            arn,
            _ => (FetchAsync(arn, cancellationToken), now),
            (_, existing) => existing.Lookup.IsFaulted || existing.Lookup.IsCanceled || _time.GetElapsedTime(existing.At, now) > _lifetime
                ? (FetchAsync(arn, cancellationToken), now)
                : existing);
        return await entry.Lookup.ConfigureAwait(false);
    }

    private async Task<LayerVersionContent> FetchAsync(string arn, CancellationToken cancellationToken)
    {
        if (_rate is not null)
        {
            await _rate.TakeAsync(cancellationToken).ConfigureAwait(false);
        }

        return await _lambda.GetLayerVersionByArnAsync(arn, cancellationToken).ConfigureAwait(false);
    }
}
