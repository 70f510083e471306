using System.Globalization;

namespace Guard.Inspection.Executables.Elf;

/// <summary>e_machine values (System V gABI, "ELF Header", e_machine; numbers from the registry the gABI keeps) as people say them.</summary>
internal static class ElfMachineNames
{
    public static string For(ushort machine, bool is64Bit, bool isLittleEndian) => machine switch
    {
        2 => "sparc",
        3 => "i386",
        8 => isLittleEndian ? "mipsel" : "mips",
        20 => "ppc",
        21 => isLittleEndian ? "ppc64le" : "ppc64",
        22 => is64Bit ? "s390x" : "s390",
        40 => "arm",
        43 => "sparc64",
        50 => "ia64",
        62 => "x86_64",
        183 => "aarch64",
        243 => is64Bit ? "riscv64" : "riscv32",
        258 => "loongarch64",
        _ => string.Create(CultureInfo.InvariantCulture, $"machine {machine}"),
    };
}
