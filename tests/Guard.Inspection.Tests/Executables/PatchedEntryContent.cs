using Guard.Inspection.Reading;

namespace Guard.Inspection.Tests.Executables;

/// <summary>A file with some bytes overwritten and possibly cut short, without copying it: mutations for property tests.</summary>
internal sealed class PatchedEntryContent(ReadOnlyMemory<byte> original, IReadOnlyList<(long Offset, byte[] Bytes)> patches, long length) : IEntryContent
{
    public long Length => length;

    public ValueTask<int> ReadAtAsync(long offset, Memory<byte> destination, CancellationToken cancellationToken)
    {
        if (offset >= length)
        {
            return ValueTask.FromResult(0);
        }

        var count = (int)Math.Min(destination.Length, length - offset);
        original.Span.Slice((int)offset, count).CopyTo(destination.Span);
        foreach (var (patchOffset, bytes) in patches)
        {
            for (var i = 0; i < bytes.Length; i++)
            {
                var at = patchOffset + i - offset;
                if (at >= 0 && at < count)
                {
                    destination.Span[(int)at] = bytes[i];
                }
            }
        }

        return ValueTask.FromResult(count);
    }
}
