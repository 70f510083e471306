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

    /// <summary>
    /// Opens the <paramref name="length"/> bytes at <paramref name="offset"/> as one forward-only stream, read only as far
    /// as the caller reads: an HTTP source sends one ranged request and stops reading its body when the stream is disposed.
    /// The stream ends early only at the end of the package. A source that cannot stream falls back to ranged reads of
    /// 64 KiB doubling to 1 MiB, each fetched when the one before is consumed.
    /// </summary>
    ValueTask<Stream> OpenReadAsync(long offset, long length, CancellationToken cancellationToken)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(offset);
        ArgumentOutOfRangeException.ThrowIfNegative(length);
        return ValueTask.FromResult<Stream>(new ChunkedRangeStream(this, offset, length));
    }
}

/// <param name="Length">The whole package's length in bytes.</param>
/// <param name="BytesRead">How many bytes of the destination were filled (they end at <paramref name="Length"/>).</param>
public readonly record struct TailRead(long Length, int BytesRead);
