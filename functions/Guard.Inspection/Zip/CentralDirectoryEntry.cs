namespace Guard.Inspection.Zip;

/// <summary>One central directory file header (APPNOTE 4.3.12), reduced to what Guard judges.</summary>
/// <param name="Name">The entry's path inside the archive, '/'-separated as stored.</param>
/// <param name="MadeByHost">Upper byte of "version made by" (APPNOTE 4.4.2): 0 = MS-DOS/Windows, 3 = Unix, 19 = OS X.</param>
/// <param name="Flags">General purpose bit flag (APPNOTE 4.4.4).</param>
/// <param name="CompressionMethod">APPNOTE 4.4.5: 0 = stored, 8 = deflate.</param>
/// <param name="ExternalAttributes">External file attributes (APPNOTE 4.4.15): Unix mode in the high 16 bits on Unix hosts.</param>
public sealed record CentralDirectoryEntry(
    string Name,
    byte MadeByHost,
    ushort Flags,
    ushort CompressionMethod,
    uint Crc32,
    long CompressedSize,
    long UncompressedSize,
    long LocalHeaderOffset,
    uint ExternalAttributes)
{
    public const ushort Stored = 0;
    public const ushort Deflate = 8;
    private const byte UnixHost = 3;
    private const byte MacOsXHost = 19;
    private const uint DosDirectoryAttribute = 0x10;
    private const int UnixFileTypeMask = 0xF000;
    private const int UnixDirectory = 0x4000;
    private const int UnixSymbolicLink = 0xA000;

    public bool IsEncrypted => (Flags & 0x1) != 0;

    public bool HasSupportedCompression => CompressionMethod is Stored or Deflate;

    /// <summary>
    /// The Unix mode (type and permission bits), or null when the archive records none: Windows zippers
    /// write a DOS host and leave the high 16 bits empty, and Lambda then extracts without execute bits.
    /// </summary>
    public int? UnixMode
    {
        get
        {
            var high = (int)(ExternalAttributes >> 16);
            return MadeByHost is UnixHost or MacOsXHost || high != 0 ? (high == 0 ? null : high) : null;
        }
    }

    public bool IsDirectory =>
        Name.EndsWith('/') ||
        (UnixMode is { } mode ? (mode & UnixFileTypeMask) == UnixDirectory : (ExternalAttributes & DosDirectoryAttribute) != 0);

    public bool IsSymbolicLink => UnixMode is { } mode && (mode & UnixFileTypeMask) == UnixSymbolicLink;
}
