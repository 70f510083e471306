using Guard.Aws.S3;
using Guard.Inspection.Reading;

namespace Guard.Aws.Functions;

/// <summary>Opens a presigned package URL (GetFunction's <c>Code.Location</c>, a layer's <c>Content.Location</c>).</summary>
public interface IPackageOpener
{
    IRangeSource Open(Uri location);
}

/// <summary>
/// Opens an S3 object for ranged reads with Guard's own S3 permissions: a package CloudFormation is about to deploy, or
/// the object version a REFERENCE function runs from (<see cref="Lambda.FunctionDetails.CodeObject"/>).
/// </summary>
public interface IS3PackageOpener
{
    IRangeSource Open(PackageLocation.S3Object location);
}

/// <summary>S3 objects through <see cref="S3RangeSource"/>, with a client made on the first package (not at start-up).</summary>
public sealed class S3PackageOpener(Func<S3Client> createClient) : IS3PackageOpener
{
    // PublicationOnly: a failed creation (no region, no credentials) is retried on the next request, not cached.
    private readonly Lazy<S3Client> _s3 = new(createClient, LazyThreadSafetyMode.PublicationOnly);

    public IRangeSource Open(PackageLocation.S3Object location)
    {
        ArgumentNullException.ThrowIfNull(location);
        return new S3RangeSource(_s3.Value, location.Bucket, location.Key, location.VersionId);
    }
}

/// <summary>
/// Range reads over HTTP, falling back to one full GET when the server ignores Range (<see cref="HttpRangeSource"/>).
/// An optional <see cref="CodeLocationRewrite"/> redirects a local emulator's unfetchable URLs.
/// </summary>
public sealed class HttpPackageOpener(HttpClient http, CodeLocationRewrite? rewrite = null) : IPackageOpener
{
    public IRangeSource Open(Uri location)
    {
        ArgumentNullException.ThrowIfNull(location);
        return new HttpRangeSource(http, rewrite?.Apply(location) ?? location);
    }
}

/// <summary>
/// <c>GUARD_CODE_LOCATION_REWRITE=fromPrefix=toPrefix</c>: only for local emulators (moto) whose
/// <c>Code.Location</c> points at an unreachable host; never set on AWS.
/// </summary>
public sealed record CodeLocationRewrite(string FromPrefix, Uri ToPrefix)
{
    public static CodeLocationRewrite Parse(string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        // The first '=' that is followed by a scheme separates the two URLs (query strings may contain '=').
        var split = text.IndexOf("=http", StringComparison.Ordinal);
        if (split <= 0 || !Uri.TryCreate(text[(split + 1)..], UriKind.Absolute, out var to))
        {
            throw new FormatException("GUARD_CODE_LOCATION_REWRITE must be fromPrefix=toPrefix, both absolute http(s) URLs");
        }

        return new CodeLocationRewrite(text[..split], to);
    }

    public Uri Apply(Uri location)
    {
        ArgumentNullException.ThrowIfNull(location);
        var text = location.AbsoluteUri;
        return text.StartsWith(FromPrefix, StringComparison.Ordinal)
            ? new Uri(ToPrefix.AbsoluteUri.TrimEnd('/') + "/" + text[FromPrefix.Length..].TrimStart('/'))
            : location;
    }
}
