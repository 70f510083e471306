using System.Collections.Concurrent;
using System.Globalization;
using System.Net;
using System.Text;
using System.Text.Json;
using System.Threading.Channels;
using Guard.Testing;

namespace Guard.Function.Tests.Support;

/// <summary>One PUT as the stand-in received it.</summary>
/// <param name="ContentType">The Content-Type header as sent; null when absent (what an empty content type becomes in .NET).</param>
/// <param name="ContentLength">The Content-Length header; null when the body was chunked.</param>
public sealed record ResponseUrlPut(string Method, string PathAndQuery, string? ContentType, long? ContentLength, byte[] Body, TimeSpan At)
{
    public string Text => Encoding.UTF8.GetString(Body);

    public JsonDocument Json() => JsonDocument.Parse(Body);
}

/// <summary>
/// The presigned S3 <c>ResponseURL</c> of a CloudFormation custom resource, on 127.0.0.1: records every request
/// (method, headers, body, time since start) and answers 200, or a chosen status for the first few requests.
/// </summary>
public sealed class ResponseUrlStandIn : IAsyncDisposable
{
    /// <summary>The signature part of the URLs it hands out: tests assert it never reaches a log.</summary>
    public const string Signature = "X-Amz-Signature=5ecret5ignature0f7he5tand1n";

    private readonly LoopbackHttpListener _listener;
    private readonly ConcurrentQueue<ResponseUrlPut> _received = new();
    private readonly Channel<ResponseUrlPut> _arrivals = Channel.CreateUnbounded<ResponseUrlPut>();
    private readonly System.Diagnostics.Stopwatch _clock = System.Diagnostics.Stopwatch.StartNew();
    private int _failuresLeft;

    private ResponseUrlStandIn() => _listener = LoopbackHttpListener.Start(HandleAsync);

    public Uri BaseAddress => _listener.BaseAddress;

    public IReadOnlyList<ResponseUrlPut> Received => [.. _received];

    /// <summary>The status the next <see cref="FailFirst"/> requests get.</summary>
    public HttpStatusCode FailureStatus { get; set; } = HttpStatusCode.InternalServerError;

    public TimeSpan Elapsed => _clock.Elapsed;

    public static ResponseUrlStandIn Start() => new();

    /// <summary>A presigned-looking URL for one request, unique per call.</summary>
    public string NewUrl(string name = "response") =>
        new Uri(BaseAddress, $"/cloudformation-custom-resource-response-useast1/{name}-{Guid.NewGuid():N}?X-Amz-Algorithm=AWS4-HMAC-SHA256&X-Amz-Expires=7200&{Signature}").AbsoluteUri;

    /// <summary>The next <paramref name="count"/> requests are answered with <see cref="FailureStatus"/>.</summary>
    public void FailFirst(int count) => Volatile.Write(ref _failuresLeft, count);

    /// <summary>Waits for the next request that was answered 200.</summary>
    public async Task<ResponseUrlPut> NextAsync(TimeSpan timeout, CancellationToken cancellationToken = default)
    {
        using var limit = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        limit.CancelAfter(timeout);
        try
        {
            return await _arrivals.Reader.ReadAsync(limit.Token);
        }
        catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
        {
            throw new TimeoutException($"nothing was PUT to the ResponseURL within {timeout.TotalSeconds:0.#} s ({_received.Count} requests so far)");
        }
    }

    public ValueTask DisposeAsync() => _listener.DisposeAsync();

    private async Task HandleAsync(HttpListenerContext context)
    {
        var request = context.Request;
        var response = context.Response;
        try
        {
            using var body = new MemoryStream();
            await request.InputStream.CopyToAsync(body);
            var put = new ResponseUrlPut(
                request.HttpMethod,
                request.Url!.PathAndQuery,
                request.Headers["Content-Type"],
                request.Headers["Content-Length"] is { } length ? long.Parse(length, CultureInfo.InvariantCulture) : null,
                body.ToArray(),
                _clock.Elapsed);
            _received.Enqueue(put);
            if (Interlocked.Decrement(ref _failuresLeft) >= 0)
            {
                response.StatusCode = (int)FailureStatus;
            }
            else
            {
                response.StatusCode = 200;
                _arrivals.Writer.TryWrite(put);
            }

            response.Close();
        }
        catch (Exception e) when (e is HttpListenerException or IOException or ObjectDisposedException)
        {
            response.Abort();
        }
    }
}
