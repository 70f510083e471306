using System.Globalization;
using System.Net;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;
using System.Text.RegularExpressions;
using Guard.Inspection.Reading;

namespace Guard.Inspection.Images;

/// <summary>
/// An image named by reference in a registry: <c>REGISTRY/REPOSITORY:TAG</c> or <c>REGISTRY/REPOSITORY@sha256:…</c>
/// (the registry is always named: <c>docker.io/library/alpine:3</c>, not <c>alpine:3</c>, so a mistyped local path is
/// never sent to the network).
/// </summary>
public sealed partial record ImageReference(string Registry, string Repository, string? Tag, string? Digest)
{
    /// <summary>What to ask the registry for: the digest when given, else the tag.</summary>
    public string Reference => Digest ?? Tag ?? "latest";

    public string DisplayName => $"{Registry}/{Repository}{(Digest is not null ? "@" + Digest : ":" + (Tag ?? "latest"))}";

    /// <summary>The registry's API root: plain http only for the loopback host, as Docker allows without configuration.</summary>
    public Uri ApiBase
    {
        get
        {
            var host = Registry == "docker.io" ? "registry-1.docker.io" : Registry;
            var name = host.Split(':')[0];
            var loopback = name is "localhost" or "[::1]" || name.StartsWith("127.", StringComparison.Ordinal);
            return new Uri($"{(loopback ? "http" : "https")}://{host}/v2/");
        }
    }

    /// <summary>Parses a reference with an explicit registry host (one with a dot, a port, or <c>localhost</c>); an optional <c>docker://</c> prefix is allowed.</summary>
    public static bool TryParse(string text, out ImageReference reference)
    {
        reference = null!;
        var value = text.StartsWith("docker://", StringComparison.Ordinal) ? text["docker://".Length..] : text;
        var match = ReferencePattern().Match(value);
        if (!match.Success)
        {
            return false;
        }

        var registry = match.Groups["registry"].Value;
        if (!(registry.Contains('.', StringComparison.Ordinal) || registry.Contains(':', StringComparison.Ordinal) || registry == "localhost"))
        {
            return false;
        }

        reference = new ImageReference(
            registry,
            match.Groups["repository"].Value,
            match.Groups["tag"].Success ? match.Groups["tag"].Value : null,
            match.Groups["digest"].Success ? match.Groups["digest"].Value : null);
        return true;
    }

    // distribution/reference's grammar, narrowed: lowercase path components, a tag of up to 128 word characters, a sha256 digest.
    [GeneratedRegex(@"^(?<registry>[a-zA-Z0-9]([a-zA-Z0-9.-]*[a-zA-Z0-9])?(:[0-9]+)?)/(?<repository>[a-z0-9]+([._-][a-z0-9]+)*(/[a-z0-9]+([._-]+[a-z0-9]+)*)*)(:(?<tag>[\w][\w.-]{0,127}))?(@(?<digest>sha256:[a-f0-9]{64}))?$", RegexOptions.CultureInvariant)]
    private static partial Regex ReferencePattern();
}

/// <summary>A registry credential from the Docker config (a credential helper's answer, or <c>auths.REGISTRY.auth</c>): sent only to that registry and its token service.</summary>
public sealed record RegistryCredential(string UserName, string Secret)
{
    public override string ToString() => $"{UserName}:***";
}

/// <summary>
/// Reads an image from a registry over the distribution API (OCI distribution-spec v1.1): the manifest by tag or
/// digest, then blobs by digest; layers as streamed range sources. Anonymous, or with the Docker config's credential:
/// a 401 with <c>WWW-Authenticate: Bearer realm=…,service=…,scope=…</c> is answered by fetching a token from the realm
/// (with the credential as Basic auth when there is one) and sending it as <c>Bearer</c>; a <c>Basic</c> challenge gets
/// the credential itself. Credentials and tokens never appear in messages.
/// </summary>
public sealed class RegistryImageSource : IImageSource
{
    private readonly ImageReference _reference;
    private readonly HttpClient _http;
    private readonly RegistryAuthHandler _auth;
    private readonly List<IRangeSource> _opened = [];
    private long _bytesRead;
    private int _documents;

    /// <param name="credential">The Docker config's credential for this registry, or null to go anonymous.</param>
    /// <param name="inner">The transport (tests hand in their own); a <see cref="SocketsHttpHandler"/> by default.</param>
    /// <param name="timeout">How long a request may wait for its headers; bodies are bounded by <see cref="HttpRangeSource"/>'s idle timeout.</param>
    public RegistryImageSource(ImageReference reference, RegistryCredential? credential, HttpMessageHandler? inner = null, TimeSpan? timeout = null)
    {
        ArgumentNullException.ThrowIfNull(reference);
        _reference = reference;
        _auth = new RegistryAuthHandler(reference, credential) { InnerHandler = inner ?? new SocketsHttpHandler() };
        _http = new HttpClient(_auth) { Timeout = timeout ?? TimeSpan.FromSeconds(60) };
    }

    public string DisplayName => _reference.DisplayName;

    /// <summary>Documents read, plus what authentication added (token fetches, requests sent again with the token).</summary>
    public int Requests => Volatile.Read(ref _documents) + _auth.ExtraRequests;

    public long BytesRead => Interlocked.Read(ref _bytesRead);

    public Task<ImageDocument> ReadTopAsync(CancellationToken cancellationToken) =>
        GetDocumentAsync(new Uri(_reference.ApiBase, $"{_reference.Repository}/manifests/{_reference.Reference}"), manifest: true, cancellationToken);

    public Task<ImageDocument> ReadDocumentAsync(ImageDescriptor descriptor, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(descriptor);
        var isManifest = ImageMediaTypes.IsIndex(descriptor.MediaType) || ImageMediaTypes.IsManifest(descriptor.MediaType);
        return GetDocumentAsync(new Uri(_reference.ApiBase, $"{_reference.Repository}/{(isManifest ? "manifests" : "blobs")}/{Digest(descriptor)}"), isManifest, cancellationToken);
    }

    public IRangeSource OpenBlob(ImageDescriptor descriptor)
    {
        ArgumentNullException.ThrowIfNull(descriptor);
        var source = new HttpRangeSource(_http, new Uri(_reference.ApiBase, $"{_reference.Repository}/blobs/{Digest(descriptor)}"));
        _opened.Add(source);
        return source;
    }

    private static string Digest(ImageDescriptor descriptor)
    {
        _ = ImageDigest.BlobPath(descriptor.Digest);
        return descriptor.Digest;
    }

    private async Task<ImageDocument> GetDocumentAsync(Uri uri, bool manifest, CancellationToken cancellationToken)
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, uri);
        if (manifest)
        {
            foreach (var type in ImageMediaTypes.Accepted)
            {
                request.Headers.Accept.Add(new MediaTypeWithQualityHeaderValue(type));
            }
        }

        HttpResponseMessage response;
        Interlocked.Increment(ref _documents);
        try
        {
            response = await _http.SendAsync(request, HttpCompletionOption.ResponseHeadersRead, cancellationToken).ConfigureAwait(false);
        }
        catch (HttpRequestException e)
        {
            throw new PackageUnavailableException($"{DisplayName}: {e.Message}", e);
        }
        catch (TaskCanceledException e) when (!cancellationToken.IsCancellationRequested)
        {
            throw new PackageUnavailableException($"{DisplayName}: the registry did not answer in time", e);
        }

        using (response)
        {
            if (!response.IsSuccessStatusCode)
            {
                var status = ((int)response.StatusCode).ToString(CultureInfo.InvariantCulture);
                throw new PackageUnavailableException(response.StatusCode switch
                {
                    HttpStatusCode.NotFound => $"{DisplayName}: the registry has no such {(manifest ? "image (tag or digest)" : "blob")} (HTTP 404)",
                    HttpStatusCode.Unauthorized or HttpStatusCode.Forbidden => $"{DisplayName}: the registry refused access (HTTP {status}); log in first (docker login {_reference.Registry})",
                    _ => $"{DisplayName}: the registry answered HTTP {status}",
                });
            }

            var bytes = await BoundedBody.ReadAsync(response.Content, ImageDigest.MaxDocumentBytes, cancellationToken).ConfigureAwait(false)
                ?? throw new InvalidImageException(response.Content.Headers.ContentLength is { } length
                    ? $"a document of {length} bytes is too large for a manifest or config (at most {ImageDigest.MaxDocumentBytes / (1024 * 1024)} MiB)"
                    : $"a document sent without a length ran past {ImageDigest.MaxDocumentBytes / (1024 * 1024)} MiB, too large for a manifest or config; reading stopped there");
            Interlocked.Add(ref _bytesRead, bytes.Length);
            return new ImageDocument(manifest ? response.Content.Headers.ContentType?.MediaType : null, bytes);
        }
    }

    public async ValueTask DisposeAsync()
    {
        foreach (var source in _opened)
        {
            await source.DisposeAsync().ConfigureAwait(false);
        }

        _http.Dispose();
    }
}

/// <summary>
/// Answers the registry's 401 challenges (distribution's token authentication): sends the cached token to the
/// registry's host only, and on a 401 fetches one from the challenge's realm and sends the request again once.
/// A redirect to blob storage elsewhere goes without it: the transport drops Authorization when it follows one.
/// </summary>
internal sealed partial class RegistryAuthHandler(ImageReference reference, RegistryCredential? credential) : DelegatingHandler
{
    private const int MaxTokenAnswerBytes = 1024 * 1024;

    private readonly SemaphoreSlim _lock = new(1, 1);
    private AuthenticationHeaderValue? _authorization;
    private int _extraRequests;

    /// <summary>Requests beyond those the caller sent: token fetches and the requests sent again with a token.</summary>
    public int ExtraRequests => Volatile.Read(ref _extraRequests);

    protected override async Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
    {
        var toRegistry = request.RequestUri?.Authority == reference.ApiBase.Authority;
        if (toRegistry && _authorization is { } known)
        {
            request.Headers.Authorization = known;
        }

        var response = await base.SendAsync(request, cancellationToken).ConfigureAwait(false);
        if (!toRegistry || response.StatusCode != HttpStatusCode.Unauthorized || response.Headers.WwwAuthenticate.Count == 0)
        {
            return response;
        }

        var challenge = response.Headers.WwwAuthenticate.First();
        var authorization = await AuthorizeAsync(challenge, cancellationToken).ConfigureAwait(false);
        if (authorization is null)
        {
            return response;
        }

        response.Dispose();
        using var retry = new HttpRequestMessage(request.Method, request.RequestUri);
        foreach (var header in request.Headers.Where(h => h.Key != "Authorization"))
        {
            retry.Headers.TryAddWithoutValidation(header.Key, header.Value);
        }

        retry.Headers.Authorization = authorization;
        Interlocked.Increment(ref _extraRequests);
        return await base.SendAsync(retry, cancellationToken).ConfigureAwait(false);
    }

    private async Task<AuthenticationHeaderValue?> AuthorizeAsync(AuthenticationHeaderValue challenge, CancellationToken cancellationToken)
    {
        await _lock.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            if (challenge.Scheme.Equals("Basic", StringComparison.OrdinalIgnoreCase))
            {
                return _authorization = credential is null ? null : Basic(credential);
            }

            if (!challenge.Scheme.Equals("Bearer", StringComparison.OrdinalIgnoreCase))
            {
                return null;
            }

            var parameters = ChallengeParameter().Matches(challenge.Parameter ?? string.Empty)
                .ToDictionary(m => m.Groups["key"].Value.ToLowerInvariant(), m => m.Groups["value"].Value, StringComparer.Ordinal);
            if (!parameters.TryGetValue("realm", out var realm) || !Uri.TryCreate(realm, UriKind.Absolute, out var realmUri) || realmUri.Scheme is not ("https" or "http"))
            {
                return null;
            }

            var query = new List<string>();
            if (parameters.TryGetValue("service", out var service))
            {
                query.Add("service=" + Uri.EscapeDataString(service));
            }

            query.Add("scope=" + Uri.EscapeDataString(parameters.TryGetValue("scope", out var scope) ? scope : $"repository:{reference.Repository}:pull"));
            using var tokenRequest = new HttpRequestMessage(HttpMethod.Get, new UriBuilder(realmUri) { Query = string.Join('&', query) }.Uri);
            if (credential is not null)
            {
                tokenRequest.Headers.Authorization = Basic(credential);
            }

            Interlocked.Increment(ref _extraRequests);
            using var response = await base.SendAsync(tokenRequest, cancellationToken).ConfigureAwait(false);
            if (!response.IsSuccessStatusCode)
            {
                return null;
            }

            // A token is a few kilobytes; a realm that streams without end must not hold the check until the timeout.
            if (await BoundedBody.ReadAsync(response.Content, MaxTokenAnswerBytes, cancellationToken).ConfigureAwait(false) is not { } body)
            {
                return null;
            }

            using var document = JsonDocument.Parse(body);
            var token = document.RootElement.TryGetProperty("token", out var t) && t.ValueKind == JsonValueKind.String ? t.GetString()
                : document.RootElement.TryGetProperty("access_token", out var a) && a.ValueKind == JsonValueKind.String ? a.GetString()
                : null;
            return _authorization = token is { Length: > 0 } ? new AuthenticationHeaderValue("Bearer", token) : null;
        }
        catch (JsonException)
        {
            return null;
        }
        finally
        {
            _lock.Release();
        }
    }

    private static AuthenticationHeaderValue Basic(RegistryCredential credential) =>
        new("Basic", Convert.ToBase64String(Encoding.UTF8.GetBytes($"{credential.UserName}:{credential.Secret}")));

    [GeneratedRegex(@"(?<key>[A-Za-z]+)=""(?<value>[^""]*)""", RegexOptions.CultureInvariant)]
    private static partial Regex ChallengeParameter();

    protected override void Dispose(bool disposing)
    {
        if (disposing)
        {
            _lock.Dispose();
        }

        base.Dispose(disposing);
    }
}
