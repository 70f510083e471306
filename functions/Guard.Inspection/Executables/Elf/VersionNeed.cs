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

    /// <summary>VER_FLG_WEAK: a need ld.so only warns about when the library lacks it.</summary>
    public const ushort FlagWeak = 0x2;

    public static VersionNeedAux Parse(ReadOnlySpan<byte> data, ElfByteOrder order) =>
        new(order.UInt32(data, 0), order.UInt16(data, 4), order.UInt16(data, 6), order.UInt32(data, 8), order.UInt32(data, 12));
}

/// <summary>
/// Elf_Verdef: one version a library defines (LSB Core, "Symbol Versioning", ".gnu.version_d"). Same 20-byte layout in
/// both classes. The entry flagged <see cref="FlagBase"/> names the file itself, not a version. Offsets are relative to this entry.
/// </summary>
internal readonly record struct VersionDefinition(ushort Version, ushort Flags, ushort Index, ushort AuxCount, uint Hash, uint AuxOffset, uint NextOffset)
{
    public const int Size = 20;
    public const ushort FlagBase = 0x1;

    public static VersionDefinition Parse(ReadOnlySpan<byte> data, ElfByteOrder order) =>
        new(order.UInt16(data, 0), order.UInt16(data, 2), order.UInt16(data, 4), order.UInt16(data, 6), order.UInt32(data, 8), order.UInt32(data, 12), order.UInt32(data, 16));
}

/// <summary>Elf_Verdaux: the first one names the version a <see cref="VersionDefinition"/> defines; later ones its parents.</summary>
internal readonly record struct VersionDefinitionAux(uint Name, uint NextOffset)
{
    public const int Size = 8;

    public static VersionDefinitionAux Parse(ReadOnlySpan<byte> data, ElfByteOrder order) => new(order.UInt32(data, 0), order.UInt32(data, 4));
}
