using System.Globalization;
using System.Net;
using System.Text;

namespace Guard.Testing;

/// <summary>
/// A registry on 127.0.0.1 that serves one <see cref="BuiltImage"/> over the distribution API (manifests by tag or
/// digest, blobs by digest with Range), optionally behind token authentication as Docker Hub and ECR Public run it: a
/// 401 with <c>WWW-Authenticate: Bearer realm=…</c>, a token endpoint that wants the credential as Basic auth.
/// Records every request's method and path.
/// </summary>
public sealed class RegistryStandIn : IAsyncDisposable
{
    public const string Token = "stand-in-token";
    private readonly BuiltImage _image;
    private readonly string _repository;
    private readonly (string User, string Secret)? _credential;
    private readonly List<string> _requests = [];
    private readonly LoopbackHttpListener _listener;

    private RegistryStandIn(BuiltImage image, string repository, bool requireToken, (string, string)? credential)
    {
        _image = image;
        _repository = repository;
        RequireToken = requireToken;
        _credential = credential;
        _listener = LoopbackHttpListener.Start(HandleAsync);
    }

    public bool RequireToken { get; }

    /// <summary><c>127.0.0.1:PORT</c>: the registry part of a reference.</summary>
    public string Host => _listener.HostAndPort;

    public string Reference(string tag = "latest") => $"{Host}/{_repository}:{tag}";

    /// <summary>Every request as <c>METHOD /path</c>, in arrival order.</summary>
    public IReadOnlyList<string> Requests
    {
        get
        {
            lock (_requests)
            {
                return [.. _requests];
            }
        }
    }

    /// <param name="credential">What the token endpoint demands as Basic auth; null serves tokens to anyone.</param>
    public static RegistryStandIn Start(BuiltImage image, string repository = "guard/test", bool requireToken = false, (string User, string Secret)? credential = null) =>
        new(image, repository, requireToken, credential);

    private async Task HandleAsync(HttpListenerContext context)
    {
        var request = context.Request;
        var response = context.Response;
        var path = request.Url!.AbsolutePath;
        lock (_requests)
        {
            _requests.Add($"{request.HttpMethod} {path}");
        }

        try
        {
            if (path == "/token")
            {
                var expected = _credential is { } c ? "Basic " + Convert.ToBase64String(Encoding.UTF8.GetBytes($"{c.User}:{c.Secret}")) : null;
                if (expected is not null && request.Headers["Authorization"] != expected)
                {
                    response.StatusCode = 401;
                    return;
                }

                await WriteAsync(response, 200, "application/json", Encoding.UTF8.GetBytes($"{{\"token\":\"{Token}\"}}"), null);
                return;
            }

            if (RequireToken && request.Headers["Authorization"] != "Bearer " + Token)
            {
                response.AddHeader("WWW-Authenticate", $"Bearer realm=\"http://{Host}/token\",service=\"stand-in\",scope=\"repository:{_repository}:pull\"");
                await WriteAsync(response, 401, "application/json", "{\"errors\":[{\"code\":\"UNAUTHORIZED\"}]}"u8.ToArray(), null);
                return;
            }

            var prefix = $"/v2/{_repository}/";
            if (!path.StartsWith(prefix, StringComparison.Ordinal))
            {
                response.StatusCode = 404;
                return;
            }

            var rest = path[prefix.Length..];
            if (rest.StartsWith("manifests/", StringComparison.Ordinal))
            {
                var reference = rest["manifests/".Length..];
                if (reference == "latest" || reference == _image.TopDigest)
                {
                    await WriteAsync(response, 200, _image.TopMediaType, _image.TopBytes, null);
                }
                else if (_image.Blobs.TryGetValue(reference, out var manifest))
                {
                    await WriteAsync(response, 200, MediaTypeOf(manifest), manifest, null);
                }
                else
                {
                    response.StatusCode = 404;
                }

                return;
            }

            if (rest.StartsWith("blobs/", StringComparison.Ordinal) && _image.Blobs.TryGetValue(rest["blobs/".Length..], out var blob))
            {
                await WriteAsync(response, 200, "application/octet-stream", blob, request.Headers["Range"]);
                return;
            }

            response.StatusCode = 404;
        }
        finally
        {
            response.Close();
        }
    }

    private static string MediaTypeOf(byte[] manifest)
    {
        var text = Encoding.UTF8.GetString(manifest);
        var at = text.IndexOf("\"mediaType\":\"", StringComparison.Ordinal) + "\"mediaType\":\"".Length;
        return text[at..text.IndexOf('"', at)];
    }

    /// <summary>Writes <paramref name="body"/>, or the one range a <c>Range: bytes=</c> header asks for (206 with Content-Range).</summary>
    internal static async Task WriteAsync(HttpListenerResponse response, int status, string contentType, byte[] body, string? range)
    {
        var (from, to) = (0L, body.LongLength - 1);
        if (range is not null && range.StartsWith("bytes=", StringComparison.Ordinal))
        {
            var parts = range["bytes=".Length..].Split('-');
            from = parts[0].Length == 0 ? Math.Max(0, body.Length - long.Parse(parts[1], CultureInfo.InvariantCulture)) : long.Parse(parts[0], CultureInfo.InvariantCulture);
            to = parts[0].Length == 0 || parts[1].Length == 0 ? body.Length - 1 : Math.Min(body.Length - 1, long.Parse(parts[1], CultureInfo.InvariantCulture));
            status = 206;
            response.AddHeader("Content-Range", $"bytes {from}-{to}/{body.Length}");
        }

        response.StatusCode = status;
        response.ContentType = contentType;
        response.ContentLength64 = to - from + 1;
        await response.OutputStream.WriteAsync(body.AsMemory((int)from, (int)(to - from + 1)));
    }

    public ValueTask DisposeAsync() => _listener.DisposeAsync();
}
