using System.Globalization;
using Guard.Aws.Http;
using Guard.Aws.S3;
using Guard.Inspection.Reading;

namespace Guard.Aws;

/// <summary>
/// A package stored as an S3 object, read with ranged GetObject calls: the tail as a suffix range, whose
/// <c>Content-Range</c> also gives the object's length, then <c>bytes=a-b</c>. Without a version id every read
/// after the first carries <c>If-Match</c> with the first ETag, so an object overwritten mid-check fails
/// instead of mixing two packages.
/// </summary>
/// <remarks>
/// Needs <c>s3:GetObject</c>, or <c>s3:GetObjectVersion</c> when a version id is given. The client belongs to the
/// caller (retries are its pipeline's); disposing this source disposes nothing but its own state.
/// </remarks>
public sealed class S3RangeSource : IRangeSource
{
    private readonly S3Client _s3;
    private readonly string _bucket;
    private readonly string _key;
    private readonly string? _versionId;
    private long _length = -1;
    private string? _eTag;

    public S3RangeSource(S3Client s3, string bucket, string key, string? versionId = null)
    {
        ArgumentNullException.ThrowIfNull(s3);
        ArgumentException.ThrowIfNullOrEmpty(bucket);
        ArgumentException.ThrowIfNullOrEmpty(key);
        _s3 = s3;
        _bucket = bucket;
        _key = key;
        _versionId = string.IsNullOrEmpty(versionId) ? null : versionId;
        DisplayName = _versionId is null ? $"s3://{bucket}/{key}" : $"s3://{bucket}/{key}?versionId={_versionId}";
    }

    /// <summary><c>s3://bucket/key</c>, with <c>?versionId=…</c> when one was given (version ids are not secrets).</summary>
    public string DisplayName { get; }

    public async ValueTask<TailRead> ReadTailAsync(Memory<byte> destination, CancellationToken cancellationToken)
    {
        // "bytes=-0" is unsatisfiable, so an empty buffer still asks for one byte (and does not read it).
        var suffix = Math.Max(destination.Length, 1);
        S3ObjectContent response;
        try
        {
            response = await _s3.GetObjectAsync(NewRequest("bytes=-" + suffix.ToString(CultureInfo.InvariantCulture), ifMatch: null), cancellationToken).ConfigureAwait(false);
        }
        catch (AwsServiceException e) when (e.StatusCode == 416)
        {
            // S3 answers a suffix range on an empty object with 416 InvalidRange.
            Remember(0, eTag: null);
            return new TailRead(0, 0);
        }
        catch (Exception e) when (IsServiceFailure(e, cancellationToken))
        {
            throw Failure(e);
        }

        if (TryParseContentRange(response.ContentRange, out var from, out var to, out var length))
        {
            if (to != length - 1 || to - from + 1 != Math.Min(suffix, length) || response.Body.Length != to - from + 1)
            {
                throw new PackageUnavailableException($"{DisplayName}: asked for bytes=-{suffix} but S3 sent Content-Range: {response.ContentRange} with {response.Body.Length} bytes");
            }

            Remember(length, response.ETag);
            var count = (int)Math.Min(destination.Length, length);
            response.Body.AsSpan(response.Body.Length - count).CopyTo(destination.Span);
            return new TailRead(length, count);
        }

        // No Content-Range: the whole object came back (moto does this for an empty object).
        long total = response.Body.Length;
        Remember(total, response.ETag);
        var tail = (int)Math.Min(destination.Length, total);
        response.Body.AsSpan((int)(total - tail)).CopyTo(destination.Span);
        return new TailRead(total, tail);
    }

    public async ValueTask<int> ReadAsync(long offset, Memory<byte> destination, CancellationToken cancellationToken)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(offset);
        var length = Volatile.Read(ref _length);
        if (destination.IsEmpty || (length >= 0 && offset >= length))
        {
            return 0;
        }

        var last = offset + destination.Length - 1;
        if (length >= 0)
        {
            last = Math.Min(last, length - 1);
        }

        var range = string.Create(CultureInfo.InvariantCulture, $"bytes={offset}-{last}");
        S3ObjectContent response;
        try
        {
            response = await _s3.GetObjectAsync(NewRequest(range, _versionId is null ? _eTag : null), cancellationToken).ConfigureAwait(false);
        }
        catch (AwsServiceException e) when (e.StatusCode == 416)
        {
            return 0;
        }
        catch (AwsServiceException e) when (e.StatusCode == 412)
        {
            throw new PackageUnavailableException($"{DisplayName}: the object changed while it was being read", e) { IsTransient = true };
        }
        catch (Exception e) when (IsServiceFailure(e, cancellationToken))
        {
            throw Failure(e);
        }

        int count;
        if (TryParseContentRange(response.ContentRange, out var from, out var to, out var total))
        {
            // S3 may shorten a range at the end of the object, never move its start.
            if (from != offset || to > last || (to != last && to != total - 1) || response.Body.Length != to - from + 1)
            {
                throw new PackageUnavailableException($"{DisplayName}: asked for {range} but S3 sent Content-Range: {response.ContentRange} with {response.Body.Length} bytes");
            }

            Remember(total, response.ETag);
            count = (int)(to - from + 1);
        }
        else if (offset == 0 && response.Body.Length <= destination.Length)
        {
            // The whole object, small enough to be exactly the bytes asked for.
            Remember(response.Body.Length, response.ETag);
            count = response.Body.Length;
        }
        else
        {
            throw new PackageUnavailableException($"{DisplayName}: asked for {range} but S3 sent the whole object");
        }

        response.Body.AsSpan(0, count).CopyTo(destination.Span);
        return count;
    }

    public ValueTask DisposeAsync() => ValueTask.CompletedTask;

    /// <summary>Parses <c>bytes first-last/complete-length</c> (RFC 9110 §14.4).</summary>
    internal static bool TryParseContentRange(string? value, out long from, out long to, out long length)
    {
        from = to = length = 0;
        if (string.IsNullOrEmpty(value) || !value.StartsWith("bytes ", StringComparison.OrdinalIgnoreCase))
        {
            return false;
        }

        var span = value.AsSpan(6).Trim();
        var dash = span.IndexOf('-');
        var slash = span.IndexOf('/');
        return dash > 0 && slash > dash
            && long.TryParse(span[..dash], NumberStyles.None, CultureInfo.InvariantCulture, out from)
            && long.TryParse(span[(dash + 1)..slash], NumberStyles.None, CultureInfo.InvariantCulture, out to)
            && long.TryParse(span[(slash + 1)..], NumberStyles.None, CultureInfo.InvariantCulture, out length)
            && from <= to && to < length;
    }

    private S3ObjectRequest NewRequest(string range, string? ifMatch) => new(_bucket, _key, _versionId, range, ifMatch);

    private void Remember(long length, string? eTag)
    {
        var known = Interlocked.CompareExchange(ref _length, length, -1);
        if (known >= 0 && known != length)
        {
            throw new PackageUnavailableException($"{DisplayName}: the object changed while it was being read (length {known}, then {length})") { IsTransient = true };
        }

        _eTag ??= string.IsNullOrEmpty(eTag) ? null : eTag;
    }

    private static bool IsServiceFailure(Exception e, CancellationToken cancellationToken) => e switch
    {
        AwsServiceException or HttpRequestException or IOException or TimeoutException => true,
        OperationCanceledException => !cancellationToken.IsCancellationRequested,
        _ => false,
    };

    private PackageUnavailableException Failure(Exception e)
    {
        if (e is AwsServiceException service)
        {
            var status = service.StatusCode;
            var code = service.ErrorCode;
            if (code is "NoSuchKey" or "NoSuchBucket" or "NoSuchVersion" || status == 404)
            {
                return new PackageUnavailableException($"{DisplayName}: not found", e);
            }

            if (code is "AccessDenied" or "AllAccessDisabled" || status == 403)
            {
                var needs = _versionId is null ? AwsActions.S3GetObject : AwsActions.S3GetObjectVersion;
                return new PackageUnavailableException($"{DisplayName}: access denied (needs {needs})", e);
            }

            if (code is "PermanentRedirect" or "AuthorizationHeaderMalformed" || status == 301)
            {
                return new PackageUnavailableException($"{DisplayName}: the bucket is in another region; set AWS_REGION to its region", e);
            }

            if (status == 0)
            {
                // Never answered: the cause (DNS, refused, timed out) and the host are what the user can act on.
                return new PackageUnavailableException($"{DisplayName}: could not reach S3: {FirstLine(service.ServiceMessage)}; check the network, proxy or AWS_ENDPOINT_URL, then try again", e) { IsTransient = true };
            }

            if (service.IsTransient)
            {
                return new PackageUnavailableException($"{DisplayName}: {code} (HTTP {status.ToString(CultureInfo.InvariantCulture)}); try again later", e) { IsTransient = true };
            }

            var described = status > 0 ? $"{code} (HTTP {status.ToString(CultureInfo.InvariantCulture)})" : code;
            return new PackageUnavailableException($"{DisplayName}: {described}: {FirstLine(service.ServiceMessage)}", e);
        }

        var what = e is OperationCanceledException or TimeoutException || e.InnerException is OperationCanceledException or TimeoutException
            ? "timed out"
            : FirstLine((e.InnerException ?? e).Message);
        return new PackageUnavailableException($"{DisplayName}: {what}", e) { IsTransient = true };
    }

    private static string FirstLine(string message)
    {
        var newline = message.AsSpan().IndexOfAny('\r', '\n');
        return newline < 0 ? message : message[..newline];
    }
}
