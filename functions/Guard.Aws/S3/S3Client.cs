using System.Globalization;
using System.Net.Http.Headers;
using System.Text;
using Guard.Aws.Http;

namespace Guard.Aws.S3;

/// <summary>
/// The S3 operations Guard uses, over signed HTTP (REST-XML) through the same <see cref="AwsHttpPipeline"/> as
/// Lambda and SNS: one signer, one retry policy, one error type (<see cref="AwsServiceException"/>, whose
/// <see cref="AwsServiceException.StatusCode"/> tells a missing object (404) from a refused one (403)).
/// </summary>
/// <remarks>
/// Not AWSSDK.S3: linked into the Native AOT Lambda, the SDK's S3 client and its marshallers grew the image by a
/// fifth and its start-up by ~0.6 ms, which the cold-start target (1.5x a bare runtime loop) did not leave room
/// for. Every body here is small (a ranged read, a JSON record, one upload part), so responses are read whole.
/// Buckets are addressed in the configured region: Lambda reads code only from a bucket in its own region.
/// </remarks>
public sealed class S3Client : IDisposable
{
    /// <summary>Long enough for one 8 MiB part or a migrated package over a slow uplink; a stalled transfer still ends.</summary>
    public static readonly TimeSpan TransferAttemptTimeout = TimeSpan.FromMinutes(5);

    private static readonly MediaTypeHeaderValue Xml = new("application/xml");

    private readonly AwsHttpPipeline _pipeline;
    private readonly S3Addressing _addressing;

    /// <param name="pipeline">A pipeline for <see cref="AwsService.S3"/> with <see cref="AwsErrorProtocol.RestXml"/>; the client owns it.</param>
    public S3Client(AwsHttpPipeline pipeline, S3Addressing addressing)
    {
        ArgumentNullException.ThrowIfNull(pipeline);
        ArgumentNullException.ThrowIfNull(addressing);
        _pipeline = pipeline;
        _addressing = addressing;
    }

    /// <summary>
    /// A client for <paramref name="environment"/>'s region: <c>AWS_ENDPOINT_URL_S3</c>, then <c>AWS_ENDPOINT_URL</c>,
    /// with path-style addressing (emulators and custom endpoints rarely resolve <c>bucket.host</c> names), else
    /// the regional endpoint with virtual-hosted addressing.
    /// </summary>
    public static S3Client Create(AwsEnvironment environment, IAwsCredentialsProvider credentials, AwsRetryOptions? retry = null, HttpMessageHandler? transport = null)
    {
        ArgumentNullException.ThrowIfNull(environment);
        var addressing = S3Addressing.For(environment);
        return new S3Client(AwsHttpPipeline.Create(environment, AwsService.S3, AwsErrorProtocol.RestXml, credentials, retry, transport), addressing);
    }

    /// <summary>GetObject, whole or one range.</summary>
    /// <exception cref="AwsServiceException">Including 404 (missing key, bucket or version), 412 (If-Match failed) and 416 (range past the end).</exception>
    public async Task<S3ObjectContent> GetObjectAsync(S3ObjectRequest request, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(request);
        var action = request.VersionId is null ? AwsActions.S3GetObject : AwsActions.S3GetObjectVersion;
        var uri = _addressing.ObjectUri(request.Bucket, request.Key, Query(("versionId", request.VersionId)));
        var response = await _pipeline.SendAsync(action, () =>
        {
            var message = new HttpRequestMessage(HttpMethod.Get, uri);
            if (request.Range is { } range)
            {
                message.Headers.TryAddWithoutValidation("Range", range);
            }

            if (request.IfMatch is { } eTag)
            {
                message.Headers.TryAddWithoutValidation("If-Match", eTag);
            }

            return message;
        }, cancellationToken).ConfigureAwait(false);

        return new S3ObjectContent(response.Body, response.Header("ETag"), response.Header("Content-Range"));
    }

    /// <summary>GetObject of a whole object, or null when the key does not exist.</summary>
    public async Task<byte[]?> TryGetObjectAsync(string bucket, string key, CancellationToken cancellationToken)
    {
        try
        {
            return (await GetObjectAsync(new S3ObjectRequest(bucket, key), cancellationToken).ConfigureAwait(false)).Body;
        }
        catch (AwsServiceException e) when (e.StatusCode == 404)
        {
            return null;
        }
    }

    /// <summary>HeadObject: whether the key exists (403 still throws: without s3:ListBucket S3 says 403 for a missing key).</summary>
    public async Task<bool> ExistsAsync(string bucket, string key, CancellationToken cancellationToken)
    {
        var uri = _addressing.ObjectUri(bucket, key);
        try
        {
            await _pipeline.SendAsync(AwsActions.S3GetObject, () => new HttpRequestMessage(HttpMethod.Head, uri), cancellationToken).ConfigureAwait(false);
            return true;
        }
        catch (AwsServiceException e) when (e.StatusCode == 404)
        {
            return false;
        }
    }

    /// <summary>PutObject from memory; returns the ETag.</summary>
    public async Task<string?> PutObjectAsync(string bucket, string key, ReadOnlyMemory<byte> body, string contentType, CancellationToken cancellationToken)
    {
        var uri = _addressing.ObjectUri(bucket, key);
        var response = await _pipeline.SendAsync(
            AwsActions.S3PutObject,
            () => HashedPut(uri, body, contentType),
            cancellationToken,
            TransferAttemptTimeout).ConfigureAwait(false);
        return response.Header("ETag");
    }

    /// <summary>
    /// PutObject with <c>If-None-Match: *</c>: true when this call created the object, false when it already
    /// existed (412) or a concurrent conditional write won (409). S3 is the arbiter between racing writers.
    /// </summary>
    public async Task<bool> TryCreateObjectAsync(string bucket, string key, ReadOnlyMemory<byte> body, string contentType, CancellationToken cancellationToken)
    {
        var uri = _addressing.ObjectUri(bucket, key);
        try
        {
            await _pipeline.SendAsync(AwsActions.S3PutObject, () =>
            {
                var message = new HttpRequestMessage(HttpMethod.Put, uri) { Content = Body(body, contentType) };
                message.Headers.TryAddWithoutValidation("If-None-Match", "*");
                return message;
            }, cancellationToken).ConfigureAwait(false);
            return true;
        }
        catch (AwsServiceException e) when (e.StatusCode is 412 or 409)
        {
            return false;
        }
    }

    /// <summary>
    /// PutObject of a local file, streamed. The payload hash is computed first and sent as
    /// <c>x-amz-content-sha256</c>, so the signer never buffers the file and S3 rejects a body that changed.
    /// </summary>
    public async Task PutFileAsync(string bucket, string key, string path, string contentType, CancellationToken cancellationToken)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        string sha256;
        var file = File.OpenRead(path);
        await using (file.ConfigureAwait(false))
        {
            sha256 = Convert.ToHexStringLower(await System.Security.Cryptography.SHA256.HashDataAsync(file, cancellationToken).ConfigureAwait(false));
        }

        var uri = _addressing.ObjectUri(bucket, key);
        await _pipeline.SendAsync(AwsActions.S3PutObject, () =>
        {
            var content = new StreamContent(File.OpenRead(path));
            content.Headers.ContentType = new MediaTypeHeaderValue(contentType);
            var message = new HttpRequestMessage(HttpMethod.Put, uri) { Content = content };
            message.Headers.TryAddWithoutValidation("x-amz-content-sha256", sha256);
            return message;
        }, cancellationToken, TransferAttemptTimeout).ConfigureAwait(false);
    }

    /// <summary>DeleteObject; deleting a missing key succeeds.</summary>
    public async Task DeleteObjectAsync(string bucket, string key, CancellationToken cancellationToken)
    {
        var uri = _addressing.ObjectUri(bucket, key);
        await _pipeline.SendAsync(AwsActions.S3DeleteObject, () => new HttpRequestMessage(HttpMethod.Delete, uri), cancellationToken).ConfigureAwait(false);
    }

    /// <summary>ListObjectsV2, one page.</summary>
    public async Task<S3ListPage> ListObjectsAsync(string bucket, string? prefix, string? continuationToken, CancellationToken cancellationToken)
    {
        var uri = _addressing.BucketUri(bucket, Query(("list-type", "2"), ("prefix", prefix), ("continuation-token", continuationToken)));
        var response = await _pipeline.SendAsync(AwsActions.S3ListBucket, () => new HttpRequestMessage(HttpMethod.Get, uri), cancellationToken).ConfigureAwait(false);
        var result = Parse(response, AwsActions.S3ListBucket);
        var keys = result.Children.Where(e => e.Name == "Contents")
            .Select(e => e.ChildText("Key"))
            .OfType<string>()
            .ToList();
        var truncated = string.Equals(result.ChildText("IsTruncated"), "true", StringComparison.OrdinalIgnoreCase);
        var next = result.ChildText("NextContinuationToken");
        return new S3ListPage(keys, truncated && !string.IsNullOrEmpty(next) ? next : null);
    }

    /// <summary>
    /// CopyObject, server-side, asking S3 for the copy's whole-object SHA-256 (null when S3 gives none). A copy
    /// can fail after S3 has answered 200: the body then holds an <c>Error</c>, raised here like any other.
    /// </summary>
    public async Task<S3CopyResult> CopyObjectAsync(S3ObjectRequest source, string bucket, string key, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(source);
        var uri = _addressing.ObjectUri(bucket, key);
        var copySource = "/" + source.Bucket + "/" + S3Addressing.EscapeKey(source.Key)
            + (source.VersionId is null ? "" : "?versionId=" + Uri.EscapeDataString(source.VersionId));
        var response = await _pipeline.SendAsync(AwsActions.S3PutObject, () =>
        {
            var message = new HttpRequestMessage(HttpMethod.Put, uri);
            message.Headers.TryAddWithoutValidation("x-amz-copy-source", copySource);
            message.Headers.TryAddWithoutValidation("x-amz-checksum-algorithm", "SHA256");
            return message;
        }, cancellationToken, TransferAttemptTimeout).ConfigureAwait(false);
        var result = Parse(response, AwsActions.S3PutObject);
        return new S3CopyResult(result.Find("ChecksumSHA256")?.Text is { Length: > 0 } checksum ? checksum : null);
    }

    /// <summary>CreateMultipartUpload; returns the upload id.</summary>
    public async Task<string> CreateMultipartUploadAsync(string bucket, string key, string contentType, CancellationToken cancellationToken)
    {
        var uri = _addressing.ObjectUri(bucket, key, "uploads");
        var response = await _pipeline.SendAsync(
            AwsActions.S3PutObject,
            () => new HttpRequestMessage(HttpMethod.Post, uri) { Content = Body(ReadOnlyMemory<byte>.Empty, contentType) },
            cancellationToken).ConfigureAwait(false);
        return Parse(response, AwsActions.S3PutObject).Find("UploadId")?.Text is { Length: > 0 } uploadId
            ? uploadId
            : throw Malformed(response, AwsActions.S3PutObject, "CreateMultipartUpload answer has no UploadId");
    }

    /// <summary>UploadPart; returns the part's ETag.</summary>
    public async Task<S3Part> UploadPartAsync(string bucket, string key, string uploadId, int partNumber, ReadOnlyMemory<byte> body, CancellationToken cancellationToken)
    {
        var uri = _addressing.ObjectUri(bucket, key, Query(("partNumber", partNumber.ToString(CultureInfo.InvariantCulture)), ("uploadId", uploadId)));
        var response = await _pipeline.SendAsync(
            AwsActions.S3PutObject,
            () => HashedPut(uri, body, "application/octet-stream"),
            cancellationToken,
            TransferAttemptTimeout).ConfigureAwait(false);
        return response.Header("ETag") is { Length: > 0 } eTag
            ? new S3Part(partNumber, eTag)
            : throw Malformed(response, AwsActions.S3PutObject, "UploadPart answer has no ETag");
    }

    /// <summary>CompleteMultipartUpload; like a copy, it can fail inside a 200 answer.</summary>
    public async Task CompleteMultipartUploadAsync(string bucket, string key, string uploadId, IReadOnlyList<S3Part> parts, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(parts);
        var uri = _addressing.ObjectUri(bucket, key, Query(("uploadId", uploadId)));
        var document = new StringBuilder("<CompleteMultipartUpload>");
        foreach (var part in parts)
        {
            document.Append(CultureInfo.InvariantCulture, $"<Part><PartNumber>{part.PartNumber}</PartNumber><ETag>{AwsXml.Escape(part.ETag)}</ETag></Part>");
        }

        var body = Encoding.UTF8.GetBytes(document.Append("</CompleteMultipartUpload>").ToString());
        var response = await _pipeline.SendAsync(
            AwsActions.S3PutObject,
            () => new HttpRequestMessage(HttpMethod.Post, uri) { Content = Body(body, "application/xml") },
            cancellationToken,
            TransferAttemptTimeout).ConfigureAwait(false);
        Parse(response, AwsActions.S3PutObject);
    }

    /// <summary>AbortMultipartUpload, so the parts are not billed until a lifecycle rule clears them.</summary>
    public async Task AbortMultipartUploadAsync(string bucket, string key, string uploadId, CancellationToken cancellationToken)
    {
        var uri = _addressing.ObjectUri(bucket, key, Query(("uploadId", uploadId)));
        await _pipeline.SendAsync(AwsActions.S3AbortMultipartUpload, () => new HttpRequestMessage(HttpMethod.Delete, uri), cancellationToken).ConfigureAwait(false);
    }

    public void Dispose() => _pipeline.Dispose();

    /// <summary>
    /// A PUT whose payload hash is computed here over the caller's buffer and sent as <c>x-amz-content-sha256</c>:
    /// the signer then signs that value instead of reading the body into a copy of its own, so an 8 MiB part costs
    /// its one buffer, not two.
    /// </summary>
    private static HttpRequestMessage HashedPut(Uri uri, ReadOnlyMemory<byte> body, string contentType)
    {
        Span<byte> digest = stackalloc byte[32];
        System.Security.Cryptography.SHA256.HashData(body.Span, digest);
        var message = new HttpRequestMessage(HttpMethod.Put, uri) { Content = Body(body, contentType) };
        message.Headers.TryAddWithoutValidation("x-amz-content-sha256", Convert.ToHexStringLower(digest));
        return message;
    }

    private static ReadOnlyMemoryContent Body(ReadOnlyMemory<byte> body, string contentType)
    {
        var content = new ReadOnlyMemoryContent(body);
        content.Headers.ContentType = contentType == "application/xml" ? Xml : new MediaTypeHeaderValue(contentType);
        return content;
    }

    /// <summary>The answer's root element; an <c>Error</c> root (S3's failure inside a 200) becomes the exception it stands for.</summary>
    private static AwsXmlElement Parse(AwsHttpResponse response, string action)
    {
        var document = AwsXml.TryParse(response.Body)
            ?? throw Malformed(response, action, "answer is not XML");
        if (document.Name == "Error")
        {
            var error = AwsErrorParser.Parse(500, document);
            // "InternalError" inside a 200 is S3's documented transient failure; status 500 keeps it retryable for the caller.
            throw new AwsServiceException(error.Code, 500, error.Message, action, response.RequestId, null);
        }

        return document;
    }

    private static AwsServiceException Malformed(AwsHttpResponse response, string action, string what) =>
        new("MalformedResponse", response.StatusCode, what, action, response.RequestId, null);

    private static string? Query(params (string Name, string? Value)[] parameters)
    {
        var present = parameters.Where(p => p.Value is not null).Select(p => p.Name + "=" + Uri.EscapeDataString(p.Value!)).ToList();
        return present.Count == 0 ? null : string.Join('&', present);
    }
}

/// <summary>One object, whole or a range of it.</summary>
/// <param name="Range">An HTTP <c>Range</c> value, e.g. <c>bytes=-65536</c> or <c>bytes=0-1023</c>.</param>
/// <param name="IfMatch">An ETag the object must still have (412 otherwise).</param>
public sealed record S3ObjectRequest(string Bucket, string Key, string? VersionId = null, string? Range = null, string? IfMatch = null);

/// <param name="ContentRange">The <c>Content-Range</c> header, present when a range was served.</param>
public sealed record S3ObjectContent(byte[] Body, string? ETag, string? ContentRange);

/// <param name="ContinuationToken">The token for the next page, or null on the last.</param>
public sealed record S3ListPage(IReadOnlyList<string> Keys, string? ContinuationToken);

/// <param name="ChecksumSha256">Base64 SHA-256 of the copied object, when S3 computed one.</param>
public sealed record S3CopyResult(string? ChecksumSha256);

public sealed record S3Part(int PartNumber, string ETag);
