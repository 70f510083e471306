using System.Globalization;
using System.Net.Http.Headers;
using System.Text.Json;

namespace Guard.Function.RuntimeApi;

/// <summary>
/// <see cref="IRuntimeApi"/> over plain HTTP to <c>http://$AWS_LAMBDA_RUNTIME_API/2018-06-01/runtime/…</c>
/// (https://docs.aws.amazon.com/lambda/latest/dg/runtimes-api.html).
/// </summary>
public sealed class RuntimeApiClient : IRuntimeApi, IDisposable
{
    public const string EnvironmentVariable = "AWS_LAMBDA_RUNTIME_API";

    private const string RequestIdHeader = "Lambda-Runtime-Aws-Request-Id";
    private const string DeadlineHeader = "Lambda-Runtime-Deadline-Ms";
    private const string FunctionArnHeader = "Lambda-Runtime-Invoked-Function-Arn";
    private const string TraceIdHeader = "Lambda-Runtime-Trace-Id";
    private const string ErrorTypeHeader = "Lambda-Runtime-Function-Error-Type";

    // Holds a scheduled event or a CloudFormation request; a CloudTrail event (EventBridge: < 256 KB) grows it once.
    private const int MinimumBuffer = 16 * 1024;

    private static readonly MediaTypeHeaderValue Json = new("application/json");

    private readonly HttpClient _http;

    // The last event's body; reused for the next, since the loop handles one invocation at a time.
    private byte[] _buffer = [];

    /// <param name="http">Its BaseAddress is <c>http://host:port/2018-06-01/runtime/</c>; this client owns it.</param>
    public RuntimeApiClient(HttpClient http)
    {
        ArgumentNullException.ThrowIfNull(http);
        _http = http;
    }

    /// <summary>A client for <c>host:port</c> as Lambda gives it in <see cref="EnvironmentVariable"/>.</summary>
    public static RuntimeApiClient Create(string hostAndPort)
    {
        ArgumentException.ThrowIfNullOrEmpty(hostAndPort);
        var handler = new SocketsHttpHandler { UseProxy = false, AllowAutoRedirect = false };
        return new RuntimeApiClient(new HttpClient(handler, disposeHandler: true)
        {
            BaseAddress = new Uri($"http://{hostAndPort}/2018-06-01/runtime/"),
            // /next is a long poll that lasts as long as the sandbox is frozen between events.
            Timeout = Timeout.InfiniteTimeSpan,
        });
    }

    /// <remarks>
    /// The payload is read straight from the connection into one buffer this client keeps, so a 6 MB event costs
    /// 6 MB once, not the several growing copies <see cref="HttpContent.ReadAsByteArrayAsync()"/> makes; it is
    /// therefore valid only until the next call (see <see cref="Invocation.Payload"/>).
    /// </remarks>
    public async Task<Invocation> NextAsync(CancellationToken cancellationToken)
    {
        using var response = await _http.GetAsync(new Uri("invocation/next", UriKind.Relative), HttpCompletionOption.ResponseHeadersRead, cancellationToken).ConfigureAwait(false);
        response.EnsureSuccessStatusCode();
        var requestId = Header(response, RequestIdHeader)
            ?? throw new InvalidOperationException($"Runtime API /next answered without {RequestIdHeader}");
        var deadline = long.TryParse(Header(response, DeadlineHeader), NumberStyles.None, CultureInfo.InvariantCulture, out var ms)
            ? DateTimeOffset.FromUnixTimeMilliseconds(ms)
            : DateTimeOffset.MaxValue;
        var payload = await ReadBodyAsync(response.Content, cancellationToken).ConfigureAwait(false);
        return new Invocation(requestId, deadline, Header(response, FunctionArnHeader), Header(response, TraceIdHeader), payload);
    }

    public async Task RespondAsync(string requestId, ReadOnlyMemory<byte> response, CancellationToken cancellationToken)
    {
        using var content = new ReadOnlyMemoryContent(response);
        content.Headers.ContentType = Json;
        using var answer = await _http.PostAsync(new Uri($"invocation/{Uri.EscapeDataString(requestId)}/response", UriKind.Relative), content, cancellationToken).ConfigureAwait(false);
        answer.EnsureSuccessStatusCode();
    }

    public Task ReportInvocationErrorAsync(string requestId, RuntimeError error, CancellationToken cancellationToken) =>
        PostErrorAsync($"invocation/{Uri.EscapeDataString(requestId)}/error", error, cancellationToken);

    public Task ReportInitErrorAsync(RuntimeError error, CancellationToken cancellationToken) =>
        PostErrorAsync("init/error", error, cancellationToken);

    public void Dispose() => _http.Dispose();

    private async Task PostErrorAsync(string path, RuntimeError error, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(error);
        using var content = new ByteArrayContent(JsonSerializer.SerializeToUtf8Bytes(error, FunctionJsonContext.Default.RuntimeError));
        content.Headers.ContentType = Json;
        using var request = new HttpRequestMessage(HttpMethod.Post, new Uri(path, UriKind.Relative)) { Content = content };
        request.Headers.TryAddWithoutValidation(ErrorTypeHeader, error.ErrorType);
        using var answer = await _http.SendAsync(request, cancellationToken).ConfigureAwait(false);
        answer.EnsureSuccessStatusCode();
    }

    private async Task<ReadOnlyMemory<byte>> ReadBodyAsync(HttpContent content, CancellationToken cancellationToken)
    {
        var stream = await content.ReadAsStreamAsync(cancellationToken).ConfigureAwait(false);
        await using (stream.ConfigureAwait(false))
        {
            // The Runtime API sends Content-Length: one read of exactly that many bytes.
            if (content.Headers.ContentLength is { } length)
            {
                if (length > Array.MaxLength)
                {
                    throw new InvalidOperationException($"Runtime API /next announced a {length}-byte event, more than an array holds");
                }

                EnsureCapacity((int)length);
                await stream.ReadExactlyAsync(_buffer.AsMemory(0, (int)length), cancellationToken).ConfigureAwait(false);
                return _buffer.AsMemory(0, (int)length);
            }

            // Without it (chunked), fill the buffer and grow it until the body ends.
            var filled = 0;
            while (true)
            {
                if (filled == _buffer.Length)
                {
                    EnsureCapacity(filled + 1, keep: filled);
                }

                var read = await stream.ReadAsync(_buffer.AsMemory(filled), cancellationToken).ConfigureAwait(false);
                if (read == 0)
                {
                    return _buffer.AsMemory(0, filled);
                }

                filled += read;
            }
        }
    }

    /// <summary>Grows the buffer to hold <paramref name="needed"/> bytes, copying its first <paramref name="keep"/>; it never shrinks.</summary>
    private void EnsureCapacity(int needed, int keep = 0)
    {
        if (needed <= _buffer.Length)
        {
            return;
        }

        // Doubling bounds the number of reallocations when sizes creep up; uninitialized, because every byte
        // handed out is read first, and pages never written stay out of the resident set.
        var capacity = Math.Max(needed, (int)Math.Min(Math.Max(2L * _buffer.Length, MinimumBuffer), Array.MaxLength));
        var grown = GC.AllocateUninitializedArray<byte>(capacity);
        _buffer.AsSpan(0, keep).CopyTo(grown);
        _buffer = grown;
    }

    private static string? Header(HttpResponseMessage response, string name) =>
        response.Headers.TryGetValues(name, out var values) ? values.FirstOrDefault() : null;
}
