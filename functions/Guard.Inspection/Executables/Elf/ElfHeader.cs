namespace Guard.Inspection.Executables.Elf;

/// <summary>
/// The ELF header (System V gABI, "ELF Header", Figure 4-3; e_ident per "ELF Identification").
/// Parsed from the first 52 (ELFCLASS32) or 64 (ELFCLASS64) bytes; the section header fields are not needed.
/// </summary>
internal readonly record struct ElfHeader(
    byte Class,
    byte Data,
    ushort Type,
    ushort Machine,
    ulong ProgramHeaderOffset,
    ushort ProgramHeaderEntrySize,
    ushort ProgramHeaderCount)
{
    public const int IdentSize = 16;
    public const int Size32 = 52;
    public const int Size64 = 64;
    public const byte ClassElf32 = 1;
    public const byte ClassElf64 = 2;
    public const byte DataLittleEndian = 1;
    public const byte DataBigEndian = 2;
    public const ushort TypeRelocatable = 1;

    public static ReadOnlySpan<byte> Magic => [0x7F, (byte)'E', (byte)'L', (byte)'F'];

    public bool Is64Bit => Class == ClassElf64;

    public bool IsLittleEndian => Data != DataBigEndian;

    public ElfByteOrder ByteOrder => new(Is64Bit, IsLittleEndian);

    /// <summary>Bytes this header occupies for its class.</summary>
    public int Size => Is64Bit ? Size64 : Size32;

    /// <summary>
    /// Parses a header from <paramref name="data"/>, which must hold at least <see cref="Size64"/> bytes
    /// (callers zero-pad a truncated file, so the fields that were present are still learned).
    /// </summary>
    public static ElfHeader Parse(ReadOnlySpan<byte> data)
    {
        var elfClass = data[4];
        var encoding = data[5];
        var order = new ElfByteOrder(elfClass == ClassElf64, encoding != DataBigEndian);
        return elfClass == ClassElf64
            ? new ElfHeader(elfClass, encoding, order.UInt16(data, 16), order.UInt16(data, 18), order.UInt64(data, 32), order.UInt16(data, 54), order.UInt16(data, 56))
            : new ElfHeader(elfClass, encoding, order.UInt16(data, 16), order.UInt16(data, 18), order.UInt32(data, 28), order.UInt16(data, 42), order.UInt16(data, 44));
    }
}
