namespace Guard.Inspection.Reading;

/// <summary>
/// The fallback for <see cref="IRangeSource.OpenReadAsync"/> on a source that cannot stream one response: ranged reads
/// of 64 KiB, doubling up to 1 MiB, each fetched only when the caller has consumed the one before.
/// </summary>
internal sealed class ChunkedRangeStream(IRangeSource source, long start, long length) : ForwardReadStream
{
    private const int FirstChunkLength = 64 * 1024;
    private const int MaxChunkLength = 1024 * 1024;

    private byte[] _chunk = [];
    private int _chunkFilled;
    private int _chunkPosition;
    private long _fetched;
    private int _nextChunkLength = FirstChunkLength;

    public override async ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default)
    {
        if (_chunkPosition == _chunkFilled)
        {
            if (_fetched == length || buffer.IsEmpty)
            {
                return 0;
            }

            var size = (int)Math.Min(_nextChunkLength, length - _fetched);
            if (_chunk.Length < size)
            {
                _chunk = new byte[size];
            }

            var read = await source.ReadAsync(start + _fetched, _chunk.AsMemory(0, size), cancellationToken).ConfigureAwait(false);
            if (read <= 0 || read > size)
            {
                return 0; // The source ended early; the reader reports what it lacks.
            }

            _fetched += read;
            _chunkFilled = read;
            _chunkPosition = 0;
            _nextChunkLength = Math.Min(_nextChunkLength * 2, MaxChunkLength);
        }

        var count = Math.Min(buffer.Length, _chunkFilled - _chunkPosition);
        _chunk.AsSpan(_chunkPosition, count).CopyTo(buffer.Span);
        _chunkPosition += count;
        return count;
    }
}
