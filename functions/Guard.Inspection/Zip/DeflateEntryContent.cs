using System.IO.Compression;
using Guard.Inspection.Reading;
using Microsoft.Win32.SafeHandles;

namespace Guard.Inspection.Zip;

/// <summary>
/// A deflated entry inflated once, forward, from one stream of its compressed data, and kept: every later question about
/// the entry reads what was already inflated instead of inflating again. The first <see cref="KeptInMemoryLength"/> bytes
/// are kept in memory, the rest up to <see cref="MaxKeptLength"/> in a temporary file deleted on dispose, so memory stays
/// at 4 MiB per entry however far in its structures lie. Output stops at the recorded uncompressed size (a zip bomb inflates
/// no further) and input at the recorded compressed size. Not safe for concurrent use.
/// </summary>
internal sealed class DeflateEntryContent(Stream compressed, string name, long length) : IEntryContent
{
    /// <summary>Inflated bytes kept in memory: the headers, the dynamic strings and version needs of all but huge libraries.</summary>
    internal const int KeptInMemoryLength = 4 * 1024 * 1024;

    /// <summary>
    /// Inflated bytes kept at all (memory, then disk): Lambda's 250 MB unzipped limit, which every deployable entry fits.
    /// A structure beyond it is not reachable (<see cref="IsReachable"/>): the analysis says what it could not verify.
    /// </summary>
    internal const long MaxKeptLength = 256L * 1024 * 1024;

    private const int ChunkLength = 64 * 1024;

    private readonly List<byte[]> _memory = [];
    private byte[]? _scratch;
    private SafeFileHandle? _spill;
    private DeflateStream? _inflater;
    private int _scratchFilled;
    private long _position;
    private bool _disposed;

    public long Length => length;

    /// <summary>Anything within what is kept: reaching it costs inflating forward to it once, in the stream already open.</summary>
    public bool IsReachable(long offset, int count) => offset >= 0 && count >= 0 && offset + count <= Math.Min(length, MaxKeptLength);

    public async ValueTask<int> ReadAtAsync(long offset, Memory<byte> destination, CancellationToken cancellationToken)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(offset);
        ObjectDisposedException.ThrowIf(_disposed, this);
        if (offset >= length || destination.IsEmpty)
        {
            return 0;
        }

        var count = (int)Math.Min(destination.Length, length - offset);
        var done = 0;
        while (done < count)
        {
            var position = offset + done;
            if (position < _position)
            {
                if (position >= MaxKeptLength)
                {
                    // Only an entry larger than Lambda unzips gets here, and only when its headers point back and forth.
                    throw new InvalidZipException($"'{name}' is read {position} bytes in, behind what was inflated and past the {MaxKeptLength} bytes kept (larger than Lambda's unzipped limit)");
                }

                done += await CopyKeptAsync(position, destination.Slice(done, (int)Math.Min(count - done, Math.Min(_position, MaxKeptLength) - position)), cancellationToken).ConfigureAwait(false);
                continue;
            }

            await InflateChunkAsync(cancellationToken).ConfigureAwait(false);
            if (_position > position && position >= MaxKeptLength)
            {
                // Past what is kept the chunk just inflated is the only copy: serve from it.
                var chunkStart = _position - _scratchFilled;
                var take = (int)Math.Min(count - done, _position - position);
                _scratch!.AsSpan((int)(position - chunkStart), take).CopyTo(destination.Span[done..]);
                done += take;
            }
        }

        return done;
    }

    /// <summary>Inflates the next chunk (at most 64 KiB, never past the recorded length) and keeps it; at least one byte or throws.</summary>
    private async ValueTask InflateChunkAsync(CancellationToken cancellationToken)
    {
        _inflater ??= new DeflateStream(compressed, CompressionMode.Decompress, leaveOpen: true);
        _scratch ??= new byte[ChunkLength];
        int read;
        try
        {
            read = await _inflater.ReadAsync(_scratch.AsMemory(0, (int)Math.Min(ChunkLength, length - _position)), cancellationToken).ConfigureAwait(false);
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

        await KeepAsync(_scratch.AsMemory(0, read), cancellationToken).ConfigureAwait(false);
        _scratchFilled = read;
        _position += read;
        if (_position == length)
        {
            await ReleaseInputAsync().ConfigureAwait(false); // Free zlib's state and end the request now, not at dispose.
        }
    }

    private async ValueTask KeepAsync(ReadOnlyMemory<byte> bytes, CancellationToken cancellationToken)
    {
        var at = _position;
        while (!bytes.IsEmpty && at < MaxKeptLength)
        {
            if (at < KeptInMemoryLength)
            {
                var index = (int)(at / ChunkLength);
                if (index == _memory.Count)
                {
                    _memory.Add(new byte[ChunkLength]);
                }

                var within = (int)(at % ChunkLength);
                var take = Math.Min(bytes.Length, ChunkLength - within);
                bytes.Span[..take].CopyTo(_memory[index].AsSpan(within));
                bytes = bytes[take..];
                at += take;
            }
            else
            {
                var take = (int)Math.Min(bytes.Length, MaxKeptLength - at);
                _spill ??= File.OpenHandle(
                    Path.Combine(Path.GetTempPath(), $"guard-inflated-{Guid.NewGuid():N}"), FileMode.CreateNew, FileAccess.ReadWrite, FileShare.None, FileOptions.DeleteOnClose);
                await RandomAccess.WriteAsync(_spill, bytes[..take], at - KeptInMemoryLength, cancellationToken).ConfigureAwait(false);
                bytes = bytes[take..];
                at += take;
            }
        }
    }

    private async ValueTask<int> CopyKeptAsync(long position, Memory<byte> destination, CancellationToken cancellationToken)
    {
        if (position < KeptInMemoryLength)
        {
            var within = (int)(position % ChunkLength);
            var take = Math.Min(destination.Length, ChunkLength - within);
            _memory[(int)(position / ChunkLength)].AsSpan(within, take).CopyTo(destination.Span);
            return take;
        }

        var total = 0;
        while (total < destination.Length)
        {
            var read = await RandomAccess.ReadAsync(_spill!, destination[total..], position + total - KeptInMemoryLength, cancellationToken).ConfigureAwait(false);
            if (read <= 0)
            {
                throw new InvalidOperationException($"'{name}': the kept copy ends at {position + total}");
            }

            total += read;
        }

        return total;
    }

    private async ValueTask ReleaseInputAsync()
    {
        _inflater?.Dispose();
        _inflater = null;
        await compressed.DisposeAsync().ConfigureAwait(false);
    }

    public async ValueTask DisposeAsync()
    {
        if (_disposed)
        {
            return;
        }

        _disposed = true;
        await ReleaseInputAsync().ConfigureAwait(false);
        _spill?.Dispose();
        _memory.Clear();
    }
}
