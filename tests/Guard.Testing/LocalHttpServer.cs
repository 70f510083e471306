using System.Collections.Concurrent;
using System.Globalization;
using System.Net;
using System.Security.Cryptography;

namespace Guard.Testing;

/// <summary>One request as the server saw it.</summary>
/// <param name="Method">GET or HEAD.</param>
/// <param name="PathAndQuery">The path with its query string, as sent.</param>
/// <param name="Range">The Range header, or null.</param>
/// <param name="IfMatch">The If-Match header, or null.</param>
/// <param name="StatusCode">What the server answered.</param>
/// <param name="BodyBytes">Body bytes the server wrote.</param>
public sealed record LocalHttpRequest(string Method, string PathAndQuery, string? Range, string? IfMatch, int StatusCode, long BodyBytes);

/// <summary>
/// An in-process HTTP/1.1 server on 127.0.0.1 for tests: serves byte arrays by path (the query string is ignored,
/// like a presigned URL's), with single-range semantics of RFC 9110 §14 (206 + <c>Content-Range</c>, 416 with
/// <c>bytes */length</c>, strong ETags and If-Match). It can be told to ignore Range (answer 200 with the whole
/// body), to fail every request with a status, to answer slowly, or to cut bodies short; it counts requests
/// and body bytes so tests can assert how much a reader fetched.
/// </summary>
/// <example>
/// <code>
/// await using var server = LocalHttpServer.Start();
/// var url = server.Serve("/function.zip", zipBytes);
/// // ... read url ...
/// Assert.Equal(2, server.RequestCount);
/// </code>
/// </example>
public sealed class LocalHttpServer : IAsyncDisposable
{
    private readonly LoopbackHttpListener _listener;
    private readonly ConcurrentDictionary<string, (ReadOnlyMemory<byte> Content, string ETag)> _resources = new(StringComparer.Ordinal);
    private readonly ConcurrentQueue<LocalHttpRequest> _requests = new();
    private readonly CancellationTokenSource _stopping = new();
    private int _requestCount;
    private long _bytesSent;
    private int _inFlight;
    private int _maxInFlight;

    private LocalHttpServer() => _listener = LoopbackHttpListener.Start(HandleAsync);

    /// <summary>e.g. <c>http://127.0.0.1:41234/</c>.</summary>
    public Uri BaseAddress => _listener.BaseAddress;

    /// <summary>When true, Range headers are ignored and every GET gets 200 with the whole body.</summary>
    public bool IgnoreRange { get; set; }

    /// <summary>When set, every request is answered with this status and a short text body (e.g. 403, 404, 500, 503).</summary>
    public HttpStatusCode? FailWith { get; set; }

    /// <summary>A wait before each answer, to exercise client timeouts.</summary>
    public TimeSpan ResponseDelay { get; set; }

    /// <summary>
    /// When set, bodies are cut after this many bytes and the connection is aborted, while Content-Length
    /// still announces the full size: a dropped connection.
    /// </summary>
    public int? TruncateBodiesTo { get; set; }

    /// <summary>
    /// When set, bodies stop after this many bytes and the connection stays open, silent, until the client gives up
    /// or the server is disposed: a server that stalls mid-body.
    /// </summary>
    public int? StallBodiesAfter { get; set; }

    /// <summary>When set, every request is answered <c>302 Found</c> with this <c>Location</c>.</summary>
    public string? RedirectTo { get; set; }

    /// <summary>Requests answered so far (including failures).</summary>
    public int RequestCount => Volatile.Read(ref _requestCount);

    /// <summary>Body bytes sent so far (headers excluded), counted as each answer starts.</summary>
    public long BytesSent => Interlocked.Read(ref _bytesSent);

    /// <summary>The most requests the server was answering at one time: above 1 shows a client reading in parallel.</summary>
    public int MaxConcurrentRequests => Volatile.Read(ref _maxInFlight);

    /// <summary>Every request answered so far, in order.</summary>
    public IReadOnlyList<LocalHttpRequest> Requests => [.. _requests];

    /// <summary>Starts a server on a free loopback port.</summary>
    public static LocalHttpServer Start() => new();

    /// <summary>Serves <paramref name="content"/> at <paramref name="path"/> (replacing what was there) and returns its URL.</summary>
    /// <param name="path">An absolute path such as <c>/snapshots/function.zip</c>.</param>
    public Uri Serve(string path, ReadOnlyMemory<byte> content)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        if (!path.StartsWith('/'))
        {
            throw new ArgumentException("The path must start with '/'.", nameof(path));
        }

        // A content hash, like S3's ETag for a single-part upload: changes whenever the bytes do.
        var eTag = "\"" + Convert.ToHexStringLower(SHA256.HashData(content.Span)[..16]) + "\"";
        _resources[path] = (content, eTag);
        return new Uri(BaseAddress, path);
    }

    /// <summary>Forgets the counters and the request log (not the resources or the behaviour switches).</summary>
    public void ResetCounters()
    {
        Interlocked.Exchange(ref _requestCount, 0);
        Interlocked.Exchange(ref _bytesSent, 0);
        _requests.Clear();
    }

    public async ValueTask DisposeAsync()
    {
        await _stopping.CancelAsync().ConfigureAwait(false);
        await _listener.DisposeAsync().ConfigureAwait(false);
        _stopping.Dispose();
    }

    private async Task HandleAsync(HttpListenerContext context)
    {
        var request = context.Request;
        var response = context.Response;
        var range = request.Headers["Range"];
        var ifMatch = request.Headers["If-Match"];
        var inFlight = Interlocked.Increment(ref _inFlight);
        for (var max = Volatile.Read(ref _maxInFlight); inFlight > max; max = Volatile.Read(ref _maxInFlight))
        {
            Interlocked.CompareExchange(ref _maxInFlight, inFlight, max);
        }

        try
        {
            if (ResponseDelay > TimeSpan.Zero)
            {
                await Task.Delay(ResponseDelay).ConfigureAwait(false);
            }

            var (status, body, headers) = Answer(request.HttpMethod, request.Url!.AbsolutePath, range, ifMatch);
            var send = request.HttpMethod == "HEAD" ? ReadOnlyMemory<byte>.Empty
                : TruncateBodiesTo is { } cut ? body[..Math.Min(cut, body.Length)]
                : StallBodiesAfter is { } stall ? body[..Math.Min(stall, body.Length)]
                : body;

            // Recorded before the answer goes out: a client may see the whole body, and the test assert, before
            // this handler runs another line.
            Interlocked.Increment(ref _requestCount);
            Interlocked.Add(ref _bytesSent, send.Length);
            _requests.Enqueue(new LocalHttpRequest(request.HttpMethod, request.Url!.PathAndQuery, range, ifMatch, status, send.Length));

            response.StatusCode = status;
            foreach (var (name, value) in headers)
            {
                response.Headers[name] = value;
            }

            response.ContentLength64 = body.Length;
            if (send.Length > 0)
            {
                await response.OutputStream.WriteAsync(send).ConfigureAwait(false);
            }

            if (StallBodiesAfter is not null && send.Length < body.Length)
            {
                await response.OutputStream.FlushAsync().ConfigureAwait(false);
                await Task.Delay(Timeout.Infinite, _stopping.Token).ContinueWith(_ => { }, TaskScheduler.Default).ConfigureAwait(false);
                response.Abort();
                return;
            }

            if (send.Length < body.Length && request.HttpMethod != "HEAD")
            {
                response.Abort();
                return;
            }

            response.Close();
        }
        catch (Exception e) when (e is HttpListenerException or IOException or ObjectDisposedException)
        {
            // The client went away (or the server is stopping); nothing to answer.
            response.Abort();
        }
        finally
        {
            Interlocked.Decrement(ref _inFlight);
        }
    }

    private (int Status, ReadOnlyMemory<byte> Body, List<(string Name, string Value)> Headers) Answer(string method, string path, string? range, string? ifMatch)
    {
        List<(string, string)> headers = [];
        if (RedirectTo is { } location)
        {
            headers.Add(("Location", location));
            return (302, ReadOnlyMemory<byte>.Empty, headers);
        }

        if (FailWith is { } failure)
        {
            return ((int)failure, "simulated failure\n"u8.ToArray(), headers);
        }

        if (method is not ("GET" or "HEAD"))
        {
            headers.Add(("Allow", "GET, HEAD"));
            return (405, ReadOnlyMemory<byte>.Empty, headers);
        }

        if (!_resources.TryGetValue(path, out var resource))
        {
            return (404, "not found\n"u8.ToArray(), headers);
        }

        var (content, eTag) = resource;
        var length = content.Length;
        headers.Add(("ETag", eTag));

        if (ifMatch is not null && ifMatch.Trim() != "*" && !ifMatch.Split(',').Any(tag => tag.Trim() == eTag))
        {
            return (412, ReadOnlyMemory<byte>.Empty, headers);
        }

        if (IgnoreRange || range is null || !TryParseRange(range, length, out var first, out var last, out var satisfiable))
        {
            // No Range, an ignored one, or one this server does not support (several ranges): the whole body.
            return (200, content, headers);
        }

        if (!satisfiable)
        {
            headers.Add(("Content-Range", $"bytes */{length.ToString(CultureInfo.InvariantCulture)}"));
            return (416, ReadOnlyMemory<byte>.Empty, headers);
        }

        headers.Add(("Content-Range", string.Create(CultureInfo.InvariantCulture, $"bytes {first}-{last}/{length}")));
        return (206, content[(int)first..((int)last + 1)], headers);
    }

    /// <summary>One byte range (RFC 9110 §14.1.2): <c>bytes=a-b</c>, <c>bytes=a-</c> or <c>bytes=-n</c>.</summary>
    private static bool TryParseRange(string header, long length, out long first, out long last, out bool satisfiable)
    {
        first = last = 0;
        satisfiable = false;
        const string Unit = "bytes=";
        if (!header.StartsWith(Unit, StringComparison.OrdinalIgnoreCase) || header.Contains(',', StringComparison.Ordinal))
        {
            return false;
        }

        var spec = header[Unit.Length..].Trim();
        var dash = spec.IndexOf('-', StringComparison.Ordinal);
        if (dash < 0)
        {
            return false;
        }

        var start = spec[..dash];
        var end = spec[(dash + 1)..];
        if (start.Length == 0)
        {
            if (!long.TryParse(end, NumberStyles.None, CultureInfo.InvariantCulture, out var suffix))
            {
                return false;
            }

            satisfiable = suffix > 0 && length > 0;
            first = Math.Max(0, length - suffix);
            last = length - 1;
            return true;
        }

        if (!long.TryParse(start, NumberStyles.None, CultureInfo.InvariantCulture, out first))
        {
            return false;
        }

        if (end.Length == 0)
        {
            last = length - 1;
        }
        else if (!long.TryParse(end, NumberStyles.None, CultureInfo.InvariantCulture, out last) || last < first)
        {
            return false;
        }

        satisfiable = first < length;
        last = Math.Min(last, length - 1);
        return true;
    }
}
