using System.Globalization;
using Guard.Aws.Http;

namespace Guard.Aws.S3;

/// <summary>
/// Where a bucket's objects live: <c>https://bucket.s3.region.amazonaws.com/key</c> (virtual-hosted, what S3
/// recommends) for a bucket whose name is a DNS label, else <c>https://s3.region.amazonaws.com/bucket/key</c>
/// (path-style: names with dots break the TLS wildcard), and always path-style under a configured endpoint.
/// </summary>
public sealed class S3Addressing
{
    private readonly Uri _endpoint;
    private readonly bool _pathStyleOnly;

    /// <param name="endpoint">The service endpoint, ending in '/'.</param>
    /// <param name="pathStyleOnly">True for a configured endpoint (an emulator rarely resolves <c>bucket.host</c>).</param>
    public S3Addressing(Uri endpoint, bool pathStyleOnly)
    {
        ArgumentNullException.ThrowIfNull(endpoint);
        _endpoint = endpoint;
        _pathStyleOnly = pathStyleOnly;
    }

    public static S3Addressing For(AwsEnvironment environment)
    {
        ArgumentNullException.ThrowIfNull(environment);
        var configured = environment.ConfiguredEndpointFor(AwsService.S3);
        return new S3Addressing(configured ?? environment.EndpointFor(AwsService.S3), pathStyleOnly: configured is not null);
    }

    public Uri BucketUri(string bucket, string? query = null) => Build(bucket, "", query);

    public Uri ObjectUri(string bucket, string key, string? query = null)
    {
        ArgumentException.ThrowIfNullOrEmpty(key);
        return Build(bucket, EscapeKey(key), query);
    }

    /// <summary>
    /// Escapes each '/'-separated segment (RFC 3986 unreserved characters stay, '+' becomes %2B, which S3 would
    /// otherwise read as a space). A segment of dots is escaped too, or URI normalisation would drop it.
    /// </summary>
    public static string EscapeKey(string key)
    {
        ArgumentNullException.ThrowIfNull(key);
        return string.Join('/', key.Split('/').Select(segment => segment.Length > 0 && segment.All(c => c == '.')
            ? segment.Replace(".", "%2E", StringComparison.Ordinal)
            : Uri.EscapeDataString(segment)));
    }

    private Uri Build(string bucket, string escapedKey, string? query)
    {
        ArgumentException.ThrowIfNullOrEmpty(bucket);
        var suffix = query is null ? "" : "?" + query;
        var port = _endpoint.IsDefaultPort ? "" : ":" + _endpoint.Port.ToString(CultureInfo.InvariantCulture);
        var text = _pathStyleOnly || !IsDnsLabel(bucket)
            ? $"{_endpoint.Scheme}://{_endpoint.Host}{port}{_endpoint.AbsolutePath}{Uri.EscapeDataString(bucket)}/{escapedKey}{suffix}"
            : $"{_endpoint.Scheme}://{bucket}.{_endpoint.Host}{port}/{escapedKey}{suffix}";

        // The key is escaped segment by segment above; canonicalisation would unescape "%2E%2E" and drop the segment.
        return new Uri(text, new UriCreationOptions { DangerousDisablePathAndQueryCanonicalization = true });
    }

    // Lower-case letters, digits and inner hyphens, 3-63 characters: a name that is one DNS label.
    private static bool IsDnsLabel(string bucket) =>
        bucket.Length is >= 3 and <= 63
        && bucket.All(c => char.IsAsciiLetterLower(c) || char.IsAsciiDigit(c) || c == '-')
        && bucket[0] != '-' && bucket[^1] != '-';
}
