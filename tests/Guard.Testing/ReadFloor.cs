using System.Buffers.Binary;
using System.IO.Compression;

namespace Guard.Testing;

/// <summary>
/// The least any reader of a zip could fetch to answer a question: the central directory (with its end record), plus,
/// for each entry it must read, its local header and the compressed bytes that inflate to its deepest needed byte.
/// What Guard reads is compared against it (<c>bytes ≤ 1.25 × floor</c>).
/// </summary>
public static class ReadFloor
{
    /// <param name="archive">A zip the tests built (32-bit records, no prepended bytes).</param>
    /// <param name="needs">Entry name to one past the deepest uncompressed byte its judgement needs.</param>
    public static long Of(byte[] archive, IReadOnlyDictionary<string, long> needs)
    {
        var layout = ZipLayout.Of(archive);
        long floor = archive.Length - layout.CentralDirectory;
        foreach (var header in layout.CentralDirectoryHeaders)
        {
            var nameLength = BinaryPrimitives.ReadUInt16LittleEndian(archive.AsSpan(header + 28));
            var name = System.Text.Encoding.UTF8.GetString(archive, header + 46, nameLength);
            if (!needs.TryGetValue(name, out var deepest))
            {
                continue;
            }

            var method = BinaryPrimitives.ReadUInt16LittleEndian(archive.AsSpan(header + 10));
            var compressedSize = BinaryPrimitives.ReadUInt32LittleEndian(archive.AsSpan(header + 20));
            var local = (int)BinaryPrimitives.ReadUInt32LittleEndian(archive.AsSpan(header + 42));
            var dataStart = local + 30 + BinaryPrimitives.ReadUInt16LittleEndian(archive.AsSpan(local + 26)) + BinaryPrimitives.ReadUInt16LittleEndian(archive.AsSpan(local + 28));
            var data = archive.AsMemory(dataStart, (int)compressedSize);
            floor += dataStart - local + (method == 0 ? Math.Min(deepest, compressedSize) : CompressedBytesFor(data, deepest));
        }

        return floor;
    }

    /// <summary>
    /// One past the deepest byte Guard's verdict needs of an ELF file (64-bit little-endian, as Lambda's two CPUs run):
    /// a Go binary's build information (Go 1.18+ blob), else a dynamic file's PT_DYNAMIC (its strings and version needs
    /// lie before it), else the first 64 KiB (the headers).
    /// </summary>
    public static long DeepestNeededByte(byte[] elf)
    {
        ArgumentNullException.ThrowIfNull(elf);
        ReadOnlySpan<byte> magic = [0xFF, .. " Go buildinf:"u8];
        for (var at = 0; at + 32 <= elf.Length; at += 16)
        {
            if (elf.AsSpan(at).StartsWith(magic) && (elf[at + 15] & 2) != 0)
            {
                var end = at + 32;
                for (var field = 0; field < 2; field++)
                {
                    ulong length = 0;
                    var shift = 0;
                    byte b;
                    do
                    {
                        b = elf[end++];
                        length |= (ulong)(b & 0x7F) << shift;
                        shift += 7;
                    }
                    while (b >= 0x80);
                    end += (int)length;
                }

                return end;
            }
        }

        var table = (int)BinaryPrimitives.ReadUInt64LittleEndian(elf.AsSpan(32));
        var size = BinaryPrimitives.ReadUInt16LittleEndian(elf.AsSpan(54));
        var count = BinaryPrimitives.ReadUInt16LittleEndian(elf.AsSpan(56));
        long deepest = Math.Min(elf.Length, 64 * 1024);
        for (var i = 0; i < count; i++)
        {
            var header = elf.AsSpan(table + (i * size));
            if (BinaryPrimitives.ReadUInt32LittleEndian(header) == 2)
            {
                deepest = Math.Max(deepest, (long)(BinaryPrimitives.ReadUInt64LittleEndian(header[8..]) + BinaryPrimitives.ReadUInt64LittleEndian(header[32..])));
            }
        }

        return deepest;
    }

    /// <summary>How many bytes of a deflate stream must be fed (in 256-byte steps) before it yields <paramref name="output"/> bytes.</summary>
    public static long CompressedBytesFor(ReadOnlyMemory<byte> deflated, long output)
    {
        var input = new TrickleStream(deflated);
        using var inflater = new DeflateStream(input, CompressionMode.Decompress);
        var buffer = new byte[64 * 1024];
        long produced = 0;
        while (produced < output)
        {
            var read = inflater.Read(buffer, 0, (int)Math.Min(buffer.Length, output - produced));
            if (read == 0)
            {
                break;
            }

            produced += read;
        }

        return input.Given;
    }

    /// <summary>Hands the inflater at most 256 bytes a read, so what it consumed is known to within that.</summary>
    private sealed class TrickleStream(ReadOnlyMemory<byte> bytes) : Stream
    {
        public long Given { get; private set; }
        public override bool CanRead => true;
        public override bool CanSeek => false;
        public override bool CanWrite => false;
        public override long Length => bytes.Length;

        public override long Position
        {
            get => Given;
            set => throw new NotSupportedException();
        }

        public override int Read(byte[] buffer, int offset, int count)
        {
            var take = (int)Math.Min(Math.Min(count, 256), bytes.Length - Given);
            bytes.Span.Slice((int)Given, take).CopyTo(buffer.AsSpan(offset));
            Given += take;
            return take;
        }

        public override void Flush()
        {
        }

        public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();

        public override void SetLength(long value) => throw new NotSupportedException();

        public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();
    }
}
