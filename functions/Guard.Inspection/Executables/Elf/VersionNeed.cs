namespace Guard.Inspection.Executables.Elf;

/// <summary>
/// Elf_Verneed: one library whose symbol versions the file needs (LSB Core, "Symbol Versioning",
/// ".gnu.version_r"). Same 16-byte layout in both classes. Offsets are relative to this entry.
/// </summary>
internal readonly record struct VersionNeed(ushort Version, ushort AuxCount, uint File, uint AuxOffset, uint NextOffset)
{
    public const int Size = 16;

    public static VersionNeed Parse(ReadOnlySpan<byte> data, ElfByteOrder order) =>
        new(order.UInt16(data, 0), order.UInt16(data, 2), order.UInt32(data, 4), order.UInt32(data, 8), order.UInt32(data, 12));
}

/// <summary>Elf_Vernaux: one version needed from the library (e.g. <c>GLIBC_2.34</c>). Offsets are relative to this entry.</summary>
internal readonly record struct VersionNeedAux(uint Hash, ushort Flags, ushort Other, uint Name, uint NextOffset)
{
    public const int Size = 16;

    public static VersionNeedAux Parse(ReadOnlySpan<byte> data, ElfByteOrder order) =>
        new(order.UInt32(data, 0), order.UInt16(data, 4), order.UInt16(data, 6), order.UInt32(data, 8), order.UInt32(data, 12));
}
