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

    /// <summary>One request, recorded at open; its length grows as the caller consumes the stream.</summary>
    public async ValueTask<Stream> OpenReadAsync(long offset, long length, CancellationToken cancellationToken)
    {
        var stream = await inner.OpenReadAsync(offset, length, cancellationToken);
        var index = _requests.Count;
        _requests.Add((offset, 0, false));
        StreamsOpened++;
        return new CountedReadStream(stream, read =>
        {
            _requests[index] = (offset, _requests[index].Length + read, false);
            BytesRead += read;
        });
    }

    /// <summary>How many of <see cref="Requests"/> were streamed ranges (<see cref="IRangeSource.OpenReadAsync"/>).</summary>
    public int StreamsOpened { get; private set; }

    public ValueTask DisposeAsync() => inner.DisposeAsync();
}
