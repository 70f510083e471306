using Guard.Inspection.Reading;

namespace Guard.Function.Deploys;

/// <summary>Opens a presigned package URL (GetFunction's <c>Code.Location</c>, a layer's <c>Content.Location</c>).</summary>
public interface IPackageOpener
{
    IRangeSource Open(Uri location);
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
