using Guard.Inspection.Reading;

namespace Guard.Inspection.Zip;

/// <summary>A stored (uncompressed) entry: every read is a range read of the package, through the block cache.</summary>
internal sealed class StoredEntryContent(BlockCachedReader reader, string name, long dataStart, long length) : IEntryContent
{
    public long Length => length;

    public async ValueTask<int> ReadAtAsync(long offset, Memory<byte> destination, CancellationToken cancellationToken)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(offset);
        if (offset >= length || destination.IsEmpty)
        {
            return 0;
        }

        var count = (int)Math.Min(destination.Length, length - offset);
        var read = await reader.ReadAsync(dataStart + offset, destination[..count], cancellationToken).ConfigureAwait(false);
        if (read < count)
        {
            throw new InvalidZipException($"the data of '{name}' is cut short at offset {dataStart + offset + read}");
        }

        return read;
    }
}
