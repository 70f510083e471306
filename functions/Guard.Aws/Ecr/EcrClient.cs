using System.Text.Json;
using System.Text.Json.Serialization;
using Guard.Aws.Http;

namespace Guard.Aws.Ecr;

/// <summary>One image's manifest (or index) as ECR stores it: the bytes pushed, and what they are.</summary>
/// <param name="MediaType">ECR's <c>imageManifestMediaType</c>; null when it gave none (the document then says).</param>
public sealed record EcrManifest(string Digest, string? MediaType, byte[] Bytes);

/// <summary>The two ECR calls that read an image without the registry API (API version 2015-09-21).</summary>
public interface IEcrApi
{
    /// <summary>BatchGetImage for one image, by tag or digest. Failures (no such repository or image, access denied) surface as <see cref="AwsServiceException"/>.</summary>
    Task<EcrManifest> GetManifestAsync(string registryId, string repository, string? tag, string? digest, IReadOnlyList<string> acceptedMediaTypes, CancellationToken cancellationToken);

    /// <summary>GetDownloadUrlForLayer: a presigned URL of a blob the repository's images reference (a layer, or a config).</summary>
    Task<Uri> GetDownloadUrlAsync(string registryId, string repository, string digest, CancellationToken cancellationToken);
}

/// <summary>
/// <see cref="IEcrApi"/> over signed HTTP (JSON 1.1: a POST naming the operation in <c>X-Amz-Target</c>,
/// https://docs.aws.amazon.com/AmazonECR/latest/APIReference/): AWSSDK.ECR is not available here, and Guard needs two calls.
/// </summary>
public sealed class EcrClient : IEcrApi, IDisposable
{
    private const string TargetPrefix = "AmazonEC2ContainerRegistry_V20150921.";

    private readonly AwsHttpPipeline _pipeline;

    /// <param name="pipeline">A pipeline for <see cref="AwsService.Ecr"/> with <see cref="AwsErrorProtocol.RestJson"/>; the client owns it.</param>
    public EcrClient(AwsHttpPipeline pipeline)
    {
        ArgumentNullException.ThrowIfNull(pipeline);
        _pipeline = pipeline;
    }

    public static EcrClient Create(AwsEnvironment environment, IAwsCredentialsProvider credentials, AwsRetryOptions? retry = null, HttpMessageHandler? transport = null) =>
        new(AwsHttpPipeline.Create(environment, AwsService.Ecr, AwsErrorProtocol.RestJson, credentials, retry, transport));

    public async Task<EcrManifest> GetManifestAsync(
        string registryId, string repository, string? tag, string? digest, IReadOnlyList<string> acceptedMediaTypes, CancellationToken cancellationToken)
    {
        ArgumentException.ThrowIfNullOrEmpty(repository);
        ArgumentNullException.ThrowIfNull(acceptedMediaTypes);
        var request = new BatchGetImageRequest
        {
            RegistryId = registryId,
            RepositoryName = repository,
            ImageIds = [digest is not null ? new ImageIdentifier { ImageDigest = digest } : new ImageIdentifier { ImageTag = tag ?? "latest" }],
            AcceptedMediaTypes = [.. acceptedMediaTypes],
        };
        var (answer, status, requestId) = await _pipeline.SendJsonAsync(
            AwsActions.EcrBatchGetImage, TargetPrefix + "BatchGetImage", request,
            EcrJsonContext.Default.BatchGetImageRequest, EcrJsonContext.Default.BatchGetImageResponse, cancellationToken).ConfigureAwait(false);

        // BatchGetImage answers 200 for a missing image: the image's failure is in "failures", not in the status.
        if (answer.Images is [{ ImageManifest: { Length: > 0 } manifest } image, ..])
        {
            return new EcrManifest(image.ImageId?.ImageDigest ?? digest ?? "", image.ImageManifestMediaType, System.Text.Encoding.UTF8.GetBytes(manifest));
        }

        var failure = answer.Failures?.FirstOrDefault();
        throw new AwsServiceException(
            failure?.FailureCode ?? "ImageNotFound", status, failure?.FailureReason ?? "BatchGetImage returned no image", AwsActions.EcrBatchGetImage, requestId, null);
    }

    public async Task<Uri> GetDownloadUrlAsync(string registryId, string repository, string digest, CancellationToken cancellationToken)
    {
        ArgumentException.ThrowIfNullOrEmpty(repository);
        ArgumentException.ThrowIfNullOrEmpty(digest);
        var request = new GetDownloadUrlForLayerRequest { RegistryId = registryId, RepositoryName = repository, LayerDigest = digest };
        var (answer, status, requestId) = await _pipeline.SendJsonAsync(
            AwsActions.EcrGetDownloadUrlForLayer, TargetPrefix + "GetDownloadUrlForLayer", request,
            EcrJsonContext.Default.GetDownloadUrlForLayerRequest, EcrJsonContext.Default.GetDownloadUrlForLayerResponse, cancellationToken).ConfigureAwait(false);
        return Uri.TryCreate(answer.DownloadUrl, UriKind.Absolute, out var url) && url.Scheme is "https" or "http"
            ? url
            // Not the answer itself: a malformed one may still hold a signature.
            : throw new AwsServiceException("MalformedResponse", status, "GetDownloadUrlForLayer gave no usable downloadUrl", AwsActions.EcrGetDownloadUrlForLayer, requestId, null);
    }

    public void Dispose() => _pipeline.Dispose();
}

// ECR's JSON as it travels (camelCase, every field optional); only what Guard sends or reads.

internal sealed class BatchGetImageRequest
{
    public string? RegistryId { get; set; }
    public string? RepositoryName { get; set; }
    public List<ImageIdentifier>? ImageIds { get; set; }
    public List<string>? AcceptedMediaTypes { get; set; }
}

internal sealed class ImageIdentifier
{
    public string? ImageDigest { get; set; }
    public string? ImageTag { get; set; }
}

internal sealed class BatchGetImageResponse
{
    public List<EcrImageWire>? Images { get; set; }
    public List<ImageFailureWire>? Failures { get; set; }
}

internal sealed class EcrImageWire
{
    public ImageIdentifier? ImageId { get; set; }
    public string? ImageManifest { get; set; }
    public string? ImageManifestMediaType { get; set; }
}

internal sealed class ImageFailureWire
{
    public string? FailureCode { get; set; }
    public string? FailureReason { get; set; }
}

internal sealed class GetDownloadUrlForLayerRequest
{
    public string? RegistryId { get; set; }
    public string? RepositoryName { get; set; }
    public string? LayerDigest { get; set; }
}

internal sealed class GetDownloadUrlForLayerResponse
{
    public string? DownloadUrl { get; set; }
    public string? LayerDigest { get; set; }
}

/// <summary>Source-generated JSON for the ECR wire types (no reflection: Native AOT).</summary>
[JsonSourceGenerationOptions(PropertyNamingPolicy = JsonKnownNamingPolicy.CamelCase, DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull)]
[JsonSerializable(typeof(BatchGetImageRequest))]
[JsonSerializable(typeof(BatchGetImageResponse))]
[JsonSerializable(typeof(GetDownloadUrlForLayerRequest))]
[JsonSerializable(typeof(GetDownloadUrlForLayerResponse))]
internal sealed partial class EcrJsonContext : JsonSerializerContext;
