using System.Buffers.Binary;

namespace Guard.Inspection.Zip;

// The fixed-size parts of the zip records Guard reads, parsed from spans at the offsets APPNOTE 6.3.10 gives.
// Callers check the length and the signature; Parse only reads.

/// <summary>End of central directory record (APPNOTE 4.3.16).</summary>
internal readonly record struct EndOfCentralDirectory(
    ushort DiskNumber,
    ushort CentralDirectoryDisk,
    ushort EntriesOnDisk,
    ushort EntryCount,
    uint CentralDirectorySize,
    uint CentralDirectoryOffset,
    ushort CommentLength)
{
    public const uint EocdSignature = 0x06054b50;
    public const int FixedSize = 22;
    public const int MaxCommentLength = ushort.MaxValue;

    public static EndOfCentralDirectory Parse(ReadOnlySpan<byte> record) => new(
        BinaryPrimitives.ReadUInt16LittleEndian(record[4..]),
        BinaryPrimitives.ReadUInt16LittleEndian(record[6..]),
        BinaryPrimitives.ReadUInt16LittleEndian(record[8..]),
        BinaryPrimitives.ReadUInt16LittleEndian(record[10..]),
        BinaryPrimitives.ReadUInt32LittleEndian(record[12..]),
        BinaryPrimitives.ReadUInt32LittleEndian(record[16..]),
        BinaryPrimitives.ReadUInt16LittleEndian(record[20..]));
}

/// <summary>Zip64 end of central directory locator (APPNOTE 4.3.15): sits right before the EOCD.</summary>
internal readonly record struct Zip64EndOfCentralDirectoryLocator(uint Zip64RecordDisk, ulong Zip64RecordOffset, uint TotalDisks)
{
    public const uint LocatorSignature = 0x07064b50;
    public const int FixedSize = 20;

    public static Zip64EndOfCentralDirectoryLocator Parse(ReadOnlySpan<byte> record) => new(
        BinaryPrimitives.ReadUInt32LittleEndian(record[4..]),
        BinaryPrimitives.ReadUInt64LittleEndian(record[8..]),
        BinaryPrimitives.ReadUInt32LittleEndian(record[16..]));
}

/// <summary>Zip64 end of central directory record (APPNOTE 4.3.14), version 1 fields only.</summary>
internal readonly record struct Zip64EndOfCentralDirectory(
    ulong RecordSize,
    uint DiskNumber,
    uint CentralDirectoryDisk,
    ulong EntriesOnDisk,
    ulong EntryCount,
    ulong CentralDirectorySize,
    ulong CentralDirectoryOffset)
{
    public const uint Zip64EocdSignature = 0x06064b50;
    public const int FixedSize = 56;

    /// <summary>"Size of zip64 end of central directory record" counts the bytes after its own field (4.3.14.1).</summary>
    public const int MinRecordSize = FixedSize - 12;

    public static Zip64EndOfCentralDirectory Parse(ReadOnlySpan<byte> record) => new(
        BinaryPrimitives.ReadUInt64LittleEndian(record[4..]),
        BinaryPrimitives.ReadUInt32LittleEndian(record[16..]),
        BinaryPrimitives.ReadUInt32LittleEndian(record[20..]),
        BinaryPrimitives.ReadUInt64LittleEndian(record[24..]),
        BinaryPrimitives.ReadUInt64LittleEndian(record[32..]),
        BinaryPrimitives.ReadUInt64LittleEndian(record[40..]),
        BinaryPrimitives.ReadUInt64LittleEndian(record[48..]));
}

/// <summary>Central directory file header (APPNOTE 4.3.12), fixed part; name, extra field and comment follow.</summary>
internal readonly record struct CentralDirectoryHeader(
    ushort VersionMadeBy,
    ushort Flags,
    ushort CompressionMethod,
    uint Crc32,
    uint CompressedSize,
    uint UncompressedSize,
    ushort NameLength,
    ushort ExtraLength,
    ushort CommentLength,
    ushort DiskNumberStart,
    uint ExternalAttributes,
    uint LocalHeaderOffset)
{
    public const uint CentralHeaderSignature = 0x02014b50;
    public const int FixedSize = 46;

    /// <summary>The largest header the format allows: three u16-sized variable fields.</summary>
    public const int MaxSize = FixedSize + 3 * ushort.MaxValue;

    public int TotalSize => FixedSize + NameLength + ExtraLength + CommentLength;

    public static CentralDirectoryHeader Parse(ReadOnlySpan<byte> record) => new(
        BinaryPrimitives.ReadUInt16LittleEndian(record[4..]),
        BinaryPrimitives.ReadUInt16LittleEndian(record[8..]),
        BinaryPrimitives.ReadUInt16LittleEndian(record[10..]),
        BinaryPrimitives.ReadUInt32LittleEndian(record[16..]),
        BinaryPrimitives.ReadUInt32LittleEndian(record[20..]),
        BinaryPrimitives.ReadUInt32LittleEndian(record[24..]),
        BinaryPrimitives.ReadUInt16LittleEndian(record[28..]),
        BinaryPrimitives.ReadUInt16LittleEndian(record[30..]),
        BinaryPrimitives.ReadUInt16LittleEndian(record[32..]),
        BinaryPrimitives.ReadUInt16LittleEndian(record[34..]),
        BinaryPrimitives.ReadUInt32LittleEndian(record[38..]),
        BinaryPrimitives.ReadUInt32LittleEndian(record[42..]));
}

/// <summary>Digital signature record (APPNOTE 4.3.13): may close the central directory; Guard skips it.</summary>
internal readonly record struct DigitalSignature(ushort DataLength)
{
    public const uint DigitalSignatureSignature = 0x05054b50;
    public const int FixedSize = 6;

    public static DigitalSignature Parse(ReadOnlySpan<byte> record) => new(BinaryPrimitives.ReadUInt16LittleEndian(record[4..]));
}

/// <summary>Local file header (APPNOTE 4.3.7), fixed part; Guard needs only where the data starts.</summary>
internal readonly record struct LocalFileHeader(ushort Flags, ushort CompressionMethod, ushort NameLength, ushort ExtraLength)
{
    public const uint LocalHeaderSignature = 0x04034b50;
    public const int FixedSize = 30;

    public static LocalFileHeader Parse(ReadOnlySpan<byte> record) => new(
        BinaryPrimitives.ReadUInt16LittleEndian(record[6..]),
        BinaryPrimitives.ReadUInt16LittleEndian(record[8..]),
        BinaryPrimitives.ReadUInt16LittleEndian(record[26..]),
        BinaryPrimitives.ReadUInt16LittleEndian(record[28..]));
}

/// <summary>
/// Zip64 extended information extra field (APPNOTE 4.5.3): holds, in this order, the uncompressed size, the
/// compressed size and the local header offset, each only when the header's 32-bit value is 0xFFFFFFFF.
/// </summary>
internal static class Zip64ExtendedInformation
{
    public const ushort HeaderId = 0x0001;

    /// <summary>
    /// Replaces the saturated values with the 64-bit ones. An absent or short field leaves them as they are,
    /// as ZipArchive does; the bounds checks that follow catch a value that then makes no sense.
    /// </summary>
    public static void Apply(ReadOnlySpan<byte> extraField, ref ulong uncompressedSize, ref ulong compressedSize, ref ulong localHeaderOffset)
    {
        // APPNOTE 4.5.1: a sequence of (id u16, size u16, data) blocks.
        while (extraField.Length >= 4)
        {
            var id = BinaryPrimitives.ReadUInt16LittleEndian(extraField);
            var size = BinaryPrimitives.ReadUInt16LittleEndian(extraField[2..]);
            if (size > extraField.Length - 4)
            {
                return;
            }

            var data = extraField.Slice(4, size);
            if (id == HeaderId)
            {
                TakeIfSaturated(ref data, ref uncompressedSize);
                TakeIfSaturated(ref data, ref compressedSize);
                TakeIfSaturated(ref data, ref localHeaderOffset);
                return;
            }

            extraField = extraField[(4 + size)..];
        }
    }

    private static void TakeIfSaturated(ref ReadOnlySpan<byte> data, ref ulong value)
    {
        if (value == uint.MaxValue && data.Length >= 8)
        {
            value = BinaryPrimitives.ReadUInt64LittleEndian(data);
            data = data[8..];
        }
    }
}
