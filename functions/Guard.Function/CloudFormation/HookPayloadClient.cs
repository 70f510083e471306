using System.Globalization;
using System.Net;
using Guard.Aws.Http;

namespace Guard.Function.CloudFormation;

/// <summary>
/// Fetches what a change set hook's <c>requestData.payload</c> points to: an S3 presigned URL
/// (https://docs.aws.amazon.com/cloudformation-cli/latest/hooks-userguide/lambda-hooks-create-lambda-function.html), one
/// GET, the body read whole but never beyond <see cref="MaxBytes"/>. The URL is a credential: no message this class
/// makes names more than its host.
/// </summary>
public sealed class HookPayloadClient
{
    /// <summary>
    /// A template is at most 1 MB and a stack at most 500 resources, each change carrying its properties before and
    /// after: a real payload is a few MiB at most, and the function has 256 MB.
    /// </summary>
    public const int DefaultMaxBytes = 16 * 1024 * 1024;

    private readonly Lazy<HttpClient> _http;

    /// <param name="createHttp">Called on the first fetch, so an idle process never builds a handler.</param>
    public HookPayloadClient(Func<HttpClient> createHttp, int maxBytes = DefaultMaxBytes)
    {
        ArgumentNullException.ThrowIfNull(createHttp);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(maxBytes);
        _http = new Lazy<HttpClient>(createHttp, LazyThreadSafetyMode.ExecutionAndPublication);
        MaxBytes = maxBytes;
    }

    public int MaxBytes { get; }

    /// <summary>
    /// The production client: no redirects (a presigned URL answers directly). Its timeout is a backstop; the hook's
    /// budget cancels the fetch first.
    /// </summary>
    public static HttpClient CreateDefaultHttpClient() =>
        new(new SocketsHttpHandler { AllowAutoRedirect = false, ConnectTimeout = TimeSpan.FromSeconds(3) })
        {
            Timeout = TimeSpan.FromSeconds(25),
        };

    /// <exception cref="HookPayloadException">The URL is not http(s), the answer is not 2xx, too large, or the connection failed.</exception>
    public async Task<byte[]> GetAsync(string? payloadUrl, CancellationToken cancellationToken)
    {
        if (!Uri.TryCreate(payloadUrl, UriKind.Absolute, out var url) || url.Scheme is not ("https" or "http"))
        {
            throw new HookPayloadException("requestData.payload is not an absolute http(s) URL");
        }

        try
        {
            using var response = await _http.Value.GetAsync(url, HttpCompletionOption.ResponseHeadersRead, cancellationToken).ConfigureAwait(false);
            if (!response.IsSuccessStatusCode)
            {
                var status = (int)response.StatusCode;
                // 403 (an expired or altered signature) and 404 will not change on a retry; 5xx and throttling may.
                throw new HookPayloadException(string.Create(CultureInfo.InvariantCulture, $"the payload URL on {url.Host} answered HTTP {status}"))
                {
                    IsTransient = status >= 500 || response.StatusCode == HttpStatusCode.TooManyRequests,
                };
            }

            return await AwsHttpPipeline.ReadBoundedAsync(response.Content, MaxBytes, cancellationToken).ConfigureAwait(false)
                ?? throw new HookPayloadException($"the payload is larger than {Size(MaxBytes)}; Guard reads at most that");
        }
        catch (HttpRequestException e)
        {
            // Named by its kind only: the exception's message may carry the URL.
            throw new HookPayloadException($"the payload URL on {url.Host} could not be read ({e.HttpRequestError})") { IsTransient = true };
        }
        catch (IOException)
        {
            // The connection dropped inside the body.
            throw new HookPayloadException($"the payload from {url.Host} was cut short") { IsTransient = true };
        }
        catch (TaskCanceledException) when (!cancellationToken.IsCancellationRequested)
        {
            throw new HookPayloadException($"the payload URL on {url.Host} timed out") { IsTransient = true };
        }
    }

    private static string Size(int bytes) => bytes % (1024 * 1024) == 0
        ? string.Create(CultureInfo.InvariantCulture, $"{bytes / (1024 * 1024)} MiB")
        : string.Create(CultureInfo.InvariantCulture, $"{bytes} bytes");
}

/// <summary>The change set's payload could not be fetched. The message never contains the presigned URL.</summary>
public sealed class HookPayloadException(string message) : Exception(message)
{
    /// <summary>A retry may succeed (5xx, throttling, a dropped connection, a timeout).</summary>
    public bool IsTransient { get; init; }
}
