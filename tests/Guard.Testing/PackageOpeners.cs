using System.Collections.Concurrent;
using Guard.Aws.Functions;
using Guard.Inspection.Reading;

namespace Guard.Testing;

/// <summary>An <see cref="IPackageOpener"/> that serves zips from memory by URL path (query ignored, like a presigned URL).</summary>
public sealed class InMemoryPackageOpener : IPackageOpener
{
    private readonly ConcurrentDictionary<string, byte[]> _packages = new(StringComparer.Ordinal);
    private int _opened;

    public int Opened => Volatile.Read(ref _opened);

    public void Serve(Uri location, byte[] zip) => _packages[location.AbsolutePath] = zip;

    public IRangeSource Open(Uri location)
    {
        ArgumentNullException.ThrowIfNull(location);
        Interlocked.Increment(ref _opened);
        return _packages.TryGetValue(location.AbsolutePath, out var zip)
            ? new InMemoryRangeSource(zip, location.GetLeftPart(UriPartial.Path))
            : throw new PackageUnavailableException($"{location.GetLeftPart(UriPartial.Path)}: 404");
    }
}

/// <summary>An <see cref="IPackageOpener"/> that hands every URL to a function: one package for all, or a failing source.</summary>
public sealed class DelegatingPackageOpener(Func<Uri, IRangeSource> open) : IPackageOpener
{
    public IRangeSource Open(Uri location) => open(location);
}
