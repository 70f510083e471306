using System.Collections.Concurrent;
using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Text;
using System.Threading.Channels;
using Guard.Testing;

namespace Guard.Function.Tests.Support;

/// <summary>What the runtime posted back for one event.</summary>
/// <param name="Kind"><c>response</c>, <c>error</c> or <c>init-error</c>.</param>
public sealed record RuntimeAnswer(string Kind, string? RequestId, string Body, string? ErrorType, long ElapsedTicks);

/// <summary>
/// The Lambda Runtime API (2018-06-01) for tests, on 127.0.0.1: hands out queued events on <c>/next</c> (a long
/// poll, like Lambda's) and records what comes back on <c>/response</c>, <c>/error</c> and <c>/init/error</c>, with
/// the time since <see cref="Start"/> of each, so the cold-start benchmark and the end-to-end test can measure.
/// </summary>
public sealed class RuntimeApiStandIn : IAsyncDisposable
{
    private readonly LoopbackHttpListener _listener;
    private readonly Channel<(string RequestId, byte[] Payload, DateTimeOffset Deadline, string? TraceId, bool Chunked)> _events = Channel.CreateUnbounded<(string, byte[], DateTimeOffset, string?, bool)>();
    private readonly Channel<RuntimeAnswer> _answers = Channel.CreateUnbounded<RuntimeAnswer>();
    private readonly ConcurrentQueue<RuntimeAnswer> _all = new();
    private readonly Stopwatch _clock = Stopwatch.StartNew();
    private long _firstNextTicks = -1;
    private int _nextCalls;

    private RuntimeApiStandIn() => _listener = LoopbackHttpListener.Start(HandleAsync);

    /// <summary>What <c>AWS_LAMBDA_RUNTIME_API</c> is set to: <c>127.0.0.1:port</c>.</summary>
    public string HostAndPort => _listener.HostAndPort;

    /// <summary>Time from <see cref="Start"/> (or <see cref="RestartClock"/>) to the first <c>/next</c>; null before it.</summary>
    public TimeSpan? FirstNext => Interlocked.Read(ref _firstNextTicks) is var t and >= 0 ? TimeSpan.FromTicks(t * TimeSpan.TicksPerSecond / Stopwatch.Frequency) : null;

    public int NextCalls => Volatile.Read(ref _nextCalls);

    public IReadOnlyList<RuntimeAnswer> Answers => [.. _all];

    public static RuntimeApiStandIn Start() => new();

    public void RestartClock()
    {
        _clock.Restart();
        Interlocked.Exchange(ref _firstNextTicks, -1);
    }

    /// <summary>Queues an event; returns its request id.</summary>
    public string Enqueue(string payload, TimeSpan? timeout = null, string? traceId = null) =>
        Enqueue(Encoding.UTF8.GetBytes(payload), timeout, traceId);

    /// <summary>Queues an event as these exact bytes; <paramref name="chunked"/> sends it without Content-Length, which Lambda never does.</summary>
    public string Enqueue(byte[] payload, TimeSpan? timeout = null, string? traceId = null, bool chunked = false)
    {
        var requestId = Guid.NewGuid().ToString();
        _events.Writer.TryWrite((requestId, payload, DateTimeOffset.UtcNow + (timeout ?? TimeSpan.FromMinutes(1)), traceId, chunked));
        return requestId;
    }

    /// <summary>Waits for the next answer the runtime posts.</summary>
    public async Task<RuntimeAnswer> NextAnswerAsync(TimeSpan timeout, CancellationToken cancellationToken = default)
    {
        using var limit = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        limit.CancelAfter(timeout);
        try
        {
            return await _answers.Reader.ReadAsync(limit.Token);
        }
        catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
        {
            throw new TimeoutException($"no answer from the runtime within {timeout.TotalSeconds:0} s (/next called {NextCalls} times)");
        }
    }

    public ValueTask DisposeAsync()
    {
        _events.Writer.TryComplete();
        return _listener.DisposeAsync();
    }

    private async Task HandleAsync(HttpListenerContext context)
    {
        var request = context.Request;
        var response = context.Response;
        var path = request.Url!.AbsolutePath;
        const string Prefix = "/2018-06-01/runtime/";
        try
        {
            if (!path.StartsWith(Prefix, StringComparison.Ordinal))
            {
                response.StatusCode = 404;
                response.Close();
                return;
            }

            var rest = path[Prefix.Length..];
            if (request.HttpMethod == "GET" && rest == "invocation/next")
            {
                Interlocked.Increment(ref _nextCalls);
                Interlocked.CompareExchange(ref _firstNextTicks, _clock.ElapsedTicks, -1);
                (string RequestId, byte[] Payload, DateTimeOffset Deadline, string? TraceId, bool Chunked) next;
                try
                {
                    next = await _events.Reader.ReadAsync();
                }
                catch (ChannelClosedException)
                {
                    response.Abort();
                    return;
                }

                response.StatusCode = 200;
                response.Headers["Lambda-Runtime-Aws-Request-Id"] = next.RequestId;
                response.Headers["Lambda-Runtime-Deadline-Ms"] = next.Deadline.ToUnixTimeMilliseconds().ToString(CultureInfo.InvariantCulture);
                response.Headers["Lambda-Runtime-Invoked-Function-Arn"] = "arn:aws:lambda:us-east-1:123456789012:function:guard";
                if (next.TraceId is not null)
                {
                    response.Headers["Lambda-Runtime-Trace-Id"] = next.TraceId;
                }

                response.ContentType = "application/json";
                if (next.Chunked)
                {
                    // Several writes, so the body arrives as several chunks.
                    response.SendChunked = true;
                    for (var offset = 0; offset < next.Payload.Length; offset += 64 * 1024)
                    {
                        await response.OutputStream.WriteAsync(next.Payload.AsMemory(offset, Math.Min(64 * 1024, next.Payload.Length - offset)));
                    }
                }
                else
                {
                    // HttpListener copies a first write into the buffer holding its headers; a small one keeps the
                    // 6 MB events' copy out of the allocation counts of the client's tests.
                    response.ContentLength64 = next.Payload.Length;
                    var head = Math.Min(next.Payload.Length, 4096);
                    await response.OutputStream.WriteAsync(next.Payload.AsMemory(0, head));
                    await response.OutputStream.WriteAsync(next.Payload.AsMemory(head));
                }

                response.Close();
                return;
            }

            if (request.HttpMethod == "POST")
            {
                string body;
                using (var reader = new StreamReader(request.InputStream, Encoding.UTF8))
                {
                    body = await reader.ReadToEndAsync();
                }

                var errorType = request.Headers["Lambda-Runtime-Function-Error-Type"];
                RuntimeAnswer? answer = rest switch
                {
                    "init/error" => new RuntimeAnswer("init-error", null, body, errorType, _clock.ElapsedTicks),
                    _ when rest.StartsWith("invocation/", StringComparison.Ordinal) && rest.EndsWith("/response", StringComparison.Ordinal)
                        => new RuntimeAnswer("response", rest["invocation/".Length..^"/response".Length], body, null, _clock.ElapsedTicks),
                    _ when rest.StartsWith("invocation/", StringComparison.Ordinal) && rest.EndsWith("/error", StringComparison.Ordinal)
                        => new RuntimeAnswer("error", rest["invocation/".Length..^"/error".Length], body, errorType, _clock.ElapsedTicks),
                    _ => null,
                };
                if (answer is not null)
                {
                    _all.Enqueue(answer);
                    _answers.Writer.TryWrite(answer);
                    response.StatusCode = 202;
                    response.Close();
                    return;
                }
            }

            response.StatusCode = 404;
            response.Close();
        }
        catch (Exception e) when (e is HttpListenerException or IOException or ObjectDisposedException)
        {
            response.Abort();
        }
    }
}
