namespace Guard.Inspection.Reading;

/// <summary>
/// Random access to the bytes of one package (a local file, an S3 object, a presigned URL).
/// Every call may be a network round trip, so callers ask for large ranges, rarely.
/// </summary>
public interface IRangeSource : IAsyncDisposable
{
    /// <summary>Where the bytes come from, safe to print: never carries credentials or presigned query strings.</summary>
    string DisplayName { get; }

    /// <summary>
    /// Reads the last <paramref name="destination"/>.Length bytes (fewer when the package is smaller) and
    /// learns the package's length in the same round trip (HTTP suffix range, <c>bytes=-N</c>).
    /// </summary>
    ValueTask<TailRead> ReadTailAsync(Memory<byte> destination, CancellationToken cancellationToken);

    /// <summary>
    /// Reads up to <paramref name="destination"/>.Length bytes at <paramref name="offset"/>; returns fewer only
    /// at the end of the package.
    /// </summary>
    ValueTask<int> ReadAsync(long offset, Memory<byte> destination, CancellationToken cancellationToken);
}

/// <param name="Length">The whole package's length in bytes.</param>
/// <param name="BytesRead">How many bytes of the destination were filled (they end at <paramref name="Length"/>).</param>
public readonly record struct TailRead(long Length, int BytesRead);
