namespace Guard.Inspection.Reading;

/// <summary>
/// Random access to the uncompressed content of one file inside a package. Reads near the start are cheap;
/// reads far in may decompress everything before them, so analyzers ask only for what they need.
/// </summary>
public interface IEntryContent
{
    /// <summary>The uncompressed size the archive records for the file.</summary>
    long Length { get; }

    /// <summary>
    /// Reads up to <paramref name="destination"/>.Length bytes at <paramref name="offset"/>; returns fewer only
    /// at the end of the content.
    /// </summary>
    ValueTask<int> ReadAtAsync(long offset, Memory<byte> destination, CancellationToken cancellationToken);

    /// <summary>
    /// Whether reading <paramref name="count"/> bytes at <paramref name="offset"/> costs about those bytes alone, rather than
    /// decompressing everything before them. Facts that are only nice to have are read far in only when it does.
    /// </summary>
    bool IsCheapToRead(long offset, int count) => false;
}

/// <summary>Content already in memory: small files, tests.</summary>
public sealed class InMemoryEntryContent(ReadOnlyMemory<byte> bytes) : IEntryContent
{
    public long Length => bytes.Length;

    public bool IsCheapToRead(long offset, int count) => true;

    public ValueTask<int> ReadAtAsync(long offset, Memory<byte> destination, CancellationToken cancellationToken)
    {
        if (offset >= bytes.Length)
        {
            return ValueTask.FromResult(0);
        }

        var slice = bytes.Span.Slice((int)offset, (int)Math.Min(destination.Length, bytes.Length - offset));
        slice.CopyTo(destination.Span);
        return ValueTask.FromResult(slice.Length);
    }
}
