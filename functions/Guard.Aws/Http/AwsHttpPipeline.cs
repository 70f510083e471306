using System.Net.Http.Headers;
using System.Text.Json;
using System.Text.Json.Serialization.Metadata;
using Guard.Inspection.Reading;
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

/// <summary>A JSON 1.1 answer, read as its source-generated type; the status and request id for errors about its content.</summary>
public sealed record AwsJsonResponse<T>(T Value, int StatusCode, string? RequestId);

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
    private static readonly MediaTypeHeaderValue AmzJson11 = new("application/x-amz-json-1.1");

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

    /// <summary>
    /// One call of an AWS JSON 1.1 service (ECR, EventBridge, SSM, Organizations): a POST to the service endpoint
    /// naming the operation in <c>X-Amz-Target</c>, the request and the answer source-generated JSON.
    /// </summary>
    /// <param name="target">The operation as the service names it, e.g. <c>AmazonSSM.GetParameter</c>.</param>
    /// <exception cref="AwsServiceException">As <see cref="SendAsync"/>; <c>MalformedResponse</c> when the answer is not
    /// <typeparamref name="TResponse"/>'s JSON, named by the operation and never quoting the body (it may hold a secret).</exception>
    public async Task<AwsJsonResponse<TResponse>> SendJsonAsync<TRequest, TResponse>(
        string action, string target, TRequest request, JsonTypeInfo<TRequest> requestType, JsonTypeInfo<TResponse> responseType, CancellationToken cancellationToken)
        where TResponse : class
    {
        ArgumentException.ThrowIfNullOrEmpty(target);
        var body = JsonSerializer.SerializeToUtf8Bytes(request, requestType);
        var response = await SendAsync(action, () =>
        {
            var content = new ByteArrayContent(body);
            content.Headers.ContentType = AmzJson11;
            // No URI: the client sends to its BaseAddress, the service endpoint.
            var message = new HttpRequestMessage(HttpMethod.Post, (Uri?)null) { Content = content };
            message.Headers.TryAddWithoutValidation("X-Amz-Target", target);
            return message;
        }, cancellationToken).ConfigureAwait(false);

        var operation = target[(target.LastIndexOf('.') + 1)..];
        try
        {
            var value = JsonSerializer.Deserialize(response.Body, responseType)
                ?? throw new AwsServiceException("MalformedResponse", response.StatusCode, $"{operation} answered with an empty document", action, response.RequestId, null);
            return new AwsJsonResponse<TResponse>(value, response.StatusCode, response.RequestId);
        }
        catch (JsonException e)
        {
            throw new AwsServiceException("MalformedResponse", response.StatusCode, $"{operation} answered with something that is not its JSON", action, response.RequestId, e);
        }
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
        if ((bodiless ? [] : await BoundedBody.ReadAsync(response.Content, MaxBodyBytes, cancellationToken).ConfigureAwait(false)) is not { } body)
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
