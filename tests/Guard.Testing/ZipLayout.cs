using System.Buffers.Binary;

namespace Guard.Testing;

/// <summary>
/// Where the records of a valid (non-split) zip sit, so tests can make malformed inputs by patching bytes of a
/// real archive: <c>var layout = ZipLayout.Of(bytes); bytes[layout.EndOfCentralDirectory + 16] ^= 1;</c>.
/// Field offsets are APPNOTE's: EOCD +10 entry count, +12 directory size, +16 directory offset; central
/// header +4 version made by, +38 external attributes, +42 local header offset.
/// </summary>
public sealed record ZipLayout(
    int EndOfCentralDirectory,
    int CentralDirectory,
    int CentralDirectorySize,
    IReadOnlyList<int> CentralDirectoryHeaders,
    IReadOnlyList<int> LocalHeaders)
{
    private const uint EocdSignature = 0x06054b50;
    private const uint CentralHeaderSignature = 0x02014b50;

    /// <summary>Reads the layout from the 32-bit end of central directory record (zip64 fields are not followed).</summary>
    public static ZipLayout Of(byte[] archive)
    {
        ArgumentNullException.ThrowIfNull(archive);
        var eocd = archive.Length - 22;
        while (eocd >= 0 && BinaryPrimitives.ReadUInt32LittleEndian(archive.AsSpan(eocd)) != EocdSignature)
        {
            eocd--;
        }

        if (eocd < 0)
        {
            throw new ArgumentException("no end of central directory record", nameof(archive));
        }

        var size = (int)BinaryPrimitives.ReadUInt32LittleEndian(archive.AsSpan(eocd + 12));
        var start = eocd - size; // Honest for archives these tests build; tolerates prepended bytes.
        var headers = new List<int>();
        var locals = new List<int>();
        for (var at = start; at < eocd && BinaryPrimitives.ReadUInt32LittleEndian(archive.AsSpan(at)) == CentralHeaderSignature;)
        {
            headers.Add(at);
            locals.Add((int)BinaryPrimitives.ReadUInt32LittleEndian(archive.AsSpan(at + 42)) + start - (int)BinaryPrimitives.ReadUInt32LittleEndian(archive.AsSpan(eocd + 16)));
            at += 46 + BinaryPrimitives.ReadUInt16LittleEndian(archive.AsSpan(at + 28)) +
                  BinaryPrimitives.ReadUInt16LittleEndian(archive.AsSpan(at + 30)) +
                  BinaryPrimitives.ReadUInt16LittleEndian(archive.AsSpan(at + 32));
        }

        return new ZipLayout(eocd, start, size, headers, locals);
    }

    /// <summary>
    /// A copy of <paramref name="archive"/> as a Windows zipper writes it: "version made by" host 0 (MS-DOS)
    /// and no Unix mode in the high 16 bits of the external attributes.
    /// </summary>
    public static byte[] AsMadeOnWindows(byte[] archive)
    {
        var copy = (byte[])archive.Clone();
        foreach (var header in Of(copy).CentralDirectoryHeaders)
        {
            copy[header + 5] = 0;
            BinaryPrimitives.WriteUInt16LittleEndian(copy.AsSpan(header + 40), 0);
        }

        return copy;
    }
}
