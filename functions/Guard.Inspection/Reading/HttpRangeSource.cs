using System.Buffers;
using System.Globalization;
using System.Net;
using System.Net.Http.Headers;
using Microsoft.Win32.SafeHandles;

namespace Guard.Inspection.Reading;

/// <summary>
/// A package behind an http(s) URL, typically the presigned S3 URL of Lambda's GetFunction <c>Code.Location</c>,
/// read with HTTP range requests (RFC 9110 §14): the tail as a suffix range <c>bytes=-N</c>, which also tells the
/// length through <c>Content-Range</c>, then <c>bytes=a-b</c>. A server that ignores Range (answers 200) makes
/// the source stream the body once to a temporary file that is deleted on dispose, and serve every later read
/// from there: disk, never memory, so a large package cannot exhaust a Lambda's memory.
/// </summary>
/// <remarks>
/// The <see cref="HttpClient"/> belongs to the caller, with whatever retry and timeout handlers it wants; this
/// class sends each read once. Failures become <see cref="PackageUnavailableException"/> with one line that
/// names the URL without its query string (a presigned URL's query carries a signature and a session token).
/// </remarks>
public sealed class HttpRangeSource : IRangeSource
{
    private const int CopyBufferSize = 81920;

    /// <summary>How long a response body may send nothing before the read fails: a server that stalls mid-body.</summary>
    public static readonly TimeSpan DefaultIdleTimeout = TimeSpan.FromSeconds(30);

    private readonly HttpClient _http;
    private readonly Uri _uri;
    private readonly TimeSpan _idleTimeout;
    private readonly SemaphoreSlim _fallbackLock = new(1, 1);
    private long _length = -1;
    private EntityTagHeaderValue? _entityTag;
    private SafeFileHandle? _fallback;
    private bool _disposed;

    /// <param name="http">Sends the requests; the caller owns it and its handlers.</param>
    /// <param name="uri">An absolute http or https URL; its query string is sent but never shown.</param>
    /// <param name="idleTimeout">
    /// The longest silence allowed while a body is read (<see cref="DefaultIdleTimeout"/> when null).
    /// <see cref="HttpClient.Timeout"/> ends when the headers arrive, since bodies are streamed; this bounds the rest.
    /// </param>
    public HttpRangeSource(HttpClient http, Uri uri, TimeSpan? idleTimeout = null)
    {
        ArgumentNullException.ThrowIfNull(http);
        ArgumentNullException.ThrowIfNull(uri);
        ArgumentOutOfRangeException.ThrowIfLessThanOrEqual(idleTimeout ?? DefaultIdleTimeout, TimeSpan.Zero, nameof(idleTimeout));
        if (!uri.IsAbsoluteUri || (uri.Scheme != Uri.UriSchemeHttp && uri.Scheme != Uri.UriSchemeHttps))
        {
            throw new ArgumentException("Expected an absolute http(s) URL.", nameof(uri));
        }

        _http = http;
        _uri = uri;
        _idleTimeout = idleTimeout ?? DefaultIdleTimeout;
        DisplayName = DisplayNameOf(uri);
    }

    /// <summary><c>scheme://host[:port]/path</c>: no user info, no query string, no fragment.</summary>
    public string DisplayName { get; }

    /// <summary>True once the server ignored a Range request and the whole body was copied to a temporary file.</summary>
    public bool IsBufferedToDisk => Volatile.Read(ref _fallback) is not null;

    /// <summary>The URL as a person may see it: <c>scheme://host[:port]/path</c>.</summary>
    public static string DisplayNameOf(Uri uri)
    {
        ArgumentNullException.ThrowIfNull(uri);
        // Authority leaves out user info; AbsolutePath leaves out the query and fragment.
        return $"{uri.Scheme}://{uri.Authority}{uri.AbsolutePath}";
    }

    public async ValueTask<TailRead> ReadTailAsync(Memory<byte> destination, CancellationToken cancellationToken)
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        if (_fallback is { } file)
        {
            return await ReadTailFromFileAsync(file, destination, cancellationToken).ConfigureAwait(false);
        }

        // "bytes=-0" is unsatisfiable by definition (RFC 9110 §14.1.1), so an empty buffer still asks for one byte.
        var suffix = Math.Max(destination.Length, 1);
        using var request = NewRequest();
        request.Headers.Range = new RangeHeaderValue(from: null, to: suffix);

        using var response = await SendAsync(request, cancellationToken).ConfigureAwait(false);
        switch (response.StatusCode)
        {
            case HttpStatusCode.PartialContent:
            {
                var (from, to, total) = ContentRangeOf(response);
                // Expected: the last min(suffix, total) bytes, ending at total - 1.
                if (to != total - 1 || to - from + 1 != Math.Min(suffix, total))
                {
                    throw Mismatch($"bytes=-{suffix}", response);
                }

                RememberEntity(response, total);
                var count = (int)Math.Min(destination.Length, total);
                if (count > 0)
                {
                    // With an empty destination the one byte asked for is simply not read.
                    await ReadBodyAsync(response, destination[..count], cancellationToken).ConfigureAwait(false);
                }

                return new TailRead(total, count);
            }

            case HttpStatusCode.OK:
                file = await BufferToDiskAsync(response, cancellationToken).ConfigureAwait(false);
                return await ReadTailFromFileAsync(file, destination, cancellationToken).ConfigureAwait(false);

            case HttpStatusCode.RequestedRangeNotSatisfiable:
                // A suffix range is unsatisfiable only when the representation is empty (RFC 9110 §14.1.2). A server
                // that refuses every range answers the same, so the empty object is confirmed without Range: calling
                // a refused read a 0-byte zip would report "broken" for what is a fetch failure.
                return await ReadTailWithoutRangeAsync(destination, suffix, cancellationToken).ConfigureAwait(false);

            default:
                throw Failure(response);
        }
    }

    private async ValueTask<TailRead> ReadTailWithoutRangeAsync(Memory<byte> destination, int suffix, CancellationToken cancellationToken)
    {
        using var request = NewRequest();
        using var response = await SendAsync(request, cancellationToken).ConfigureAwait(false);
        if (response.StatusCode != HttpStatusCode.OK)
        {
            throw new PackageUnavailableException(
                $"{DisplayName}: the server refused the range bytes=-{suffix} (HTTP 416) and the whole object (HTTP {((int)response.StatusCode).ToString(CultureInfo.InvariantCulture)})");
        }

        var file = await BufferToDiskAsync(response, cancellationToken).ConfigureAwait(false);
        return await ReadTailFromFileAsync(file, destination, cancellationToken).ConfigureAwait(false);
    }

    public async ValueTask<int> ReadAsync(long offset, Memory<byte> destination, CancellationToken cancellationToken)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(offset);
        ObjectDisposedException.ThrowIf(_disposed, this);
        if (_fallback is { } file)
        {
            return await ReadFileAsync(file, offset, destination, cancellationToken).ConfigureAwait(false);
        }

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

        using var request = NewRangeRequest(offset, last);
        using var response = await SendAsync(request, cancellationToken).ConfigureAwait(false);
        switch (response.StatusCode)
        {
            case HttpStatusCode.PartialContent:
            {
                var count = (int)AcceptedRangeLength(response, offset, last);
                await ReadBodyAsync(response, destination[..count], cancellationToken).ConfigureAwait(false);
                return count;
            }

            case HttpStatusCode.OK:
                file = await BufferToDiskAsync(response, cancellationToken).ConfigureAwait(false);
                return await ReadFileAsync(file, offset, destination, cancellationToken).ConfigureAwait(false);

            case HttpStatusCode.RequestedRangeNotSatisfiable:
                // The offset is at or past the end; Content-Range "bytes */length" tells the length when present.
                if (response.Content.Headers.ContentRange?.Length is { } knownLength)
                {
                    RememberEntity(response, knownLength);
                }

                return 0;

            case HttpStatusCode.PreconditionFailed:
                throw new PackageUnavailableException($"{DisplayName}: the object changed while it was being read") { IsTransient = true };

            default:
                throw Failure(response);
        }
    }

    /// <summary>
    /// One GET for <c>bytes=offset-(offset+length-1)</c> whose body is read only as the caller reads it; disposing the
    /// stream ends the response, so an entry inflated only to its dynamic section never downloads the rest of its data.
    /// </summary>
    public async ValueTask<Stream> OpenReadAsync(long offset, long length, CancellationToken cancellationToken)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(offset);
        ArgumentOutOfRangeException.ThrowIfNegative(length);
        ObjectDisposedException.ThrowIf(_disposed, this);
        var known = Volatile.Read(ref _length);
        if (_fallback is not null)
        {
            return new ChunkedRangeStream(this, offset, length); // Served from the temporary file: no request.
        }

        if (length == 0 || (known >= 0 && offset >= known))
        {
            return Stream.Null;
        }

        var last = offset + length - 1;
        if (known >= 0)
        {
            last = Math.Min(last, known - 1);
        }

        using var request = NewRangeRequest(offset, last);
        var response = await SendAsync(request, cancellationToken).ConfigureAwait(false);
        try
        {
            switch (response.StatusCode)
            {
                case HttpStatusCode.PartialContent:
                {
                    var bodyLength = AcceptedRangeLength(response, offset, last);
                    Stream body;
                    try
                    {
                        body = await response.Content.ReadAsStreamAsync(cancellationToken).ConfigureAwait(false);
                    }
                    catch (Exception e) when (IsTransportFailure(e, cancellationToken))
                    {
                        throw TransportFailure(e);
                    }

                    return new ResponseBodyStream(this, response, body, bodyLength);
                }

                case HttpStatusCode.OK:
                    await BufferToDiskAsync(response, cancellationToken).ConfigureAwait(false);
                    response.Dispose();
                    return new ChunkedRangeStream(this, offset, length);

                case HttpStatusCode.RequestedRangeNotSatisfiable:
                    response.Dispose();
                    return Stream.Null;

                case HttpStatusCode.PreconditionFailed:
                    throw new PackageUnavailableException($"{DisplayName}: the object changed while it was being read") { IsTransient = true };

                default:
                    throw Failure(response);
            }
        }
        catch
        {
            response.Dispose();
            throw;
        }
    }

    /// <summary>A GET for <c>bytes=offset-last</c>, of the same object as every earlier range when its ETag is known.</summary>
    private HttpRequestMessage NewRangeRequest(long offset, long last)
    {
        var request = NewRequest();
        request.Headers.Range = new RangeHeaderValue(offset, last);
        if (_entityTag is { } entityTag)
        {
            // Every range must come from the same object: one overwritten mid-check would mix two zips.
            request.Headers.IfMatch.Add(entityTag);
        }

        return request;
    }

    /// <summary>The length of the range a 206 answered for <c>bytes=offset-last</c>, after checking it is that range.</summary>
    private long AcceptedRangeLength(HttpResponseMessage response, long offset, long last)
    {
        var (from, to, total) = ContentRangeOf(response);
        // A server may shorten the range at the end of the object, never move its start.
        if (from != offset || to > last || (to != last && to != total - 1))
        {
            throw Mismatch($"bytes={offset}-{last}", response);
        }

        RememberEntity(response, total);
        return to - from + 1;
    }

    public ValueTask DisposeAsync()
    {
        if (!_disposed)
        {
            _disposed = true;
            _fallback?.Dispose();
            _fallbackLock.Dispose();
        }

        return ValueTask.CompletedTask;
    }

    private HttpRequestMessage NewRequest() => new(HttpMethod.Get, _uri);

    private async Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
    {
        try
        {
            // Headers only: the body is read straight into the caller's buffer, or streamed to disk.
            return await _http.SendAsync(request, HttpCompletionOption.ResponseHeadersRead, cancellationToken).ConfigureAwait(false);
        }
        catch (UriFormatException e)
        {
            // HttpClient's redirect handler parses Location itself; an unusable one (file://, a bad host) throws here.
            throw new PackageUnavailableException($"{DisplayName}: the server redirected to an address that cannot be fetched ({e.Message.TrimEnd('.')}); give the final http(s) URL", e);
        }
        catch (Exception e) when (IsTransportFailure(e, cancellationToken))
        {
            throw TransportFailure(e);
        }
    }

    /// <summary>One read of a body, failed when the server sends nothing for the idle timeout.</summary>
    private async ValueTask<int> ReadSomeAsync(Stream body, Memory<byte> buffer, CancellationToken cancellationToken)
    {
        using var idle = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        idle.CancelAfter(_idleTimeout);
        try
        {
            return await body.ReadAsync(buffer, idle.Token).ConfigureAwait(false);
        }
        catch (OperationCanceledException e) when (!cancellationToken.IsCancellationRequested)
        {
            var seconds = _idleTimeout.TotalSeconds.ToString("0.###", CultureInfo.InvariantCulture);
            throw new PackageUnavailableException($"{DisplayName}: the server stopped sending the body (nothing for {seconds} s)", e) { IsTransient = true };
        }
    }

    private async Task ReadBodyAsync(HttpResponseMessage response, Memory<byte> destination, CancellationToken cancellationToken)
    {
        try
        {
            var body = await response.Content.ReadAsStreamAsync(cancellationToken).ConfigureAwait(false);
            await using (body.ConfigureAwait(false))
            {
                var read = 0;
                while (read < destination.Length)
                {
                    var count = await ReadSomeAsync(body, destination[read..], cancellationToken).ConfigureAwait(false);
                    if (count == 0)
                    {
                        break;
                    }

                    read += count;
                }

                if (read < destination.Length)
                {
                    throw new PackageUnavailableException($"{DisplayName}: the connection closed after {read} of {destination.Length} bytes") { IsTransient = true };
                }
            }
        }
        catch (Exception e) when (IsTransportFailure(e, cancellationToken))
        {
            throw TransportFailure(e);
        }
    }

    /// <summary>The documented fallback for a server that ignores Range: copy the whole body to disk, once.</summary>
    private async Task<SafeFileHandle> BufferToDiskAsync(HttpResponseMessage response, CancellationToken cancellationToken)
    {
        await _fallbackLock.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            if (_fallback is { } existing)
            {
                return existing;
            }

            var path = Path.Combine(Path.GetTempPath(), $"guard-{Guid.NewGuid():N}.zip");
            SafeFileHandle file;
            try
            {
                file = File.OpenHandle(path, FileMode.CreateNew, FileAccess.ReadWrite, FileShare.None, FileOptions.DeleteOnClose | FileOptions.Asynchronous);
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException)
            {
                throw new PackageUnavailableException($"{DisplayName}: the server ignores Range and the temporary file could not be created: {e.Message}", e);
            }

            try
            {
                var total = await CopyBodyAsync(response, file, cancellationToken).ConfigureAwait(false);
                var declared = response.Content.Headers.ContentLength;
                if (declared is { } expected && expected != total)
                {
                    throw new PackageUnavailableException($"{DisplayName}: the connection closed after {total} of {expected} bytes") { IsTransient = true };
                }

                RememberEntity(response, total);
                Volatile.Write(ref _fallback, file);
                return file;
            }
            catch
            {
                file.Dispose();
                throw;
            }
        }
        finally
        {
            _fallbackLock.Release();
        }
    }

    private async Task<long> CopyBodyAsync(HttpResponseMessage response, SafeFileHandle file, CancellationToken cancellationToken)
    {
        var buffer = ArrayPool<byte>.Shared.Rent(CopyBufferSize);
        try
        {
            Stream body;
            try
            {
                body = await response.Content.ReadAsStreamAsync(cancellationToken).ConfigureAwait(false);
            }
            catch (Exception e) when (IsTransportFailure(e, cancellationToken))
            {
                throw TransportFailure(e);
            }

            await using (body.ConfigureAwait(false))
            {
                long total = 0;
                while (true)
                {
                    int read;
                    try
                    {
                        read = await ReadSomeAsync(body, buffer, cancellationToken).ConfigureAwait(false);
                    }
                    catch (Exception e) when (IsTransportFailure(e, cancellationToken))
                    {
                        throw TransportFailure(e);
                    }

                    if (read == 0)
                    {
                        return total;
                    }

                    try
                    {
                        await RandomAccess.WriteAsync(file, buffer.AsMemory(0, read), total, cancellationToken).ConfigureAwait(false);
                    }
                    catch (IOException e)
                    {
                        // The disk (a full /tmp), not the network: retrying will not help.
                        throw new PackageUnavailableException($"{DisplayName}: the server ignores Range and the body could not be written to disk: {OneLine(e.Message)}", e);
                    }

                    total += read;
                }
            }
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(buffer);
        }
    }

    private static async ValueTask<TailRead> ReadTailFromFileAsync(SafeFileHandle file, Memory<byte> destination, CancellationToken cancellationToken)
    {
        var length = RandomAccess.GetLength(file);
        var count = (int)Math.Min(destination.Length, length);
        var read = await ReadFileAsync(file, length - count, destination[..count], cancellationToken).ConfigureAwait(false);
        return new TailRead(length, read);
    }

    private static async ValueTask<int> ReadFileAsync(SafeFileHandle file, long offset, Memory<byte> destination, CancellationToken cancellationToken)
    {
        var total = 0;
        while (total < destination.Length)
        {
            var read = await RandomAccess.ReadAsync(file, destination[total..], offset + total, cancellationToken).ConfigureAwait(false);
            if (read == 0)
            {
                break;
            }

            total += read;
        }

        return total;
    }

    private void RememberEntity(HttpResponseMessage response, long length)
    {
        var known = Interlocked.CompareExchange(ref _length, length, -1);
        if (known >= 0 && known != length)
        {
            throw new PackageUnavailableException($"{DisplayName}: the object changed while it was being read (length {known}, then {length})") { IsTransient = true };
        }

        // Only a strong validator can be matched with If-Match (RFC 9110 §13.1.1).
        if (_entityTag is null && response.Headers.ETag is { IsWeak: false } entityTag)
        {
            _entityTag = entityTag;
        }
    }

    private (long From, long To, long Total) ContentRangeOf(HttpResponseMessage response)
    {
        var range = response.Content.Headers.ContentRange;
        if (range is not { HasRange: true, HasLength: true } || !string.Equals(range.Unit, "bytes", StringComparison.OrdinalIgnoreCase))
        {
            throw new PackageUnavailableException($"{DisplayName}: 206 response without a usable Content-Range ({Describe(range)})");
        }

        return (range.From!.Value, range.To!.Value, range.Length!.Value);
    }

    private PackageUnavailableException Mismatch(string asked, HttpResponseMessage response) =>
        new($"{DisplayName}: asked for {asked} but the server sent {Describe(response.Content.Headers.ContentRange)}");

    /// <summary>A redirect target as it may be shown: <c>scheme://host/path</c>, never its query.</summary>
    private string Describe(Uri? location) => location switch
    {
        null => "nowhere (no Location header)",
        { IsAbsoluteUri: true } absolute => DisplayNameOf(absolute),
        _ => DisplayNameOf(new Uri(_uri, location)),
    };

    private static string Describe(ContentRangeHeaderValue? range) =>
        range is null ? "no Content-Range" : "Content-Range: " + range.ToString();

    private PackageUnavailableException Failure(HttpResponseMessage response)
    {
        var status = (int)response.StatusCode;
        return status switch
        {
            403 => new PackageUnavailableException($"{DisplayName}: access denied (the presigned URL may have expired)"),
            404 => new PackageUnavailableException($"{DisplayName}: not found"),
            429 => new PackageUnavailableException($"{DisplayName}: throttled (HTTP 429)") { IsTransient = true },
            408 => new PackageUnavailableException($"{DisplayName}: the server timed out (HTTP 408)") { IsTransient = true },
            >= 300 and < 400 => new PackageUnavailableException($"{DisplayName}: redirected (HTTP {status.ToString(CultureInfo.InvariantCulture)}) to {Describe(response.Headers.Location)}, which is not followed; give the final http(s) URL"),
            >= 500 => new PackageUnavailableException($"{DisplayName}: server error (HTTP {status.ToString(CultureInfo.InvariantCulture)})") { IsTransient = true },
            _ => new PackageUnavailableException($"{DisplayName}: HTTP {status.ToString(CultureInfo.InvariantCulture)} {response.ReasonPhrase}".TrimEnd()),
        };
    }

    private static bool IsTransportFailure(Exception e, CancellationToken cancellationToken) => e switch
    {
        HttpRequestException or IOException or TimeoutException => true,
        // HttpClient.Timeout surfaces as a cancellation the caller did not ask for.
        OperationCanceledException => !cancellationToken.IsCancellationRequested,
        _ => false,
    };

    private PackageUnavailableException TransportFailure(Exception e)
    {
        var what = e is OperationCanceledException or TimeoutException ? "timed out" : OneLine(e.Message);
        return new PackageUnavailableException($"{DisplayName}: {what}", e) { IsTransient = true };
    }

    private string OneLine(string message)
    {
        // Socket errors name host:port only, but never let a message carry the signed query.
        var line = message.ReplaceLineEndings(" ");
        return _uri.Query.Length > 1 ? line.Replace(_uri.Query, "", StringComparison.Ordinal) : line;
    }

    /// <summary>A 206 body read as the caller reads it, with the source's idle timeout and failure messages; owns the response.</summary>
    private sealed class ResponseBodyStream(HttpRangeSource owner, HttpResponseMessage response, Stream body, long length) : ForwardReadStream
    {
        private long _read;

        public override async ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default)
        {
            if (buffer.IsEmpty || _read == length)
            {
                return 0;
            }

            int count;
            try
            {
                count = await owner.ReadSomeAsync(body, buffer[..(int)Math.Min(buffer.Length, length - _read)], cancellationToken).ConfigureAwait(false);
            }
            catch (Exception e) when (IsTransportFailure(e, cancellationToken))
            {
                throw owner.TransportFailure(e);
            }

            if (count == 0)
            {
                throw new PackageUnavailableException($"{owner.DisplayName}: the connection closed after {_read} of {length} bytes") { IsTransient = true };
            }

            _read += count;
            return count;
        }

        protected override void Dispose(bool disposing)
        {
            if (disposing)
            {
                body.Dispose();
                response.Dispose();
            }

            base.Dispose(disposing);
        }
    }
}
