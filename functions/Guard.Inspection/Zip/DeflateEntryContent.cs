using System.IO.Compression;
using Guard.Inspection.Reading;

namespace Guard.Inspection.Zip;

/// <summary>
/// A deflated entry read forward by one inflater. The first 256 KiB of output are retained, so re-reading
/// near the start is free; a read behind the inflater beyond that restarts it from the first byte. Output
/// stops at the recorded uncompressed size (a zip bomb inflates no further) and input at the recorded
/// compressed size. Not safe for concurrent use.
/// </summary>
internal sealed class DeflateEntryContent(BlockCachedReader reader, string name, long dataStart, long compressedLength, long length) : IEntryContent
{
    internal const int RetainedLength = 256 * 1024;
    private const int SkipBufferLength = 64 * 1024;

    private byte[]? _retained;
    private int _retainedFilled;
    private byte[]? _skipBuffer;
    private DeflateStream? _inflater;
    private long _position;

    public long Length => length;

    /// <summary>Only what is already inflated and retained: anything further means inflating everything before it.</summary>
    public bool IsCheapToRead(long offset, int count) => offset >= 0 && count >= 0 && offset + count <= _retainedFilled;

    public async ValueTask<int> ReadAtAsync(long offset, Memory<byte> destination, CancellationToken cancellationToken)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(offset);
        if (offset >= length || destination.IsEmpty)
        {
            return 0;
        }

        var count = (int)Math.Min(destination.Length, length - offset);
        var done = 0;
        while (done < count)
        {
            var position = offset + done;
            if (position < _retainedFilled)
            {
                var fromRetained = (int)Math.Min(count - done, _retainedFilled - position);
                _retained.AsSpan((int)position, fromRetained).CopyTo(destination.Span[done..]);
                done += fromRetained;
                continue;
            }

            if (position < _position)
            {
                Restart();
            }

            if (position > _position)
            {
                _skipBuffer ??= new byte[SkipBufferLength];
                await InflateAsync(_skipBuffer.AsMemory(0, (int)Math.Min(SkipBufferLength, position - _position)), cancellationToken).ConfigureAwait(false);
                continue;
            }

            done += await InflateAsync(destination.Slice(done, count - done), cancellationToken).ConfigureAwait(false);
        }

        return done;
    }

    /// <summary>Inflates at most <paramref name="destination"/>.Length bytes (never past the recorded length); at least one or throws.</summary>
    private async ValueTask<int> InflateAsync(Memory<byte> destination, CancellationToken cancellationToken)
    {
        _inflater ??= new DeflateStream(new CompressedChunkStream(reader, name, dataStart, compressedLength), CompressionMode.Decompress);
        int read;
        try
        {
            read = await _inflater.ReadAsync(destination[..(int)Math.Min(destination.Length, length - _position)], cancellationToken).ConfigureAwait(false);
        }
        catch (InvalidDataException)
        {
            // The BCL's message ("compressed using an unsupported compression method") misleads here.
            throw new InvalidZipException($"the deflate data of '{name}' is corrupt after {_position} bytes");
        }

        if (read == 0)
        {
            throw new InvalidZipException($"the deflate data of '{name}' ends after {_position} of the {length} bytes recorded");
        }

        if (_position < RetainedLength)
        {
            _retained ??= new byte[(int)Math.Min(length, RetainedLength)];
            var keep = (int)Math.Min(read, _retained.Length - _position);
            destination.Span[..keep].CopyTo(_retained.AsSpan((int)_position));
            _retainedFilled = Math.Max(_retainedFilled, (int)_position + keep);
        }

        _position += read;
        if (_position == length)
        {
            Release(); // Free zlib's native state now rather than at finalization.
        }

        return read;
    }

    private void Restart()
    {
        Release();
        _position = 0;
    }

    private void Release()
    {
        _inflater?.Dispose();
        _inflater = null;
    }

    /// <summary>
    /// The compressed bytes as a forward-only stream, pulled in chunks that start at 64 KiB (the bytes fetched
    /// with the local header) and double up to 1 MiB, never past the entry's compressed size.
    /// </summary>
    private sealed class CompressedChunkStream(BlockCachedReader reader, string name, long start, long length) : Stream
    {
        private const int FirstChunkLength = ZipPackage.FirstDataLength;
        private const int MaxChunkLength = BlockCachedReader.MaxRequestLength;

        private byte[] _chunk = [];
        private int _chunkFilled;
        private int _chunkPosition;
        private long _fetched;
        private int _nextChunkLength = FirstChunkLength;

        public override bool CanRead => true;
        public override bool CanSeek => false;
        public override bool CanWrite => false;
        public override long Length => throw new NotSupportedException();

        public override long Position
        {
            get => throw new NotSupportedException();
            set => throw new NotSupportedException();
        }

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

                var read = await reader.ReadAsync(start + _fetched, _chunk.AsMemory(0, size), cancellationToken).ConfigureAwait(false);
                if (read < size)
                {
                    throw new InvalidZipException($"the compressed data of '{name}' is cut short at offset {start + _fetched + read}");
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

        public override Task<int> ReadAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken) =>
            ReadAsync(buffer.AsMemory(offset, count), cancellationToken).AsTask();

        // The inflater is only ever driven asynchronously; a synchronous read would block on the network.
        public override int Read(byte[] buffer, int offset, int count) => throw new NotSupportedException();

        public override void Flush()
        {
        }

        public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();

        public override void SetLength(long value) => throw new NotSupportedException();

        public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();
    }
}
