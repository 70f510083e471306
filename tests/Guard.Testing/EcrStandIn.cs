using System.Collections.Concurrent;
using System.Net;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace Guard.Testing;

/// <summary>One ECR API call as the stand-in received it.</summary>
/// <param name="Operation"><c>BatchGetImage</c> or <c>GetDownloadUrlForLayer</c> (X-Amz-Target without its prefix).</param>
/// <param name="ImageId">BatchGetImage's <c>imageTag</c> or <c>imageDigest</c>; GetDownloadUrlForLayer's <c>layerDigest</c>.</param>
/// <param name="AcceptedMediaTypes">BatchGetImage's <c>acceptedMediaTypes</c>; empty when none were sent.</param>
public sealed record EcrCall(string Operation, string? RegistryId, string Repository, string? ImageId, IReadOnlyList<string> AcceptedMediaTypes);

/// <summary>
/// ECR's API on 127.0.0.1 for the two calls Guard makes, shaped after the API reference (moto serves BatchGetImage but
/// not GetDownloadUrlForLayer): JSON 1.1 POSTs named by <c>X-Amz-Target: AmazonEC2ContainerRegistry_V20150921.…</c>,
/// signed with SigV4 for <c>ecr</c>. BatchGetImage answers 200 with <c>images</c> and <c>failures</c> (a missing image is
/// a failure, not an error status; a manifest of a type not in <c>acceptedMediaTypes</c> is <c>UnsupportedImageType</c>),
/// a missing repository is <c>RepositoryNotFoundException</c>; GetDownloadUrlForLayer answers a presigned-looking URL on
/// this server, whose blobs are served with Range only when the URL's signature is sent. Registries of other accounts
/// can be refused (<see cref="Deny"/>), as a repository policy that does not name the caller refuses them.
/// </summary>
public sealed class EcrStandIn : IAsyncDisposable
{
    public const string TargetPrefix = "AmazonEC2ContainerRegistry_V20150921.";

    /// <summary>The query every download URL carries: a test asserts it never reaches a report or a message.</summary>
    public const string Signature = "X-Amz-Signature=ecr-stand-in-secret";

    public const string Region = "us-east-1";

    private readonly ConcurrentDictionary<(string Account, string Repository), Repository> _repositories = new();
    private readonly ConcurrentQueue<EcrCall> _calls = new();
    private readonly ConcurrentQueue<string> _blobReads = new();
    private readonly ConcurrentDictionary<string, bool> _denied = new(StringComparer.Ordinal);
    private readonly LoopbackHttpListener _listener;

    private EcrStandIn() => _listener = LoopbackHttpListener.Start(HandleAsync);

    public static EcrStandIn Start() => new();

    /// <summary>What <c>AWS_ENDPOINT_URL_ECR</c> points at.</summary>
    public Uri Endpoint => _listener.BaseAddress;

    public IReadOnlyList<EcrCall> Calls => [.. _calls];

    /// <summary>Blob GETs by digest, in arrival order.</summary>
    public IReadOnlyList<string> BlobReads => [.. _blobReads];

    /// <summary>
    /// Pushes <paramref name="image"/> to <paramref name="repository"/> of <paramref name="account"/>'s registry under
    /// <paramref name="tag"/>; returns the image URI by tag (Lambda's ImageUri). <see cref="ResolvedUri"/> gives it by digest.
    /// </summary>
    public string Push(BuiltImage image, string repository = "guard/app", string tag = "latest", string account = FunctionCatalogStandIn.Account)
    {
        ArgumentNullException.ThrowIfNull(image);
        var stored = _repositories.GetOrAdd((account, repository), _ => new Repository());
        foreach (var (digest, bytes) in image.Blobs)
        {
            stored.Blobs[digest] = bytes;
        }

        stored.Tags[tag] = image.TopDigest;
        stored.TopTypes[image.TopDigest] = image.TopMediaType;
        return $"{account}.dkr.ecr.{Region}.amazonaws.com/{repository}:{tag}";
    }

    /// <summary>
    /// Serves <paramref name="image"/>'s top document under another <paramref name="digest"/> as well: what moto's stubbed
    /// ECR makes a function's ResolvedImageUri name (the sha256 of the ImageUri's text).
    /// </summary>
    public void AlsoAs(string digest, BuiltImage image, string repository = "guard/app", string account = FunctionCatalogStandIn.Account)
    {
        ArgumentNullException.ThrowIfNull(image);
        var stored = _repositories.GetOrAdd((account, repository), _ => new Repository());
        stored.Blobs[digest] = image.TopBytes;
        stored.TopTypes[digest] = image.TopMediaType;
    }

    /// <summary>The URI pinned to the image's digest, as Lambda's <c>ResolvedImageUri</c> names it.</summary>
    public static string ResolvedUri(BuiltImage image, string repository = "guard/app", string account = FunctionCatalogStandIn.Account) =>
        $"{account}.dkr.ecr.{Region}.amazonaws.com/{repository}@{image.TopDigest}";

    /// <summary>Refuses every call on <paramref name="account"/>'s registry with AccessDeniedException.</summary>
    public void Deny(string account) => _denied[account] = true;

    private async Task HandleAsync(HttpListenerContext context)
    {
        var request = context.Request;
        var response = context.Response;
        try
        {
            if (request.HttpMethod == "GET" && request.Url!.AbsolutePath.StartsWith("/blobs/", StringComparison.Ordinal))
            {
                await ServeBlobAsync(request, response);
                return;
            }

            var target = request.Headers["X-Amz-Target"] ?? "";
            var authorization = request.Headers["Authorization"] ?? "";
            if (request.HttpMethod != "POST" || request.ContentType != "application/x-amz-json-1.1" || !target.StartsWith(TargetPrefix, StringComparison.Ordinal))
            {
                await ErrorAsync(response, 400, "SerializationException", "expected a JSON 1.1 POST naming an ECR operation");
                return;
            }

            if (!authorization.StartsWith("AWS4-HMAC-SHA256 ", StringComparison.Ordinal) || !authorization.Contains($"/{Region}/ecr/aws4_request", StringComparison.Ordinal))
            {
                await ErrorAsync(response, 403, "InvalidSignatureException", "requests must be signed with SigV4 for ecr in " + Region);
                return;
            }

            using var reader = new StreamReader(request.InputStream, Encoding.UTF8);
            var body = JsonNode.Parse(await reader.ReadToEndAsync())!.AsObject();
            var operation = target[TargetPrefix.Length..];
            var registry = (string?)body["registryId"];
            var repositoryName = (string?)body["repositoryName"] ?? "";
            var account = registry ?? FunctionCatalogStandIn.Account;
            switch (operation)
            {
                case "BatchGetImage":
                    var id = body["imageIds"]?.AsArray().FirstOrDefault();
                    var accepted = body["acceptedMediaTypes"]?.AsArray().Select(t => (string)t!).ToArray() ?? [];
                    _calls.Enqueue(new EcrCall(operation, registry, repositoryName, (string?)id?["imageDigest"] ?? (string?)id?["imageTag"], accepted));
                    if (await RefusedAsync(response, account, repositoryName) is not { } repository)
                    {
                        return;
                    }

                    await WriteJsonAsync(response, BatchGetImage(account, repositoryName, repository, id, accepted));
                    return;

                case "GetDownloadUrlForLayer":
                    var digest = (string?)body["layerDigest"] ?? "";
                    _calls.Enqueue(new EcrCall(operation, registry, repositoryName, digest, []));
                    if (await RefusedAsync(response, account, repositoryName) is not { } holder)
                    {
                        return;
                    }

                    if (!holder.Blobs.ContainsKey(digest) || holder.TopTypes.ContainsKey(digest))
                    {
                        await ErrorAsync(response, 400, "LayersNotFoundException", $"The specified layers {digest} could not be found.");
                        return;
                    }

                    var url = new Uri(Endpoint, $"blobs/{account}/{repositoryName}/{digest}?{Signature}&X-Amz-Expires=3600");
                    await WriteJsonAsync(response, new JsonObject { ["downloadUrl"] = url.AbsoluteUri, ["layerDigest"] = digest });
                    return;

                default:
                    await ErrorAsync(response, 400, "UnknownOperationException", operation);
                    return;
            }
        }
        finally
        {
            response.Close();
        }
    }

    private async Task<Repository?> RefusedAsync(HttpListenerResponse response, string account, string repositoryName)
    {
        if (_denied.ContainsKey(account))
        {
            await ErrorAsync(response, 400, "AccessDeniedException", $"User is not authorized to perform this action on repository {repositoryName} in registry {account} because no resource-based policy allows it");
            return null;
        }

        if (!_repositories.TryGetValue((account, repositoryName), out var repository))
        {
            await ErrorAsync(response, 400, "RepositoryNotFoundException", $"The repository with name '{repositoryName}' does not exist in the registry with id '{account}'");
            return null;
        }

        return repository;
    }

    private static JsonObject BatchGetImage(string account, string repositoryName, Repository repository, JsonNode? id, string[] accepted)
    {
        var images = new JsonArray();
        var failures = new JsonArray();
        var tag = (string?)id?["imageTag"];
        var digest = (string?)id?["imageDigest"] ?? (tag is not null && repository.Tags.TryGetValue(tag, out var tagged) ? tagged : null);
        if (digest is null || !repository.Blobs.TryGetValue(digest, out var manifest) || !IsManifest(manifest))
        {
            failures.Add(new JsonObject { ["imageId"] = id?.DeepClone(), ["failureCode"] = "ImageNotFound", ["failureReason"] = "Requested image not found" });
        }
        else if (MediaTypeOf(manifest) is var type && accepted.Length > 0 && !accepted.Contains(type, StringComparer.Ordinal))
        {
            failures.Add(new JsonObject { ["imageId"] = id?.DeepClone(), ["failureCode"] = "UnsupportedImageType", ["failureReason"] = $"The image's media type {type} is not accepted" });
        }
        else
        {
            var imageId = new JsonObject { ["imageDigest"] = digest };
            if (tag is not null)
            {
                imageId["imageTag"] = tag;
            }

            images.Add(new JsonObject
            {
                ["registryId"] = account,
                ["repositoryName"] = repositoryName,
                ["imageId"] = imageId,
                ["imageManifest"] = Encoding.UTF8.GetString(manifest),
                ["imageManifestMediaType"] = type,
            });
        }

        return new JsonObject { ["images"] = images, ["failures"] = failures };
    }

    private static string MediaTypeOf(byte[] manifest)
    {
        using var document = JsonDocument.Parse(manifest);
        return document.RootElement.GetProperty("mediaType").GetString()!;
    }

    private static bool IsManifest(byte[] blob)
    {
        try
        {
            using var document = JsonDocument.Parse(blob);
            return document.RootElement.ValueKind == JsonValueKind.Object && document.RootElement.TryGetProperty("schemaVersion", out _)
                && (document.RootElement.TryGetProperty("layers", out _) || document.RootElement.TryGetProperty("manifests", out _));
        }
        catch (JsonException)
        {
            return false;
        }
    }

    private async Task ServeBlobAsync(HttpListenerRequest request, HttpListenerResponse response)
    {
        // /blobs/{account}/{repository...}/{digest}
        var parts = request.Url!.AbsolutePath["/blobs/".Length..].Split('/');
        var digest = Uri.UnescapeDataString(parts[^1]);
        var repositoryName = string.Join('/', parts[1..^1]);
        _blobReads.Enqueue(digest);
        if (!request.Url.Query.Contains(Signature, StringComparison.Ordinal))
        {
            response.StatusCode = 403;
            return;
        }

        if (!_repositories.TryGetValue((parts[0], repositoryName), out var repository) || !repository.Blobs.TryGetValue(digest, out var blob))
        {
            response.StatusCode = 404;
            return;
        }

        await RegistryStandIn.WriteAsync(response, 200, "application/octet-stream", blob, request.Headers["Range"]);
    }

    private static Task WriteJsonAsync(HttpListenerResponse response, JsonObject body) =>
        RegistryStandIn.WriteAsync(response, 200, "application/x-amz-json-1.1", Encoding.UTF8.GetBytes(body.ToJsonString()), null);

    private static Task ErrorAsync(HttpListenerResponse response, int status, string type, string message) =>
        RegistryStandIn.WriteAsync(response, status, "application/x-amz-json-1.1", Encoding.UTF8.GetBytes(new JsonObject { ["__type"] = type, ["message"] = message }.ToJsonString()), null);

    public ValueTask DisposeAsync() => _listener.DisposeAsync();

    private sealed class Repository
    {
        public ConcurrentDictionary<string, byte[]> Blobs { get; } = new(StringComparer.Ordinal);

        public ConcurrentDictionary<string, string> Tags { get; } = new(StringComparer.Ordinal);

        public ConcurrentDictionary<string, string> TopTypes { get; } = new(StringComparer.Ordinal);
    }
}
