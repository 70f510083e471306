using System.Text.Json;
using System.Text.Json.Serialization;

namespace Guard.Inspection.Images;

/// <summary>
/// The media types of the OCI image specification (image-spec v1.1, <c>media-types.md</c>) and of Docker's image
/// manifest v2 schema 2 (distribution <c>docs/spec/manifest-v2-2.md</c>) that Guard tells apart.
/// </summary>
public static class ImageMediaTypes
{
    public const string OciIndex = "application/vnd.oci.image.index.v1+json";
    public const string OciManifest = "application/vnd.oci.image.manifest.v1+json";
    public const string OciConfig = "application/vnd.oci.image.config.v1+json";
    public const string OciLayer = "application/vnd.oci.image.layer.v1.tar";
    public const string OciLayerGzip = "application/vnd.oci.image.layer.v1.tar+gzip";
    public const string OciLayerZstd = "application/vnd.oci.image.layer.v1.tar+zstd";
    public const string DockerManifestList = "application/vnd.docker.distribution.manifest.list.v2+json";
    public const string DockerManifest = "application/vnd.docker.distribution.manifest.v2+json";
    public const string DockerManifestSchema1 = "application/vnd.docker.distribution.manifest.v1+prettyjws";
    public const string DockerConfig = "application/vnd.docker.container.image.v1+json";
    public const string DockerLayer = "application/vnd.docker.image.rootfs.diff.tar";
    public const string DockerLayerGzip = "application/vnd.docker.image.rootfs.diff.tar.gzip";

    /// <summary>What a registry is asked to answer with for a manifest reference: every kind Guard reads.</summary>
    public static IReadOnlyList<string> Accepted { get; } = [OciManifest, OciIndex, DockerManifest, DockerManifestList];

    public static bool IsIndex(string? mediaType) => mediaType is OciIndex or DockerManifestList;

    public static bool IsManifest(string? mediaType) => mediaType is OciManifest or DockerManifest;

    /// <summary>Layers Guard reads and Lambda takes: tar, plain or gzip, in either spec's spelling.</summary>
    public static bool IsReadableLayer(string? mediaType) => mediaType is OciLayer or OciLayerGzip or DockerLayer or DockerLayerGzip;
}

/// <summary>A content descriptor (image-spec <c>descriptor.md</c>): what a manifest or index points at.</summary>
public sealed record ImageDescriptor(
    string? MediaType,
    string Digest,
    long Size,
    ImagePlatform? Platform = null,
    IReadOnlyDictionary<string, string>? Annotations = null)
{
    /// <summary>BuildKit's annotation on the provenance/SBOM manifests it adds to an index (<c>attestation-manifest</c>).</summary>
    public const string ReferenceTypeAnnotation = "vnd.docker.reference.type";

    public bool IsAttestation => Annotations is not null && Annotations.TryGetValue(ReferenceTypeAnnotation, out var type) && type == "attestation-manifest";
}

public sealed record ImagePlatform(string? Architecture, [property: JsonPropertyName("os")] string? OperatingSystem, string? Variant = null);

/// <summary>An index (OCI) or manifest list (Docker): one manifest per platform, plus any attestations.</summary>
public sealed record ImageIndex(int SchemaVersion, string? MediaType, IReadOnlyList<ImageDescriptor>? Manifests);

/// <summary>An image manifest: its config and its layers, bottom first.</summary>
public sealed record ImageManifest(int SchemaVersion, string? MediaType, ImageDescriptor? Config, IReadOnlyList<ImageDescriptor>? Layers);

/// <summary>The image configuration (image-spec <c>config.md</c>): the platform and how the container starts.</summary>
public sealed record ImageConfiguration(
    string? Architecture,
    [property: JsonPropertyName("os")] string? OperatingSystem,
    string? Variant,
    [property: JsonPropertyName("config")] ContainerConfig? Container);

/// <summary>The parts of the config's <c>config</c> object that decide what Lambda execs; Docker's capitalised names.</summary>
public sealed record ContainerConfig(
    [property: JsonPropertyName("Entrypoint")] IReadOnlyList<string>? Entrypoint,
    [property: JsonPropertyName("Cmd")] IReadOnlyList<string>? Cmd,
    [property: JsonPropertyName("WorkingDir")] string? WorkingDir,
    [property: JsonPropertyName("Env")] IReadOnlyList<string>? Env);

/// <summary>The top of <c>docker save</c>'s legacy archive: one entry per image, paths inside the tar.</summary>
internal sealed record DockerArchiveEntry(
    [property: JsonPropertyName("Config")] string Config,
    [property: JsonPropertyName("Layers")] IReadOnlyList<string> Layers);

/// <summary>A document that could not be read as the image format it claims.</summary>
public sealed class InvalidImageException(string message) : Exception(message);

[JsonSourceGenerationOptions(PropertyNamingPolicy = JsonKnownNamingPolicy.CamelCase, PropertyNameCaseInsensitive = false)]
[JsonSerializable(typeof(ImageIndex))]
[JsonSerializable(typeof(ImageManifest))]
[JsonSerializable(typeof(ImageConfiguration))]
[JsonSerializable(typeof(DockerArchiveEntry[]))]
internal sealed partial class ImageJsonContext : JsonSerializerContext;

/// <summary>Parses the documents, turning malformed JSON into <see cref="InvalidImageException"/>.</summary>
internal static class ImageJson
{
    /// <summary>The <c>mediaType</c> a document declares about itself; null when it declares none (older OCI writers).</summary>
    public static string? MediaTypeOf(ReadOnlySpan<byte> json)
    {
        try
        {
            var reader = new Utf8JsonReader(json);
            using var document = JsonDocument.ParseValue(ref reader);
            if (document.RootElement.ValueKind != JsonValueKind.Object)
            {
                throw new InvalidImageException("the document is not a JSON object");
            }

            if (document.RootElement.TryGetProperty("mediaType", out var mediaType) && mediaType.ValueKind == JsonValueKind.String)
            {
                return mediaType.GetString();
            }

            // An OCI index without mediaType still has manifests; a manifest has layers.
            return document.RootElement.TryGetProperty("manifests", out _) ? ImageMediaTypes.OciIndex
                : document.RootElement.TryGetProperty("layers", out _) ? ImageMediaTypes.OciManifest
                : document.RootElement.TryGetProperty("schemaVersion", out var version) && version.ValueKind == JsonValueKind.Number && version.GetInt32() == 1 ? ImageMediaTypes.DockerManifestSchema1
                : null;
        }
        catch (JsonException e)
        {
            throw new InvalidImageException($"the document is not JSON: {e.Message}");
        }
    }

    public static T Parse<T>(ReadOnlySpan<byte> json, System.Text.Json.Serialization.Metadata.JsonTypeInfo<T> type, string what)
    {
        try
        {
            return JsonSerializer.Deserialize(json, type) ?? throw new InvalidImageException($"{what} is empty");
        }
        catch (JsonException e)
        {
            throw new InvalidImageException($"{what} is not valid: {e.Message}");
        }
    }
}
