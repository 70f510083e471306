using Guard.Inspection.Reading;

namespace Guard.Inspection.Zip;

/// <summary>
/// Random access over a range source for one package: the tail read at open is kept and serves every read
/// that falls inside it; so do the exact ranges fetched by <see cref="PrefetchAsync"/> (a local header and the
/// data after it), and reads of <see cref="ExactReadLength"/> bytes or more, fetched as asked and kept. Smaller reads
/// go through a few cached 64 KiB-aligned blocks, fetched together in one request, so neighbouring headers come
/// along; reads over <see cref="MaxPrefetchLength"/> go straight to the source, at most <see cref="MaxRequestLength"/>
/// per request.
/// Not safe for concurrent use.
/// </summary>
internal sealed class BlockCachedReader
{
    public const int BlockSize = 64 * 1024;

    /// <summary>No single request asks for more than this, whatever a header claims.</summary>
    public const int MaxRequestLength = 1024 * 1024;

    /// <summary>Blocks one small read fetches together, in one request.</summary>
    private const int MaxBlocksPerFetch = 3;

    private const int CachedBlocks = 6;

    /// <summary>
    /// Prefetched ranges kept: the bootstrap, what a symlink names and a shipped interpreter are the most one check opens.
    /// </summary>
    private const int HeldRanges = 4;

    /// <summary>Longest range one prefetch fetches: the local header, its name and extra field, and the first data.</summary>
    private const int MaxPrefetchLength = (MaxBlocksPerFetch - 1) * BlockSize;

    /// <summary>
    /// A read this long is fetched as asked rather than as whole blocks: it knows what it wants (a Go binary's build
    /// information, a version-needs window), and a 64 KiB block around a few KiB would cost more than the read.
    /// </summary>
    private const int ExactReadLength = 4 * 1024;

    private readonly IRangeSource _source;
    private readonly byte[] _tail;
    private readonly Block[] _blocks = new Block[CachedBlocks];
    private readonly List<(long Start, byte[] Bytes)> _held = new(HeldRanges);
    private long _clock;

    private BlockCachedReader(IRangeSource source, long length, byte[] tail, int tailLength)
    {
        _source = source;
        _tail = tail;
        Length = length;
        TailStart = length - tailLength;
        for (var i = 0; i < _blocks.Length; i++)
        {
            _blocks[i] = new Block();
        }
    }

    public long Length { get; }

    /// <summary>Where the bytes held from the tail read begin; they run to <see cref="Length"/>.</summary>
    public long TailStart { get; }

    public ReadOnlySpan<byte> Tail => _tail.AsSpan(0, (int)(Length - TailStart));

    public static async Task<BlockCachedReader> OpenAsync(IRangeSource source, int tailLength, CancellationToken cancellationToken)
    {
        var tail = new byte[tailLength];
        var read = await source.ReadTailAsync(tail, cancellationToken).ConfigureAwait(false);
        if (read.Length < 0 || read.BytesRead < 0 || read.BytesRead > tailLength || read.BytesRead > read.Length)
        {
            throw new InvalidOperationException($"{source.DisplayName} answered a tail read with {read.BytesRead} bytes of a {read.Length}-byte package");
        }

        return new BlockCachedReader(source, read.Length, tail, read.BytesRead);
    }

    /// <summary>
    /// Reads up to <paramref name="destination"/>.Length bytes at <paramref name="offset"/>; fewer only at the end
    /// of the package (or when the source returns less than it promised).
    /// </summary>
    public async ValueTask<int> ReadAsync(long offset, Memory<byte> destination, CancellationToken cancellationToken)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(offset);
        if (offset >= Length)
        {
            return 0;
        }

        var count = (int)Math.Min(destination.Length, Length - offset);
        var done = 0;
        while (done < count)
        {
            var position = offset + done;
            if (position >= TailStart)
            {
                Tail.Slice((int)(position - TailStart), count - done).CopyTo(destination.Span[done..]);
                return count;
            }

            var beforeTail = (int)Math.Min(count - done, TailStart - position);
            var copied = CopyFromHeld(position, destination.Span.Slice(done, beforeTail));
            if (copied > 0)
            {
                done += copied;
                continue;
            }

            copied = CopyFromBlock(position, destination.Span.Slice(done, beforeTail));
            if (copied > 0)
            {
                done += copied;
                continue;
            }

            if (beforeTail < ExactReadLength)
            {
                await FetchBlocksAsync(position, beforeTail, cancellationToken).ConfigureAwait(false);
                copied = CopyFromBlock(position, destination.Span.Slice(done, beforeTail));
            }
            else if (beforeTail <= MaxPrefetchLength)
            {
                await HoldAsync(position, position + beforeTail, cancellationToken).ConfigureAwait(false);
                copied = CopyFromHeld(position, destination.Span.Slice(done, beforeTail));
            }
            else
            {
                copied = await ReadSourceAsync(position, destination.Slice(done, Math.Min(beforeTail, MaxRequestLength)), cancellationToken).ConfigureAwait(false);
            }

            if (copied == 0)
            {
                break; // The source ended early: report what we have rather than loop.
            }

            done += copied;
        }

        return done;
    }

    /// <summary>
    /// Makes sure the bytes at [offset, offset + length) are held, in one request at most, so a local header and the
    /// data after it cost one round trip together. Fetches exactly that range (up to <see cref="MaxPrefetchLength"/>,
    /// never past the tail): rounding it out to blocks used to add up to 64 KiB nobody read.
    /// </summary>
    public async ValueTask PrefetchAsync(long offset, int length, CancellationToken cancellationToken)
    {
        if (offset < 0 || offset >= TailStart)
        {
            return;
        }

        var end = Math.Min(offset + Math.Min(length, MaxPrefetchLength), TailStart);
        if (end > offset && !IsHeld(offset, end))
        {
            await HoldAsync(offset, end, cancellationToken).ConfigureAwait(false);
        }
    }

    /// <summary>
    /// The bytes at [offset, offset + length) read forward: what is already held (the tail, prefetched ranges, cached
    /// blocks) is served from memory, the rest from one streamed request that starts at the first byte not held and runs
    /// to the tail, so inflating an entry from its local header costs one request however far it goes.
    /// </summary>
    public ForwardStream OpenForward(long offset, long length) => new(this, offset, offset + Math.Max(0, Math.Min(length, Length - offset)));

    /// <summary>See <see cref="OpenForward"/>. Not safe for concurrent use; disposing it ends its request.</summary>
    internal sealed class ForwardStream(BlockCachedReader reader, long start, long end) : ForwardReadStream
    {
        private long _position = start;
        private long _end = end;
        private Stream? _source;
        private long _sourcePosition;
        private long _sourceEnd;

        /// <summary>Where the next read starts, in package offsets.</summary>
        public long PackagePosition => _position;

        /// <summary>Moves the end to where an entry's data stops, once its local header says so; a later end is read in a further request.</summary>
        public void EndAt(long end) => _end = Math.Clamp(end, _position, reader.Length);

        public override async ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default)
        {
            var count = (int)Math.Min(buffer.Length, _end - _position);
            if (count <= 0)
            {
                return 0;
            }

            int copied;
            if (_position >= reader.TailStart)
            {
                reader.Tail.Slice((int)(_position - reader.TailStart), count).CopyTo(buffer.Span);
                copied = count;
            }
            else
            {
                var beforeTail = (int)Math.Min(count, reader.TailStart - _position);

                // Once streaming, stay on the stream: jumping to a held range and back would cost a second request.
                var streaming = _source is not null && _sourcePosition == _position && _sourcePosition < _sourceEnd;
                copied = streaming ? 0 : reader.CopyFromHeld(_position, buffer.Span[..beforeTail]);
                if (copied == 0 && !streaming)
                {
                    copied = reader.CopyFromBlock(_position, buffer.Span[..beforeTail]);
                }

                if (copied == 0)
                {
                    if (!streaming)
                    {
                        if (_source is not null)
                        {
                            await _source.DisposeAsync().ConfigureAwait(false);
                        }

                        _sourceEnd = Math.Min(_end, reader.TailStart);
                        _source = await reader._source.OpenReadAsync(_position, _sourceEnd - _position, cancellationToken).ConfigureAwait(false);
                        _sourcePosition = _position;
                    }

                    copied = await _source!.ReadAsync(buffer[..(int)Math.Min(beforeTail, _sourceEnd - _position)], cancellationToken).ConfigureAwait(false);
                    if (copied <= 0 || copied > beforeTail)
                    {
                        return 0; // The package ended early: the reader says what is missing.
                    }

                    _sourcePosition += copied;
                }
            }

            _position += copied;
            return copied;
        }

        protected override void Dispose(bool disposing)
        {
            if (disposing)
            {
                _source?.Dispose();
                _source = null;
            }

            base.Dispose(disposing);
        }

        public override async ValueTask DisposeAsync()
        {
            if (_source is not null)
            {
                await _source.DisposeAsync().ConfigureAwait(false);
                _source = null;
            }

            await base.DisposeAsync().ConfigureAwait(false);
        }
    }

    /// <summary>Fetches [offset, end) in one request and keeps it, dropping the oldest held range when full.</summary>
    private async ValueTask HoldAsync(long offset, long end, CancellationToken cancellationToken)
    {
        var bytes = new byte[(int)(end - offset)];
        var read = await ReadSourceAsync(offset, bytes, cancellationToken).ConfigureAwait(false);
        if (read == 0)
        {
            return;
        }

        if (_held.Count == HeldRanges)
        {
            _held.RemoveAt(0);
        }

        _held.Add((offset, read == bytes.Length ? bytes : bytes[..read]));
    }

    private int CopyFromHeld(long position, Span<byte> destination)
    {
        foreach (var (start, bytes) in _held)
        {
            if (position >= start && position < start + bytes.Length)
            {
                var count = (int)Math.Min(destination.Length, start + bytes.Length - position);
                bytes.AsSpan((int)(position - start), count).CopyTo(destination);
                return count;
            }
        }

        return 0;
    }

    /// <summary>Whether one held range (or the tail) already covers [start, end).</summary>
    private bool IsHeld(long start, long end) =>
        start >= TailStart || _held.Exists(range => start >= range.Start && end <= range.Start + range.Bytes.Length);

    private int CopyFromBlock(long position, Span<byte> destination)
    {
        var index = position / BlockSize;
        foreach (var block in _blocks)
        {
            if (block.Index == index)
            {
                var within = (int)(position - index * BlockSize);
                if (within >= block.Valid)
                {
                    return 0;
                }

                block.LastUse = ++_clock;
                var count = Math.Min(destination.Length, block.Valid - within);
                block.Data.AsSpan(within, count).CopyTo(destination);
                return count;
            }
        }

        return 0;
    }

    private bool IsHeld(long index)
    {
        foreach (var block in _blocks)
        {
            if (block.Index == index)
            {
                return true;
            }
        }

        return false;
    }

    /// <summary>Fetches, in one request, the missing blocks among those covering [position, position + length).</summary>
    private async ValueTask FetchBlocksAsync(long position, int length, CancellationToken cancellationToken)
    {
        var first = position / BlockSize;
        var last = (position + Math.Max(length, 1) - 1) / BlockSize;
        while (first <= last && IsHeld(first))
        {
            first++;
        }

        while (last >= first && IsHeld(last))
        {
            last--;
        }

        if (first > last)
        {
            return;
        }

        last = Math.Min(last, first + MaxBlocksPerFetch - 1);
        var start = first * BlockSize;

        // Bytes from TailStart on are already held; fetch only up to there.
        var end = Math.Min((last + 1) * BlockSize, TailStart);
        var buffer = new byte[(int)(end - start)];
        var read = await ReadSourceAsync(start, buffer, cancellationToken).ConfigureAwait(false);
        for (var index = first; index <= last; index++)
        {
            var offsetInBuffer = (int)((index - first) * BlockSize);
            if (offsetInBuffer >= read)
            {
                break;
            }

            if (IsHeld(index))
            {
                continue;
            }

            var block = LeastRecentlyUsed();
            block.Index = index;
            block.Valid = Math.Min(BlockSize, read - offsetInBuffer);
            block.LastUse = ++_clock;
            buffer.AsSpan(offsetInBuffer, block.Valid).CopyTo(block.Data);
        }
    }

    private Block LeastRecentlyUsed()
    {
        var oldest = _blocks[0];
        foreach (var block in _blocks)
        {
            if (block.LastUse < oldest.LastUse)
            {
                oldest = block;
            }
        }

        return oldest;
    }

    private async ValueTask<int> ReadSourceAsync(long offset, Memory<byte> destination, CancellationToken cancellationToken)
    {
        var total = 0;
        while (total < destination.Length)
        {
            var chunk = destination.Slice(total, Math.Min(destination.Length - total, MaxRequestLength));
            var read = await _source.ReadAsync(offset + total, chunk, cancellationToken).ConfigureAwait(false);
            if (read <= 0 || read > chunk.Length)
            {
                break; // End of the package, or a source that broke its contract: never loop on it.
            }

            total += read;
        }

        return total;
    }

    private sealed class Block
    {
        public long Index = -1;
        public int Valid;
        public long LastUse;
        private byte[]? _data;

        public byte[] Data => _data ??= new byte[BlockSize];
    }
}
