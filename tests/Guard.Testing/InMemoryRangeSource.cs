using Guard.Inspection.Reading;

namespace Guard.Testing;

/// <summary>A package held in memory; reads are copies, never network.</summary>
public sealed class InMemoryRangeSource(ReadOnlyMemory<byte> bytes, string displayName = "memory://package.zip") : IRangeSource
{
    public string DisplayName => displayName;

    public ValueTask<TailRead> ReadTailAsync(Memory<byte> destination, CancellationToken cancellationToken)
    {
        var count = Math.Min(destination.Length, bytes.Length);
        bytes.Span[^count..].CopyTo(destination.Span);
        return ValueTask.FromResult(new TailRead(bytes.Length, count));
    }

    public ValueTask<int> ReadAsync(long offset, Memory<byte> destination, CancellationToken cancellationToken)
    {
        if (offset >= bytes.Length)
        {
            return ValueTask.FromResult(0);
        }

        var count = (int)Math.Min(destination.Length, bytes.Length - offset);
        bytes.Span.Slice((int)offset, count).CopyTo(destination.Span);
        return ValueTask.FromResult(count);
    }

    public ValueTask DisposeAsync() => ValueTask.CompletedTask;
}
