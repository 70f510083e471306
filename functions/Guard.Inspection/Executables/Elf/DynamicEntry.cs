namespace Guard.Inspection.Executables.Elf;

/// <summary>One entry of the dynamic section (System V gABI, "Dynamic Section", Figure 5-9: Elf32_Dyn / Elf64_Dyn).</summary>
internal readonly record struct DynamicEntry(long Tag, ulong Value)
{
    public const int Size32 = 8;
    public const int Size64 = 16;
    public const long TagNull = 0;
    public const long TagNeeded = 1;
    public const long TagStringTable = 5;
    public const long TagStringTableSize = 10;

    /// <summary>DT_VERNEED: address of the Elf_Verneed chain (GNU extension, LSB "Symbol Versioning").</summary>
    public const long TagVersionNeed = 0x6ffffffe;

    /// <summary>DT_VERNEEDNUM: how many Elf_Verneed entries the chain holds.</summary>
    public const long TagVersionNeedCount = 0x6fffffff;

    public static int SizeFor(bool is64Bit) => is64Bit ? Size64 : Size32;

    public static DynamicEntry Parse(ReadOnlySpan<byte> data, ElfByteOrder order) =>
        new(order.SignedWord(data, 0), order.Word(data, order.Is64Bit ? 8 : 4));
}
