namespace Guard.Inspection.Reading;

/// <summary>
/// Random access to the uncompressed content of one file inside a package. A deflated file is inflated forward once and
/// kept, so reads far in cost inflating up to them (once), and analyzers ask only for what the verdict needs. Disposing
/// ends any request still streaming and deletes what was kept.
/// </summary>
public interface IEntryContent : IAsyncDisposable
{
    /// <summary>The uncompressed size the archive records for the file.</summary>
    long Length { get; }

    /// <summary>
    /// Reads up to <paramref name="destination"/>.Length bytes at <paramref name="offset"/>; returns fewer only
    /// at the end of the content.
    /// </summary>
    ValueTask<int> ReadAtAsync(long offset, Memory<byte> destination, CancellationToken cancellationToken);

    /// <summary>
    /// Whether the bytes at [<paramref name="offset"/>, <paramref name="offset"/> + <paramref name="count"/>) can be read:
    /// false only past what a deflated file keeps (see <c>DeflateEntryContent.MaxKeptLength</c>), where a structure is
    /// reported unverified instead of read.
    /// </summary>
    bool IsReachable(long offset, int count) => true;

    // Content that holds nothing (in memory, stored) has nothing to end; an interface default has no finalizer to suppress.
#pragma warning disable CA1816
    ValueTask IAsyncDisposable.DisposeAsync() => ValueTask.CompletedTask;
#pragma warning restore CA1816
}

/// <summary>Content already in memory: small files, tests.</summary>
public sealed class InMemoryEntryContent(ReadOnlyMemory<byte> bytes) : IEntryContent
{
    public long Length => bytes.Length;

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
