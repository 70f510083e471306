using System.Buffers.Binary;
using System.Globalization;

namespace Guard.Inspection.Executables;

/// <summary>
/// Executables for other operating systems, told apart by their headers: Mach-O (Apple's mach-o/loader.h and
/// mach-o/fat.h) and PE/COFF (Microsoft "PE Format": MZ stub, e_lfanew at 0x3C, "PE\0\0", COFF header, optional header
/// magic). Also names a few common non-executables, so a report can say what was shipped instead.
/// </summary>
internal static class ForeignExecutable
{
    private const uint MachOMagic32 = 0xFEEDFACE;
    private const uint MachOMagic64 = 0xFEEDFACF;
    private const uint FatMagic = 0xCAFEBABE;
    private const uint FatMagic64 = 0xCAFEBABF;
    private const int CpuArchAbi64 = 0x01000000;
    private const int CpuArchAbi6432 = 0x02000000;
    private const int FatArchSize = 20;
    private const int FatArch64Size = 32;

    /// <summary>
    /// A fat header and a Java class file share CAFEBABE. After it a fat file has nfat_arch (a handful of slices), a class
    /// file its minor and major version (major 45 and up): 45 is the least a class file can read as, so below it is fat.
    /// </summary>
    private const uint MaxFatArchitectures = 20;

    private const int DosHeaderSize = 64;
    private const int NewHeaderOffsetField = 0x3C;
    private const ushort OptionalHeaderMagicPe32 = 0x10B;
    private const ushort OptionalHeaderMagicPe32Plus = 0x20B;

    private static ReadOnlySpan<byte> GzipMagic => [0x1F, 0x8B];
    private static ReadOnlySpan<byte> Utf16LittleEndianMark => [0xFF, 0xFE];
    private static ReadOnlySpan<byte> Utf16BigEndianMark => [0xFE, 0xFF];

    /// <summary>Recognises Mach-O, universal (fat) Mach-O and PE images.</summary>
    public static bool TryIdentify(ReadOnlySpan<byte> prefix, long length, out ExecutableKind kind, out string description)
    {
        kind = ExecutableKind.Unknown;
        description = string.Empty;
        if (prefix.Length < 4)
        {
            return false;
        }

        var bigEndianMagic = BinaryPrimitives.ReadUInt32BigEndian(prefix);
        var littleEndianMagic = BinaryPrimitives.ReadUInt32LittleEndian(prefix);
        if (bigEndianMagic is MachOMagic32 or MachOMagic64 || littleEndianMagic is MachOMagic32 or MachOMagic64)
        {
            var littleEndian = littleEndianMagic is MachOMagic32 or MachOMagic64;
            var is64 = (littleEndian ? littleEndianMagic : bigEndianMagic) == MachOMagic64;
            var cpu = prefix.Length >= 8 ? CpuName(littleEndian ? BinaryPrimitives.ReadInt32LittleEndian(prefix[4..]) : BinaryPrimitives.ReadInt32BigEndian(prefix[4..])) : "unknown CPU";
            kind = ExecutableKind.MachO;
            description = $"Mach-O {(is64 ? "64" : "32")}-bit {cpu}";
            return true;
        }

        if (bigEndianMagic is FatMagic or FatMagic64 && prefix.Length >= 8)
        {
            var architectures = BinaryPrimitives.ReadUInt32BigEndian(prefix[4..]);
            if (architectures is 0 or >= MaxFatArchitectures)
            {
                return false;
            }

            var entrySize = bigEndianMagic == FatMagic64 ? FatArch64Size : FatArchSize;
            var names = new List<string>();
            for (var i = 0; i < architectures && 8 + ((i + 1) * entrySize) <= prefix.Length; i++)
            {
                names.Add(CpuName(BinaryPrimitives.ReadInt32BigEndian(prefix[(8 + (i * entrySize))..])));
            }

            kind = ExecutableKind.MachO;
            description = $"Mach-O universal binary ({string.Join(", ", names)})";
            return true;
        }

        if (prefix[0] == (byte)'M' && prefix[1] == (byte)'Z' && prefix.Length >= DosHeaderSize)
        {
            var newHeader = BinaryPrimitives.ReadUInt32LittleEndian(prefix[NewHeaderOffsetField..]);
            if (newHeader + 24L <= prefix.Length)
            {
                var pe = prefix[(int)newHeader..];
                if (!pe.StartsWith("PE\0\0"u8))
                {
                    return false;
                }

                var machine = BinaryPrimitives.ReadUInt16LittleEndian(pe[4..]);
                var format = pe.Length >= 26 ? BinaryPrimitives.ReadUInt16LittleEndian(pe[24..]) switch
                {
                    OptionalHeaderMagicPe32 => "PE32",
                    OptionalHeaderMagicPe32Plus => "PE32+",
                    _ => "PE",
                } : "PE";
                kind = ExecutableKind.PortableExecutable;
                description = $"{format} {PeMachineName(machine)} (Windows)";
                return true;
            }

            // The PE header lies beyond what was read: an MZ stub alone is enough to know Linux cannot run it.
            if (newHeader < length)
            {
                kind = ExecutableKind.PortableExecutable;
                description = "MZ executable (DOS/Windows)";
                return true;
            }
        }

        return false;
    }

    /// <summary>A name for content that is not an executable at all, or null.</summary>
    public static string? DescribeData(ReadOnlySpan<byte> prefix)
    {
        if (prefix.Length >= 8 && BinaryPrimitives.ReadUInt32BigEndian(prefix) == FatMagic)
        {
            return string.Create(CultureInfo.InvariantCulture, $"a Java class file (version {BinaryPrimitives.ReadUInt16BigEndian(prefix[6..])})");
        }

        if (prefix.StartsWith("PK\x03\x04"u8))
        {
            return "a zip archive (a package zipped inside the package?)";
        }

        if (prefix.StartsWith(GzipMagic))
        {
            return "gzip-compressed data";
        }

        if (prefix.StartsWith(Utf16LittleEndianMark) || prefix.StartsWith(Utf16BigEndianMark))
        {
            return "UTF-16 text (Linux reads #! only in ASCII/UTF-8)";
        }

        return null;
    }

    private static string CpuName(int cpuType) => cpuType switch
    {
        7 => "i386",
        7 | CpuArchAbi64 => "x86_64",
        12 => "arm",
        12 | CpuArchAbi64 => "arm64",
        12 | CpuArchAbi6432 => "arm64_32",
        18 => "ppc",
        18 | CpuArchAbi64 => "ppc64",
        _ => string.Create(CultureInfo.InvariantCulture, $"CPU type {cpuType}"),
    };

    private static string PeMachineName(ushort machine) => machine switch
    {
        0x014C => "x86",
        0x8664 => "x86-64",
        0xAA64 => "arm64",
        0x01C0 or 0x01C4 => "arm",
        0x0200 => "ia64",
        _ => string.Create(CultureInfo.InvariantCulture, $"machine 0x{machine:X4}"),
    };
}
