using System.Globalization;
using System.Security.Cryptography;
using System.Text;

namespace Guard.Aws.Http;

/// <summary>
/// AWS Signature Version 4, header form (https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_sigv-create-signed-request.html):
/// the canonical request, the string to sign over its hash, the key derived from the secret, date, Region and service,
/// and the <c>Authorization</c> header. Guard's own, not AWSSDK.Core's: the SDK's signing handler roots its whole
/// credential chain (profiles, SSO, instance metadata) in the Native AOT Lambda, which needs none of it.
/// </summary>
public static class SigV4Signer
{
    public const string Algorithm = "AWS4-HMAC-SHA256";

    /// <summary>The SHA-256 of no bytes, the payload hash of a request without a body.</summary>
    public const string EmptyPayloadHash = "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855";

    /// <summary>
    /// Headers left out of the signature: added or changed on the way by the transport (Content-Length is computed when
    /// the body is sent, a proxy may rewrite Connection) or meant to differ between attempts (the trace id).
    /// </summary>
    private static readonly HashSet<string> Unsigned = new(StringComparer.OrdinalIgnoreCase)
    {
        "authorization", "connection", "content-length", "expect", "transfer-encoding", "user-agent", "x-amzn-trace-id",
    };

    /// <summary>
    /// Signs <paramref name="request"/> in place: sets <c>X-Amz-Date</c>, <c>X-Amz-Security-Token</c> for session
    /// credentials (signed, as STS-issued credentials require) and <c>Authorization</c>, replacing any earlier signature.
    /// </summary>
    /// <param name="payloadHash">The body's SHA-256 in lowercase hex (or S3's <c>UNSIGNED-PAYLOAD</c>).</param>
    /// <param name="s3">
    /// S3's rules: its path is signed as sent, encoded once; every other service signs the sent path encoded again
    /// (each <c>%</c> as <c>%25</c>), the SDKs' "double encoding".
    /// </param>
    public static void Sign(HttpRequestMessage request, AwsCredentials credentials, string region, string service, DateTimeOffset now, string payloadHash, bool s3)
    {
        ArgumentNullException.ThrowIfNull(request);
        ArgumentNullException.ThrowIfNull(credentials);
        ArgumentException.ThrowIfNullOrEmpty(region);
        ArgumentException.ThrowIfNullOrEmpty(service);
        ArgumentException.ThrowIfNullOrEmpty(payloadHash);
        if (request.RequestUri is not { IsAbsoluteUri: true })
        {
            throw new InvalidOperationException("A request is signed once its URI is absolute (below HttpClient).");
        }

        var headers = request.Headers;
        headers.Remove("Authorization");
        headers.Remove("X-Amz-Date");
        headers.Remove("X-Amz-Security-Token");
        var timestamp = now.UtcDateTime.ToString("yyyyMMdd'T'HHmmss'Z'", CultureInfo.InvariantCulture);
        var date = timestamp[..8];
        headers.TryAddWithoutValidation("X-Amz-Date", timestamp);
        if (credentials.SessionToken is { } token)
        {
            headers.TryAddWithoutValidation("X-Amz-Security-Token", token);
        }

        var (canonical, signedHeaders) = CanonicalRequest(request, payloadHash, s3);
        var scope = $"{date}/{region}/{service}/aws4_request";
        var stringToSign = $"{Algorithm}\n{timestamp}\n{scope}\n{Hex(SHA256.HashData(Encoding.UTF8.GetBytes(canonical)))}";

        var key = Hmac(Encoding.UTF8.GetBytes("AWS4" + credentials.SecretAccessKey), date);
        key = Hmac(key, region);
        key = Hmac(key, service);
        key = Hmac(key, "aws4_request");
        var signature = Hex(Hmac(key, stringToSign));
        headers.TryAddWithoutValidation("Authorization", $"{Algorithm} Credential={credentials.AccessKeyId}/{scope}, SignedHeaders={signedHeaders}, Signature={signature}");
    }

    /// <summary>
    /// The canonical request (method, path, query, headers, signed header names, payload hash, one a line) and the
    /// signed header names. Signs Host and every header the request carries, but <see cref="Unsigned"/>.
    /// </summary>
    internal static (string Request, string SignedHeaders) CanonicalRequest(HttpRequestMessage request, string payloadHash, bool s3)
    {
        var uri = request.RequestUri!;
        var values = new SortedDictionary<string, List<string>>(StringComparer.Ordinal);
        void Add(string name, IEnumerable<string> headerValues)
        {
            if (Unsigned.Contains(name))
            {
                return;
            }

            var key = name.ToLowerInvariant();
            if (!values.TryGetValue(key, out var list))
            {
                values[key] = list = [];
            }

            list.AddRange(headerValues);
        }

        // Host as HttpClient sends it: the port only when it is not the scheme's default.
        Add("host", [request.Headers.Host ?? (uri.IsDefaultPort ? uri.IdnHost : $"{uri.IdnHost}:{uri.Port}")]);
        foreach (var (name, headerValues) in request.Headers.NonValidated)
        {
            if (!name.Equals("Host", StringComparison.OrdinalIgnoreCase))
            {
                Add(name, headerValues);
            }
        }

        if (request.Content is { } content)
        {
            foreach (var (name, headerValues) in content.Headers.NonValidated)
            {
                Add(name, headerValues);
            }
        }

        var canonical = new StringBuilder();
        canonical.Append(request.Method.Method).Append('\n');
        canonical.Append(CanonicalPath(uri, s3)).Append('\n');
        canonical.Append(CanonicalQuery(uri)).Append('\n');
        foreach (var (name, list) in values)
        {
            // Each value trimmed, inner runs of spaces made one; several values of one name joined by commas.
            canonical.Append(name).Append(':').AppendJoin(',', list.Select(CollapseSpaces)).Append('\n');
        }

        var signedHeaders = string.Join(';', values.Keys);
        canonical.Append('\n').Append(signedHeaders).Append('\n').Append(payloadHash);
        return (canonical.ToString(), signedHeaders);
    }

    /// <summary>The path as sent (Uri has removed its dot segments), each segment encoded once more; S3's, each segment decoded and encoded once.</summary>
    private static string CanonicalPath(Uri uri, bool s3)
    {
        var path = uri.AbsolutePath;
        if (path.Length == 0)
        {
            return "/";
        }

        return string.Join('/', path.Split('/').Select(segment => UriEncode(s3 ? Uri.UnescapeDataString(segment) : segment)));
    }

    /// <summary>Every parameter decoded and encoded again by the SigV4 rules, sorted by name, then value; a bare name gets an empty value.</summary>
    private static string CanonicalQuery(Uri uri)
    {
        var query = uri.Query;
        if (query.Length <= 1)
        {
            return "";
        }

        var parameters = query[1..]
            .Split('&', StringSplitOptions.RemoveEmptyEntries)
            .Select(pair =>
            {
                var equals = pair.IndexOf('=');
                var name = equals < 0 ? pair : pair[..equals];
                var value = equals < 0 ? "" : pair[(equals + 1)..];
                return (Name: UriEncode(Uri.UnescapeDataString(name)), Value: UriEncode(Uri.UnescapeDataString(value)));
            })
            .OrderBy(p => p.Name, StringComparer.Ordinal)
            .ThenBy(p => p.Value, StringComparer.Ordinal);
        return string.Join('&', parameters.Select(p => $"{p.Name}={p.Value}"));
    }

    /// <summary>SigV4's encoding: the unreserved characters (A–Z, a–z, 0–9, <c>-._~</c>) as they are, every other UTF-8 byte as <c>%XX</c> in capitals.</summary>
    internal static string UriEncode(string value)
    {
        var encoded = new StringBuilder(value.Length);
        foreach (var b in Encoding.UTF8.GetBytes(value))
        {
            if (char.IsAsciiLetterOrDigit((char)b) || b is (byte)'-' or (byte)'.' or (byte)'_' or (byte)'~')
            {
                encoded.Append((char)b);
            }
            else
            {
                encoded.Append('%').Append(b.ToString("X2", CultureInfo.InvariantCulture));
            }
        }

        return encoded.ToString();
    }

    private static string CollapseSpaces(string value)
    {
        var trimmed = value.Trim();
        if (!trimmed.Contains("  ", StringComparison.Ordinal))
        {
            return trimmed;
        }

        var collapsed = new StringBuilder(trimmed.Length);
        foreach (var c in trimmed)
        {
            if (c != ' ' || collapsed.Length == 0 || collapsed[^1] != ' ')
            {
                collapsed.Append(c);
            }
        }

        return collapsed.ToString();
    }

    private static byte[] Hmac(byte[] key, string data) => HMACSHA256.HashData(key, Encoding.UTF8.GetBytes(data));

    private static string Hex(byte[] bytes) => Convert.ToHexStringLower(bytes);
}
