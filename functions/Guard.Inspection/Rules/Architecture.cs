using Guard.Inspection.Executables;

namespace Guard.Inspection.Rules;

/// <summary>A Lambda instruction set architecture, named as the Lambda API names it.</summary>
public enum Architecture
{
    X8664,
    Arm64,
}

public static class ArchitectureNames
{
    public const string X8664 = "x86_64";
    public const string Arm64 = "arm64";

    /// <summary>Whether a CPU of this architecture runs <paramref name="elf"/>: its machine, 64-bit, little-endian.</summary>
    public static bool Runs(this Architecture architecture, ElfFacts elf)
    {
        ArgumentNullException.ThrowIfNull(elf);
        return Of(elf.Machine, elf.Is64Bit, elf.IsLittleEndian) == architecture;
    }

    /// <summary>The Lambda architecture whose CPU runs an ELF file of this machine, class and byte order; null for none.</summary>
    internal static Architecture? Of(ushort machine, bool is64Bit, bool isLittleEndian) => (machine, is64Bit && isLittleEndian) switch
    {
        (ElfFacts.MachineX8664, true) => Architecture.X8664,
        (ElfFacts.MachineAarch64, true) => Architecture.Arm64,
        _ => null,
    };

    public static string ToApiName(this Architecture architecture) => architecture switch
    {
        Architecture.Arm64 => Arm64,
        _ => X8664,
    };

    /// <summary>Parses the API name; also accepts the Go/Docker spellings people type (amd64, aarch64).</summary>
    public static bool TryParse(string? value, out Architecture architecture)
    {
        switch (value?.Trim().ToLowerInvariant())
        {
            case X8664 or "amd64" or "x64" or "x86-64":
                architecture = Architecture.X8664;
                return true;
            case Arm64 or "aarch64":
                architecture = Architecture.Arm64;
                return true;
            default:
                architecture = default;
                return false;
        }
    }
}
