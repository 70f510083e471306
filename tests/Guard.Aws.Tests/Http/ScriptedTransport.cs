using System.Net;

namespace Guard.Aws.Tests.Http;

/// <summary>
/// The innermost HTTP handler, below the signer: records every request exactly as it would go on the wire
/// (signed) and answers from a script, one response per attempt.
/// </summary>
internal sealed class ScriptedTransport : HttpMessageHandler
{
    private readonly Queue<Func<HttpResponseMessage>> _script = new();
    private readonly List<RecordedRequest> _requests = [];
    private readonly Lock _lock = new();

    public IReadOnlyList<RecordedRequest> Requests
    {
        get
        {
            lock (_lock)
            {
                return _requests.ToList();
            }
        }
    }

    /// <summary>How long to stall before answering (to trip the per-attempt timeout).</summary>
    public TimeSpan Stall { get; set; }

    public ScriptedTransport Then(HttpStatusCode status, string body = "", params (string Name, string Value)[] headers)
    {
        _script.Enqueue(() =>
        {
            var response = new HttpResponseMessage(status) { Content = new StringContent(body) };
            foreach (var (name, value) in headers)
            {
                response.Headers.TryAddWithoutValidation(name, value);
            }

            return response;
        });
        return this;
    }

    /// <summary>An answer whose headers announce <paramref name="contentLength"/> bytes but whose body is empty, as a HEAD answer is.</summary>
    public ScriptedTransport ThenHeaders(HttpStatusCode status, long contentLength)
    {
        _script.Enqueue(() =>
        {
            var content = new ByteArrayContent([]);
            content.Headers.ContentLength = contentLength;
            return new HttpResponseMessage(status) { Content = content };
        });
        return this;
    }

    protected override async Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
    {
        var body = request.Content is null ? "" : await request.Content.ReadAsStringAsync(cancellationToken);
        var headers = request.Headers.Concat(request.Content?.Headers ?? Enumerable.Empty<KeyValuePair<string, IEnumerable<string>>>())
            .ToDictionary(h => h.Key, h => string.Join(",", h.Value), StringComparer.OrdinalIgnoreCase);
        Func<HttpResponseMessage> next;
        lock (_lock)
        {
            _requests.Add(new RecordedRequest(request.Method, request.RequestUri!, headers, body));
            next = _script.Count > 1 ? _script.Dequeue() : _script.Peek();
        }

        if (Stall > TimeSpan.Zero)
        {
            await Task.Delay(Stall, cancellationToken);
        }

        return next();
    }
}

internal sealed record RecordedRequest(HttpMethod Method, Uri Uri, IReadOnlyDictionary<string, string> Headers, string Body)
{
    public string? Header(string name) => Headers.TryGetValue(name, out var value) ? value : null;
}
