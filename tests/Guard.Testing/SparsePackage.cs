using System.Buffers.Binary;
using System.Text;
using Guard.Inspection.Reading;

namespace Guard.Testing;

/// <summary>
/// Lays out a large package without holding it: stored entries whose data is real bytes or a run of zeros
/// of any length, written as a sparse range source. For request-budget tests on "200 MB" and multi-GiB
/// (zip64) packages: <c>new SparsePackage().AddZeros("lib/big.so", 200_000_000).AddFile("bootstrap", elf,
/// PackageBuilder.ExecutableMode).ToSource()</c>.
/// </summary>
/// <remarks>
/// Headers are written by hand (APPNOTE 4.3.7, 4.3.12, 4.3.14-16) with CRC-32 left at 0: Guard does not
/// verify CRCs, but unzip would reject these archives. Zip64 records are written when a value needs them
/// or when <paramref name="forceZip64"/> is set (every size and offset then goes through the 0x0001 extra field).
/// With <paramref name="legacyEntryCount"/>, 65,535 entries or more do not trigger zip64: the EOCD holds the
/// count modulo 65,536, as old zippers wrote it.
/// </remarks>
public sealed class SparsePackage(bool forceZip64 = false, bool legacyEntryCount = false)
{
    private const uint Saturated32 = uint.MaxValue;
    private const ushort Saturated16 = ushort.MaxValue;

    private readonly List<(string Name, byte[]? Content, long Length, int Mode)> _entries = [];

    /// <summary>A stored entry of <paramref name="length"/> zero bytes (never allocated).</summary>
    public SparsePackage AddZeros(string name, long length, int mode = PackageBuilder.RegularFileMode)
    {
        _entries.Add((name, null, length, mode));
        return this;
    }

    /// <summary>A stored entry with real content.</summary>
    public SparsePackage AddFile(string name, byte[] content, int mode = PackageBuilder.RegularFileMode)
    {
        ArgumentNullException.ThrowIfNull(content);
        _entries.Add((name, content, content.Length, mode));
        return this;
    }

    /// <summary>The package as a range source; only headers and real content are held in memory.</summary>
    public SparseRangeSource ToSource(string displayName = "memory://sparse.zip")
    {
        var islands = new List<(long, byte[])>();
        var central = new MemoryStream();
        long position = 0;
        var anyZip64 = forceZip64;
        foreach (var (name, content, length, mode) in _entries)
        {
            var nameBytes = Encoding.UTF8.GetBytes(name);
            var zip64 = forceZip64 || length >= Saturated32 || position >= Saturated32;
            anyZip64 |= zip64;

            var local = new byte[30 + nameBytes.Length + (zip64 ? 20 : 0)];
            var span = local.AsSpan();
            BinaryPrimitives.WriteUInt32LittleEndian(span, 0x04034b50);
            BinaryPrimitives.WriteUInt16LittleEndian(span[4..], zip64 ? (ushort)45 : (ushort)20);
            BinaryPrimitives.WriteUInt16LittleEndian(span[6..], 1 << 11);
            BinaryPrimitives.WriteUInt32LittleEndian(span[18..], zip64 ? Saturated32 : (uint)length);
            BinaryPrimitives.WriteUInt32LittleEndian(span[22..], zip64 ? Saturated32 : (uint)length);
            BinaryPrimitives.WriteUInt16LittleEndian(span[26..], (ushort)nameBytes.Length);
            BinaryPrimitives.WriteUInt16LittleEndian(span[28..], zip64 ? (ushort)20 : (ushort)0);
            nameBytes.CopyTo(span[30..]);
            if (zip64)
            {
                var extra = span[(30 + nameBytes.Length)..];
                BinaryPrimitives.WriteUInt16LittleEndian(extra, 0x0001);
                BinaryPrimitives.WriteUInt16LittleEndian(extra[2..], 16);
                BinaryPrimitives.WriteInt64LittleEndian(extra[4..], length);
                BinaryPrimitives.WriteInt64LittleEndian(extra[12..], length);
            }

            islands.Add((position, local));
            if (content is not null)
            {
                islands.Add((position + local.Length, content));
            }

            var header = new byte[46 + nameBytes.Length + (zip64 ? 28 : 0)];
            span = header.AsSpan();
            BinaryPrimitives.WriteUInt32LittleEndian(span, 0x02014b50);
            BinaryPrimitives.WriteUInt16LittleEndian(span[4..], (3 << 8) | 45);
            BinaryPrimitives.WriteUInt16LittleEndian(span[6..], zip64 ? (ushort)45 : (ushort)20);
            BinaryPrimitives.WriteUInt16LittleEndian(span[8..], 1 << 11);
            BinaryPrimitives.WriteUInt32LittleEndian(span[20..], zip64 ? Saturated32 : (uint)length);
            BinaryPrimitives.WriteUInt32LittleEndian(span[24..], zip64 ? Saturated32 : (uint)length);
            BinaryPrimitives.WriteUInt16LittleEndian(span[28..], (ushort)nameBytes.Length);
            BinaryPrimitives.WriteUInt16LittleEndian(span[30..], zip64 ? (ushort)28 : (ushort)0);
            BinaryPrimitives.WriteUInt32LittleEndian(span[38..], (uint)((mode & 0xF000) == 0 ? mode | 0x8000 : mode) << 16);
            BinaryPrimitives.WriteUInt32LittleEndian(span[42..], zip64 ? Saturated32 : (uint)position);
            nameBytes.CopyTo(span[46..]);
            if (zip64)
            {
                var extra = span[(46 + nameBytes.Length)..];
                BinaryPrimitives.WriteUInt16LittleEndian(extra, 0x0001);
                BinaryPrimitives.WriteUInt16LittleEndian(extra[2..], 24);
                BinaryPrimitives.WriteInt64LittleEndian(extra[4..], length);
                BinaryPrimitives.WriteInt64LittleEndian(extra[12..], length);
                BinaryPrimitives.WriteInt64LittleEndian(extra[20..], position);
            }

            central.Write(header);
            position += local.Length + length;
        }

        var directoryOffset = position;
        var directory = central.ToArray();
        anyZip64 |= directoryOffset >= Saturated32 || (_entries.Count >= Saturated16 && !legacyEntryCount);
        var end = new MemoryStream();
        if (anyZip64)
        {
            var record = new byte[56 + 20];
            var span = record.AsSpan();
            BinaryPrimitives.WriteUInt32LittleEndian(span, 0x06064b50);
            BinaryPrimitives.WriteInt64LittleEndian(span[4..], 44);
            BinaryPrimitives.WriteUInt16LittleEndian(span[12..], (3 << 8) | 45);
            BinaryPrimitives.WriteUInt16LittleEndian(span[14..], 45);
            BinaryPrimitives.WriteInt64LittleEndian(span[24..], _entries.Count);
            BinaryPrimitives.WriteInt64LittleEndian(span[32..], _entries.Count);
            BinaryPrimitives.WriteInt64LittleEndian(span[40..], directory.Length);
            BinaryPrimitives.WriteInt64LittleEndian(span[48..], directoryOffset);
            BinaryPrimitives.WriteUInt32LittleEndian(span[56..], 0x07064b50);
            BinaryPrimitives.WriteInt64LittleEndian(span[64..], directoryOffset + directory.Length);
            BinaryPrimitives.WriteUInt32LittleEndian(span[72..], 1);
            end.Write(record);
        }

        var eocd = new byte[22];
        BinaryPrimitives.WriteUInt32LittleEndian(eocd, 0x06054b50);
        BinaryPrimitives.WriteUInt16LittleEndian(eocd.AsSpan(8), anyZip64 ? Saturated16 : (ushort)(_entries.Count % 65536));
        BinaryPrimitives.WriteUInt16LittleEndian(eocd.AsSpan(10), anyZip64 ? Saturated16 : (ushort)(_entries.Count % 65536));
        BinaryPrimitives.WriteUInt32LittleEndian(eocd.AsSpan(12), anyZip64 ? Saturated32 : (uint)directory.Length);
        BinaryPrimitives.WriteUInt32LittleEndian(eocd.AsSpan(16), anyZip64 ? Saturated32 : (uint)directoryOffset);
        end.Write(eocd);

        var tail = new byte[directory.Length + end.Length];
        directory.CopyTo(tail, 0);
        end.ToArray().CopyTo(tail, directory.Length);
        islands.Add((directoryOffset, tail));
        return new SparseRangeSource(directoryOffset + tail.Length, islands, displayName);
    }
}

/// <summary>A package of the given length that reads as zeros except for the islands of real bytes.</summary>
public sealed class SparseRangeSource(long length, IReadOnlyList<(long Offset, byte[] Bytes)> islands, string displayName = "memory://sparse.zip") : IRangeSource
{
    public string DisplayName => displayName;

    public long Length => length;

    public ValueTask<TailRead> ReadTailAsync(Memory<byte> destination, CancellationToken cancellationToken)
    {
        var count = (int)Math.Min(destination.Length, length);
        Fill(length - count, destination.Span[..count]);
        return ValueTask.FromResult(new TailRead(length, count));
    }

    public ValueTask<int> ReadAsync(long offset, Memory<byte> destination, CancellationToken cancellationToken)
    {
        if (offset >= length)
        {
            return ValueTask.FromResult(0);
        }

        var count = (int)Math.Min(destination.Length, length - offset);
        Fill(offset, destination.Span[..count]);
        return ValueTask.FromResult(count);
    }

    public ValueTask DisposeAsync() => ValueTask.CompletedTask;

    /// <summary>All the bytes, for small layouts a test wants to patch.</summary>
    public byte[] ToArray()
    {
        var bytes = new byte[checked((int)length)];
        Fill(0, bytes);
        return bytes;
    }

    private void Fill(long offset, Span<byte> destination)
    {
        destination.Clear();
        var end = offset + destination.Length;
        foreach (var (start, bytes) in islands)
        {
            var from = Math.Max(start, offset);
            var to = Math.Min(start + bytes.Length, end);
            if (from < to)
            {
                bytes.AsSpan((int)(from - start), (int)(to - from)).CopyTo(destination[(int)(from - offset)..]);
            }
        }
    }
}
