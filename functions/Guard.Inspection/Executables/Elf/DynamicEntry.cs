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

    /// <summary>DT_SONAME: the name a library answers to, which its users record as DT_NEEDED.</summary>
    public const long TagSoName = 14;

    /// <summary>DT_RPATH: directories searched before LD_LIBRARY_PATH, for this object's needs and (inherited) its libraries' needs; ignored when DT_RUNPATH is present.</summary>
    public const long TagRPath = 15;

    /// <summary>DT_RUNPATH: directories searched after LD_LIBRARY_PATH, for this object's own needs only.</summary>
    public const long TagRunPath = 29;

    /// <summary>DT_VERDEF: address of the Elf_Verdef chain, the versions a library defines (GNU extension).</summary>
    public const long TagVersionDefinition = 0x6ffffffc;

    /// <summary>DT_VERNEED: address of the Elf_Verneed chain (GNU extension, LSB "Symbol Versioning").</summary>
    public const long TagVersionNeed = 0x6ffffffe;

    /// <summary>DT_VERNEEDNUM: how many Elf_Verneed entries the chain holds.</summary>
    public const long TagVersionNeedCount = 0x6fffffff;

    public static int SizeFor(bool is64Bit) => is64Bit ? Size64 : Size32;

    public static DynamicEntry Parse(ReadOnlySpan<byte> data, ElfByteOrder order) =>
        new(order.SignedWord(data, 0), order.Word(data, order.Is64Bit ? 8 : 4));
}
