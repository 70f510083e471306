using Guard.Inspection.Reading;

namespace Guard.Testing;

/// <summary>Wraps a source and records every request (offset, length), so tests can assert the read pattern.</summary>
public sealed class RecordingRangeSource(IRangeSource inner) : IRangeSource
{
    private readonly List<(long Offset, int Length, bool IsTail)> _requests = [];

    public string DisplayName => inner.DisplayName;
    public IReadOnlyList<(long Offset, int Length, bool IsTail)> Requests => _requests;
    public long BytesRead { get; private set; }

    public async ValueTask<TailRead> ReadTailAsync(Memory<byte> destination, CancellationToken cancellationToken)
    {
        var tail = await inner.ReadTailAsync(destination, cancellationToken);
        _requests.Add((tail.Length - tail.BytesRead, tail.BytesRead, true));
        BytesRead += tail.BytesRead;
        return tail;
    }

    public async ValueTask<int> ReadAsync(long offset, Memory<byte> destination, CancellationToken cancellationToken)
    {
        var read = await inner.ReadAsync(offset, destination, cancellationToken);
        _requests.Add((offset, read, false));
        BytesRead += read;
        return read;
    }

    public ValueTask DisposeAsync() => inner.DisposeAsync();
}
