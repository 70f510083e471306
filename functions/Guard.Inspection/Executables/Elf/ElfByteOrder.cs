using System.Buffers.Binary;

namespace Guard.Inspection.Executables.Elf;

/// <summary>Reads ELF fields in the byte order EI_DATA names; "word" fields are 4 or 8 bytes by EI_CLASS.</summary>
internal readonly record struct ElfByteOrder(bool Is64Bit, bool IsLittleEndian)
{
    public ushort UInt16(ReadOnlySpan<byte> data, int offset) => IsLittleEndian
        ? BinaryPrimitives.ReadUInt16LittleEndian(data[offset..])
        : BinaryPrimitives.ReadUInt16BigEndian(data[offset..]);

    public uint UInt32(ReadOnlySpan<byte> data, int offset) => IsLittleEndian
        ? BinaryPrimitives.ReadUInt32LittleEndian(data[offset..])
        : BinaryPrimitives.ReadUInt32BigEndian(data[offset..]);

    public ulong UInt64(ReadOnlySpan<byte> data, int offset) => IsLittleEndian
        ? BinaryPrimitives.ReadUInt64LittleEndian(data[offset..])
        : BinaryPrimitives.ReadUInt64BigEndian(data[offset..]);

    /// <summary>Elf32_Addr/Elf32_Off (4 bytes) or Elf64_Addr/Elf64_Off/Elf64_Xword (8 bytes).</summary>
    public ulong Word(ReadOnlySpan<byte> data, int offset) => Is64Bit ? UInt64(data, offset) : UInt32(data, offset);

    /// <summary>Elf32_Sword (4 bytes) or Elf64_Sxword (8 bytes), sign-extended.</summary>
    public long SignedWord(ReadOnlySpan<byte> data, int offset) => Is64Bit ? (long)UInt64(data, offset) : (int)UInt32(data, offset);
}
