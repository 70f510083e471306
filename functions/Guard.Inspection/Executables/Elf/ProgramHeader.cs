namespace Guard.Inspection.Executables.Elf;

/// <summary>
/// One program header (System V gABI, "Program Header", Figure 5-1: Elf32_Phdr / Elf64_Phdr). The two classes
/// order the fields differently: Elf64_Phdr moves p_flags up beside p_type to keep the 8-byte fields aligned.
/// </summary>
internal readonly record struct ProgramHeader(uint Type, uint Flags, ulong Offset, ulong VirtualAddress, ulong FileSize, ulong MemorySize, ulong Align)
{
    public const int Size32 = 32;
    public const int Size64 = 56;
    public const uint TypeLoad = 1;
    public const uint TypeDynamic = 2;
    public const uint TypeInterpreter = 3;
    public const uint TypeNote = 4;

    public static int SizeFor(bool is64Bit) => is64Bit ? Size64 : Size32;

    /// <param name="data">At least <see cref="SizeFor"/> bytes.</param>
    public static ProgramHeader Parse(ReadOnlySpan<byte> data, ElfByteOrder order) => order.Is64Bit
        ? new ProgramHeader(order.UInt32(data, 0), order.UInt32(data, 4), order.UInt64(data, 8), order.UInt64(data, 16), order.UInt64(data, 32), order.UInt64(data, 40), order.UInt64(data, 48))
        : new ProgramHeader(order.UInt32(data, 0), order.UInt32(data, 24), order.UInt32(data, 4), order.UInt32(data, 8), order.UInt32(data, 16), order.UInt32(data, 20), order.UInt32(data, 28));

    /// <summary>The file offset of <paramref name="address"/> when this PT_LOAD maps it from the file (not from p_memsz's zero fill).</summary>
    public bool TryMap(ulong address, out ulong fileOffset)
    {
        fileOffset = 0;
        if (Type != TypeLoad || address < VirtualAddress || address - VirtualAddress >= FileSize)
        {
            return false;
        }

        fileOffset = Offset + (address - VirtualAddress);
        return fileOffset >= Offset; // false on overflow of a hostile p_offset
    }
}
