using System.Security.Cryptography;

namespace Guard.Aws.Http;

/// <summary>
/// Signs every request that passes (<see cref="SigV4Signer"/>) with the current time and the provider's current
/// credentials, so each retry of the pipeline above carries a fresh signature. The body's hash is the
/// <c>x-amz-content-sha256</c> the caller set (a streamed upload hashes its file once, up front) or, for a buffered
/// body, computed here; S3, which requires that header, gets it set.
/// </summary>
public sealed class SigV4SigningHandler : DelegatingHandler
{
    private const string ContentHashHeader = "x-amz-content-sha256";

    private readonly IAwsCredentialsProvider _credentials;
    private readonly string _region;
    private readonly string _service;
    private readonly bool _s3;
    private readonly TimeProvider _time;

    public SigV4SigningHandler(IAwsCredentialsProvider credentials, string region, AwsService service, HttpMessageHandler innerHandler, TimeProvider? timeProvider = null)
        : base(innerHandler)
    {
        ArgumentNullException.ThrowIfNull(credentials);
        ArgumentException.ThrowIfNullOrEmpty(region);
        ArgumentNullException.ThrowIfNull(service);
        _credentials = credentials;
        _region = region;
        _service = service.SigningName;
        _s3 = service == AwsService.S3;
        _time = timeProvider ?? TimeProvider.System;
    }

    protected override async Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
    {
        var credentials = await _credentials.GetCredentialsAsync(cancellationToken).ConfigureAwait(false);
        var payloadHash = await PayloadHashAsync(request, cancellationToken).ConfigureAwait(false);
        if (_s3 && !request.Headers.Contains(ContentHashHeader))
        {
            request.Headers.TryAddWithoutValidation(ContentHashHeader, payloadHash);
        }

        SigV4Signer.Sign(request, credentials, _region, _service, _time.GetUtcNow(), payloadHash, _s3);
        return await base.SendAsync(request, cancellationToken).ConfigureAwait(false);
    }

    protected override HttpResponseMessage Send(HttpRequestMessage request, CancellationToken cancellationToken) =>
        throw new NotSupportedException("AWS requests are sent asynchronously.");

    private static async ValueTask<string> PayloadHashAsync(HttpRequestMessage request, CancellationToken cancellationToken)
    {
        if (request.Headers.TryGetValues(ContentHashHeader, out var given) && given.FirstOrDefault() is { Length: > 0 } hash)
        {
            return hash;
        }

        if (request.Content is null)
        {
            return SigV4Signer.EmptyPayloadHash;
        }

        // Buffers the body in the content, which then sends the same bytes: only small bodies come here (JSON, forms,
        // one S3 part); a streamed file sets its hash above.
        var body = await request.Content.ReadAsByteArrayAsync(cancellationToken).ConfigureAwait(false);
        return Convert.ToHexStringLower(SHA256.HashData(body));
    }
}
