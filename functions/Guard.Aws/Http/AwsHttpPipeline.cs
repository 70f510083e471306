using System.Net.Http.Headers;
using Polly;
using Polly.Retry;
using Polly.Timeout;

namespace Guard.Aws.Http;

/// <summary>A successful (2xx) answer, body fully read.</summary>
/// <param name="Headers">Response and content headers by name (case-insensitive), first value of each.</param>
public sealed record AwsHttpResponse(int StatusCode, byte[] Body, string? RequestId, IReadOnlyDictionary<string, string> Headers)
{
    public string? Header(string name) => Headers.TryGetValue(name, out var value) ? value : null;
}

/// <summary>
/// Sends one logical AWS call through a Polly pipeline: bounded attempts, each with its own timeout,
/// jittered exponential backoff (or the server's <c>Retry-After</c>) between them, retrying only
/// throttling, 5xx, timeouts and connection failures. Each attempt builds a new request from the caller's
/// factory and goes through the signing handler again, so every attempt carries a fresh signature.
/// A final failure becomes an <see cref="AwsServiceException"/>.
/// </summary>
public sealed class AwsHttpPipeline : IDisposable
{
    /// <summary>
    /// The largest answer read into memory. AWS answers here are small (a JSON document, one S3 range); a server that
    /// ignored a Range header on a 250 MB package must fail with a clear error, not exhaust a 128 MB function.
    /// </summary>
    public const int MaxBodyBytes = 64 * 1024 * 1024;

    private static readonly ResiliencePropertyKey<TimeSpan> AttemptTimeoutKey = new("Guard.AttemptTimeout");

    private readonly HttpClient _http;
    private readonly AwsErrorProtocol _protocol;
    private readonly TimeProvider _time;
    private readonly ResiliencePipeline<Attempt> _pipeline;

    /// <param name="signedClient">A client from <see cref="SignedHttpClientFactory"/>; the pipeline owns and disposes it.</param>
    public AwsHttpPipeline(HttpClient signedClient, AwsErrorProtocol protocol, AwsRetryOptions? retry = null, TimeProvider? timeProvider = null)
    {
        ArgumentNullException.ThrowIfNull(signedClient);
        retry ??= AwsRetryOptions.Default;
        retry.Validate();

        _http = signedClient;
        _protocol = protocol;
        _time = timeProvider ?? TimeProvider.System;
        var maxDelay = retry.MaxDelay;

        var builder = new ResiliencePipelineBuilder<Attempt> { TimeProvider = _time };
        if (retry.MaxAttempts > 1)
        {
            builder.AddRetry(new RetryStrategyOptions<Attempt>
            {
                MaxRetryAttempts = retry.MaxAttempts - 1,
                BackoffType = DelayBackoffType.Exponential,
                UseJitter = true,
                Delay = retry.BaseDelay,
                MaxDelay = maxDelay,
                ShouldHandle = static args => ValueTask.FromResult(args.Outcome switch
                {
                    { Exception: HttpRequestException or TimeoutRejectedException } => true,
                    { Result: { Error: not null } attempt } => TransientErrors.IsTransient(attempt.StatusCode, attempt.Error.Code),
                    _ => false,
                }),
                // Retry-After, when the server sends one, replaces the computed backoff (bounded by MaxDelay).
                DelayGenerator = args => ValueTask.FromResult(
                    args.Outcome.Result?.RetryAfter is { } wait ? (TimeSpan?)(wait > maxDelay ? maxDelay : wait) : null),
            });
        }

        // Added after the retry, so it sits inside it: the timeout applies to each attempt, not the whole call.
        // A call that moves a large body (an S3 upload) may ask for a longer one.
        var attemptTimeout = retry.AttemptTimeout;
        builder.AddTimeout(new TimeoutStrategyOptions
        {
            TimeoutGenerator = args => ValueTask.FromResult(
                args.Context.Properties.TryGetValue(AttemptTimeoutKey, out var custom) ? custom : attemptTimeout),
        });
        _pipeline = builder.Build();
    }

    /// <summary>A pipeline over a fresh signed client for <paramref name="service"/>.</summary>
    public static AwsHttpPipeline Create(
        AwsEnvironment environment,
        AwsService service,
        AwsErrorProtocol protocol,
        IAwsCredentialsProvider credentials,
        AwsRetryOptions? retry = null,
        HttpMessageHandler? transport = null)
    {
        var client = SignedHttpClientFactory.Create(environment, service, credentials, transport);
        return new AwsHttpPipeline(client, protocol, retry);
    }

    /// <summary>
    /// Performs <paramref name="action"/> (one of <see cref="AwsActions"/>). <paramref name="createRequest"/>
    /// is called once per attempt and must return a new message each time (relative URIs resolve against
    /// the service endpoint).
    /// </summary>
    /// <param name="attemptTimeout">Replaces <see cref="AwsRetryOptions.AttemptTimeout"/> for this call.</param>
    /// <exception cref="AwsServiceException">The call failed with a non-retryable error or ran out of attempts.</exception>
    public async Task<AwsHttpResponse> SendAsync(string action, Func<HttpRequestMessage> createRequest, CancellationToken cancellationToken, TimeSpan? attemptTimeout = null)
    {
        ArgumentException.ThrowIfNullOrEmpty(action);
        ArgumentNullException.ThrowIfNull(createRequest);
        if (attemptTimeout is { } requested)
        {
            AwsRetryOptions.ValidateAttemptTimeout(requested, nameof(attemptTimeout));
        }

        Attempt last;
        var context = ResilienceContextPool.Shared.Get(cancellationToken);
        try
        {
            if (attemptTimeout is { } timeout)
            {
                context.Properties.Set(AttemptTimeoutKey, timeout);
            }

            last = await _pipeline.ExecuteAsync(
                static (context, state) => state.Self.SendOnceAsync(state.CreateRequest, context.CancellationToken),
                context,
                (Self: this, CreateRequest: createRequest)).ConfigureAwait(false);
        }
        catch (TimeoutRejectedException e)
        {
            throw new AwsServiceException(TransientErrors.RequestTimeout, 0, $"no response from {Endpoint} within the per-attempt timeout", action, null, e);
        }
        catch (HttpRequestException e)
        {
            throw new AwsServiceException(TransientErrors.NetworkFailure, 0, NetworkCause(e), action, null, e);
        }
        finally
        {
            ResilienceContextPool.Shared.Return(context);
        }

        if (last.Error is { } error)
        {
            throw new AwsServiceException(error.Code, last.StatusCode, error.Message, action, last.RequestId, null);
        }

        return new AwsHttpResponse(last.StatusCode, last.Body, last.RequestId, last.Headers);
    }

    public void Dispose() => _http.Dispose();

    /// <summary>The service's host, as failures name it.</summary>
    private string Endpoint => _http.BaseAddress?.Authority ?? "the service";

    /// <summary>
    /// What went wrong on the way, naming the host: socket errors carry <c>(host:port)</c>, but the generic
    /// "An error occurred while sending the request." hides its cause in the inner exception and names no host.
    /// </summary>
    private string NetworkCause(HttpRequestException e)
    {
        var message = e.HttpRequestError == HttpRequestError.Unknown && e.InnerException is { } inner ? inner.Message : e.Message;
        var cause = AwsErrorParser.SanitizeMessage(message) ?? "connection failed";
        var host = _http.BaseAddress?.Host;
        return host is null || cause.Contains(host, StringComparison.OrdinalIgnoreCase) ? cause : $"{cause} ({Endpoint})";
    }

    private async ValueTask<Attempt> SendOnceAsync(Func<HttpRequestMessage> createRequest, CancellationToken cancellationToken)
    {
        using var request = createRequest();
        using var response = await _http.SendAsync(request, HttpCompletionOption.ResponseHeadersRead, cancellationToken).ConfigureAwait(false);
        var status = (int)response.StatusCode;
        var requestId = FirstHeader(response.Headers, "x-amzn-RequestId") ?? FirstHeader(response.Headers, "x-amz-request-id");
        // A HEAD answer (and a 204 or 304) has no body, whatever its Content-Length says: S3's HEAD of a 212 MB
        // object carries Content-Length: 212000000, and refusing it would refuse every question about large code.
        var bodiless = request.Method == HttpMethod.Head || status is 204 or 304;
        if ((bodiless ? [] : await ReadBoundedAsync(response.Content, MaxBodyBytes, cancellationToken).ConfigureAwait(false)) is not { } body)
        {
            // Not retried: the same request would bring the same answer.
            var tooLarge = new AwsError("ResponseTooLarge", $"the answer is larger than {MaxBodyBytes / (1024 * 1024)} MiB; Guard reads only small answers whole");
            return new Attempt(status, [], requestId, HeadersOf(response), tooLarge, null);
        }

        if (response.IsSuccessStatusCode)
        {
            return new Attempt(status, body, requestId, HeadersOf(response), null, null);
        }

        var errorType = FirstHeader(response.Headers, "X-Amzn-ErrorType");
        var error = AwsErrorParser.Parse(_protocol, status, errorType, body);
        return new Attempt(status, body, requestId, HeadersOf(response), error, RetryAfter(response.Headers.RetryAfter));
    }

    private TimeSpan? RetryAfter(RetryConditionHeaderValue? header)
    {
        var wait = header switch
        {
            { Delta: { } delta } => delta,
            { Date: { } date } => date - _time.GetUtcNow(),
            _ => (TimeSpan?)null,
        };
        return wait < TimeSpan.Zero ? TimeSpan.Zero : wait;
    }

    private static string? FirstHeader(HttpResponseHeaders headers, string name) =>
        headers.TryGetValues(name, out var values) ? values.FirstOrDefault() : null;

    /// <summary>
    /// The whole body, or null when it is (or announces itself as) larger than <paramref name="maxBytes"/>: never more
    /// than that is read or allocated, whatever Content-Length says. Every answer Guard reads whole comes through here.
    /// </summary>
    public static async Task<byte[]?> ReadBoundedAsync(HttpContent content, int maxBytes, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(content);
        ArgumentOutOfRangeException.ThrowIfNegative(maxBytes);
        if (content.Headers.ContentLength > maxBytes)
        {
            return null;
        }

        var stream = await content.ReadAsStreamAsync(cancellationToken).ConfigureAwait(false);
        await using (stream.ConfigureAwait(false))
        {
            using var buffer = new MemoryStream(content.Headers.ContentLength is { } length ? (int)length : 0);
            var chunk = new byte[81920];
            int read;
            while ((read = await stream.ReadAsync(chunk, cancellationToken).ConfigureAwait(false)) > 0)
            {
                if (buffer.Length + read > maxBytes)
                {
                    return null;
                }

                buffer.Write(chunk, 0, read);
            }

            return buffer.ToArray();
        }
    }

    private static Dictionary<string, string> HeadersOf(HttpResponseMessage response)
    {
        var headers = new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase);
        foreach (var (name, values) in response.Headers.NonValidated)
        {
            headers.TryAdd(name, values.ToString());
        }

        foreach (var (name, values) in response.Content.Headers.NonValidated)
        {
            headers.TryAdd(name, values.ToString());
        }

        return headers;
    }

    private sealed record Attempt(int StatusCode, byte[] Body, string? RequestId, IReadOnlyDictionary<string, string> Headers, AwsError? Error, TimeSpan? RetryAfter);
}
