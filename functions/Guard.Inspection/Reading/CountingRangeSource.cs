namespace Guard.Inspection.Reading;

/// <summary>Counts requests and bytes on the way through, for the report's <c>stats</c> and the benchmarks.</summary>
public sealed class CountingRangeSource(IRangeSource inner) : IRangeSource
{
    private int _requests;
    private long _bytesRead;

    public string DisplayName => inner.DisplayName;
    public int Requests => Volatile.Read(ref _requests);
    public long BytesRead => Interlocked.Read(ref _bytesRead);

    public async ValueTask<TailRead> ReadTailAsync(Memory<byte> destination, CancellationToken cancellationToken)
    {
        Interlocked.Increment(ref _requests);
        var tail = await inner.ReadTailAsync(destination, cancellationToken).ConfigureAwait(false);
        Interlocked.Add(ref _bytesRead, tail.BytesRead);
        return tail;
    }

    public async ValueTask<int> ReadAsync(long offset, Memory<byte> destination, CancellationToken cancellationToken)
    {
        Interlocked.Increment(ref _requests);
        var read = await inner.ReadAsync(offset, destination, cancellationToken).ConfigureAwait(false);
        Interlocked.Add(ref _bytesRead, read);
        return read;
    }

    /// <summary>One request, whose bytes count as the caller consumes them.</summary>
    public async ValueTask<Stream> OpenReadAsync(long offset, long length, CancellationToken cancellationToken)
    {
        Interlocked.Increment(ref _requests);
        var stream = await inner.OpenReadAsync(offset, length, cancellationToken).ConfigureAwait(false);
        return new CountedReadStream(stream, read => Interlocked.Add(ref _bytesRead, read));
    }

    public ValueTask DisposeAsync() => inner.DisposeAsync();
}
