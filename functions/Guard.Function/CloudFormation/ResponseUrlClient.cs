using System.Globalization;
using System.Net;

namespace Guard.Function.CloudFormation;

/// <summary>
/// PUTs a custom resource's answer to its presigned <c>ResponseURL</c> (https://docs.aws.amazon.com/AWSCloudFormation/latest/UserGuide/crpg-ref-responses.html): an empty content type,
/// as the cfn-response module sends (a content type the URL was not signed with can break its signature),
/// and an explicit Content-Length. The URL is a credential: it appears in no message this class makes.
/// </summary>
public sealed class ResponseUrlClient
{
    private static readonly TimeSpan[] Backoff = [TimeSpan.FromMilliseconds(200), TimeSpan.FromSeconds(1)];

    private readonly Lazy<HttpClient> _http;

    /// <param name="createHttp">Called on the first answer, so an idle process never builds a handler.</param>
    public ResponseUrlClient(Func<HttpClient> createHttp)
    {
        ArgumentNullException.ThrowIfNull(createHttp);
        _http = new Lazy<HttpClient>(createHttp, LazyThreadSafetyMode.ExecutionAndPublication);
    }

    /// <summary>The production client: no redirects (a presigned URL answers directly), short timeouts.</summary>
    public static HttpClient CreateDefaultHttpClient() =>
        new(new SocketsHttpHandler { AllowAutoRedirect = false, ConnectTimeout = TimeSpan.FromSeconds(3) })
        {
            Timeout = TimeSpan.FromSeconds(10),
        };

    /// <summary>Sends <paramref name="body"/>; retries twice on a network failure or a 5xx.</summary>
    /// <exception cref="ArgumentException">The URL is not an absolute http(s) URL.</exception>
    /// <exception cref="CustomResourceAnswerException">Every attempt failed.</exception>
    public async Task PutAsync(string responseUrl, ReadOnlyMemory<byte> body, CancellationToken cancellationToken)
    {
        if (!Uri.TryCreate(responseUrl, UriKind.Absolute, out var url) || url.Scheme is not ("https" or "http"))
        {
            throw new ArgumentException("ResponseURL is not an absolute http(s) URL", nameof(responseUrl));
        }

        for (var attempt = 0; ; attempt++)
        {
            string failure;
            try
            {
                using var content = new ReadOnlyMemoryContent(body);
                content.Headers.ContentType = null;
                content.Headers.ContentLength = body.Length;
                using var request = new HttpRequestMessage(HttpMethod.Put, url) { Content = content };
                using var response = await _http.Value.SendAsync(request, HttpCompletionOption.ResponseHeadersRead, cancellationToken).ConfigureAwait(false);
                if (response.IsSuccessStatusCode)
                {
                    return;
                }

                failure = string.Create(CultureInfo.InvariantCulture, $"HTTP {(int)response.StatusCode}");
                if ((int)response.StatusCode < 500 && response.StatusCode != HttpStatusCode.TooManyRequests)
                {
                    // 403 (expired or altered signature) or 404 will not change on a retry.
                    throw new CustomResourceAnswerException($"the PUT to the ResponseURL on {url.Host} answered {failure}");
                }
            }
            catch (HttpRequestException e)
            {
                // HttpRequestException names host and port at most, never the query string.
                failure = e.HttpRequestError.ToString();
            }
            catch (TaskCanceledException) when (!cancellationToken.IsCancellationRequested)
            {
                failure = "timed out";
            }

            if (attempt >= Backoff.Length)
            {
                throw new CustomResourceAnswerException($"the PUT to the ResponseURL on {url.Host} failed {attempt + 1} times (last: {failure})");
            }

            await Task.Delay(Backoff[attempt], cancellationToken).ConfigureAwait(false);
        }
    }
}

/// <summary>The answer could not be delivered to CloudFormation. The message never contains the presigned URL.</summary>
public sealed class CustomResourceAnswerException(string message) : Exception(message);
