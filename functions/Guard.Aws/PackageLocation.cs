namespace Guard.Aws;

/// <summary>
/// Where a package (PACKAGE or LAYER on the command line) lives: a local path, an S3 object
/// (<c>s3://bucket/key[?versionId=…]</c>) or an http(s) URL such as a presigned one.
/// </summary>
public abstract record PackageLocation
{
    private protected PackageLocation() { }

    /// <summary>How the location may be shown: never a presigned query string.</summary>
    public abstract string DisplayName { get; }

    public sealed override string ToString() => DisplayName;

    /// <summary>A file on the local disk, kept as the user wrote it.</summary>
    public sealed record LocalFile(string Path) : PackageLocation
    {
        public override string DisplayName => Path;
    }

    /// <summary>An S3 object; the key is taken literally (as the AWS CLI does), without percent-decoding.</summary>
    public sealed record S3Object(string Bucket, string Key, string? VersionId = null) : PackageLocation
    {
        public override string DisplayName => VersionId is null ? $"s3://{Bucket}/{Key}" : $"s3://{Bucket}/{Key}?versionId={VersionId}";
    }

    /// <summary>An http(s) URL; its query string (a presigned URL's signature) is used but never shown.</summary>
    public sealed record Url(Uri Uri) : PackageLocation
    {
        public override string DisplayName => $"{Uri.Scheme}://{Uri.Authority}{Uri.AbsolutePath}";
    }

    /// <summary>Parses a user's PACKAGE argument.</summary>
    /// <exception cref="FormatException">One line saying what is wrong and what is expected.</exception>
    public static PackageLocation Parse(string value) =>
        TryParse(value, out var location, out var error) ? location : throw new FormatException(error);

    /// <summary>Parses a user's PACKAGE argument; on failure <paramref name="error"/> is one line for a person.</summary>
    public static bool TryParse(string? value, [System.Diagnostics.CodeAnalysis.NotNullWhen(true)] out PackageLocation? location, [System.Diagnostics.CodeAnalysis.NotNullWhen(false)] out string? error)
    {
        location = null;
        error = null;
        if (string.IsNullOrWhiteSpace(value))
        {
            error = "PACKAGE is empty: give a local path, s3://bucket/key or an https:// URL";
            return false;
        }

        var schemeEnd = value.IndexOf("://", StringComparison.Ordinal);
        var scheme = schemeEnd > 0 && IsScheme(value.AsSpan(0, schemeEnd)) ? value[..schemeEnd].ToLowerInvariant() : null;
        switch (scheme)
        {
            case "s3":
                return TryParseS3(value, value[(schemeEnd + 3)..], out location, out error);
            case "http" or "https":
                return TryParseUrl(value, out location, out error);
            case "file":
                if (Uri.TryCreate(value, UriKind.Absolute, out var fileUri) && fileUri.IsFile)
                {
                    location = new LocalFile(fileUri.LocalPath);
                    return true;
                }

                error = $"{value}: not a valid file:// URL";
                return false;
            case null when value.StartsWith("s3:", StringComparison.OrdinalIgnoreCase):
                error = $"{value}: malformed S3 location; expected s3://bucket/key";
                return false;
            case null when value.StartsWith("arn:", StringComparison.OrdinalIgnoreCase):
                error = $"{value}: ARNs are not package locations; expected s3://bucket/key";
                return false;
            case null:
                location = new LocalFile(value);
                return true;
            default:
                error = $"{value}: unsupported scheme '{scheme}'; use a local path, s3://bucket/key[?versionId=…] or an http(s):// URL";
                return false;
        }
    }

    private static bool TryParseS3(string value, string rest, out PackageLocation? location, out string? error)
    {
        location = null;
        var slash = rest.IndexOf('/', StringComparison.Ordinal);
        var bucket = slash < 0 ? rest : rest[..slash];
        var key = slash < 0 ? "" : rest[(slash + 1)..];
        string? versionId = null;

        var question = key.LastIndexOf('?');
        if (question < 0 && bucket.Contains('?', StringComparison.Ordinal))
        {
            error = $"{value}: missing object key; expected s3://bucket/key[?versionId=…]";
            return false;
        }

        if (question >= 0)
        {
            var query = key[(question + 1)..];
            key = key[..question];
            const string VersionParameter = "versionId=";
            if (!query.StartsWith(VersionParameter, StringComparison.Ordinal) || query.Contains('&', StringComparison.Ordinal))
            {
                error = $"{value}: unsupported query '{query}'; only ?versionId=… is accepted";
                return false;
            }

            versionId = Uri.UnescapeDataString(query[VersionParameter.Length..]);
            if (versionId.Length == 0)
            {
                error = $"{value}: empty versionId";
                return false;
            }
        }

        if (bucket.Length == 0)
        {
            error = $"{value}: missing bucket name; expected s3://bucket/key";
            return false;
        }

        if (!IsBucketName(bucket))
        {
            error = $"{value}: '{bucket}' is not a valid bucket name (letters, digits, '.', '-'; at least 3 characters)";
            return false;
        }

        if (key.Length == 0)
        {
            error = $"{value}: missing object key; expected s3://{bucket}/key";
            return false;
        }

        if (key.EndsWith('/'))
        {
            error = $"{value}: names a folder, not an object; give the key of the .zip";
            return false;
        }

        error = null;
        location = new S3Object(bucket, key, versionId);
        return true;
    }

    private static bool TryParseUrl(string value, out PackageLocation? location, out string? error)
    {
        location = null;
        if (!Uri.TryCreate(value, UriKind.Absolute, out var uri) || string.IsNullOrEmpty(uri.Host))
        {
            // Never echo the input: a presigned URL carries a signature and a session token.
            error = $"{RedactQuery(value)}: not a valid URL";
            return false;
        }

        if (uri.AbsolutePath is "" or "/")
        {
            error = $"{uri.Scheme}://{uri.Authority}/: the URL names no object";
            return false;
        }

        error = null;
        location = new Url(uri);
        return true;
    }

    private static string RedactQuery(string value)
    {
        var question = value.IndexOf('?', StringComparison.Ordinal);
        return question < 0 ? value : value[..question] + "?…";
    }

    // RFC 3986 §3.1: ALPHA *( ALPHA / DIGIT / "+" / "-" / "." ); a drive letter ("C:") never precedes "://".
    private static bool IsScheme(ReadOnlySpan<char> candidate)
    {
        if (candidate.Length < 2 || !char.IsAsciiLetter(candidate[0]))
        {
            return false;
        }

        foreach (var c in candidate)
        {
            if (!char.IsAsciiLetterOrDigit(c) && c is not ('+' or '-' or '.'))
            {
                return false;
            }
        }

        return true;
    }

    // S3 general purpose bucket naming rules; legacy us-east-1 names with capitals or '_' are no longer creatable,
    // but are accepted here so old buckets keep working.
    private static bool IsBucketName(string bucket)
    {
        if (bucket.Length is < 3 or > 255)
        {
            return false;
        }

        foreach (var c in bucket)
        {
            if (!char.IsAsciiLetterOrDigit(c) && c is not ('.' or '-' or '_'))
            {
                return false;
            }
        }

        return true;
    }
}
