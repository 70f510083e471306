using System.Buffers.Binary;

namespace Guard.Testing;

/// <summary>Minimal Mach-O headers (mach-o/loader.h, mach-o/fat.h): what <c>go build</c> on a Mac leaves behind.</summary>
public static class MachOBuilder
{
    public const int CpuTypeI386 = 7;
    public const int CpuTypeX8664 = 0x01000007;
    public const int CpuTypeArm64 = 0x0100000C;

    /// <summary>A thin Mach-O: mach_header(_64) with MH_EXECUTE and no load commands, padded to 4 KiB.</summary>
    public static byte[] Thin(int cpuType, bool is64Bit = true, bool littleEndian = true)
    {
        var file = new byte[4096];
        var magic = is64Bit ? 0xFEEDFACFu : 0xFEEDFACEu;
        Span<uint> fields = [magic, (uint)cpuType, 3, 2, 0, 0, 0];
        for (var i = 0; i < fields.Length; i++)
        {
            if (littleEndian)
            {
                BinaryPrimitives.WriteUInt32LittleEndian(file.AsSpan(i * 4), fields[i]);
            }
            else
            {
                BinaryPrimitives.WriteUInt32BigEndian(file.AsSpan(i * 4), fields[i]);
            }
        }

        return file;
    }

    /// <summary>A universal ("fat") binary: big-endian fat_header and fat_arch entries, then one 64-bit slice per CPU type.</summary>
    public static byte[] Universal(params int[] cpuTypes)
    {
        ArgumentNullException.ThrowIfNull(cpuTypes);
        const int SliceAlignment = 4096;
        var file = new byte[SliceAlignment * (cpuTypes.Length + 1)];
        BinaryPrimitives.WriteUInt32BigEndian(file, 0xCAFEBABE);
        BinaryPrimitives.WriteUInt32BigEndian(file.AsSpan(4), (uint)cpuTypes.Length);
        for (var i = 0; i < cpuTypes.Length; i++)
        {
            var arch = file.AsSpan(8 + (i * 20));
            var sliceOffset = SliceAlignment * (i + 1);
            BinaryPrimitives.WriteInt32BigEndian(arch, cpuTypes[i]);
            BinaryPrimitives.WriteUInt32BigEndian(arch[8..], (uint)sliceOffset);
            BinaryPrimitives.WriteUInt32BigEndian(arch[12..], SliceAlignment);
            BinaryPrimitives.WriteUInt32BigEndian(arch[16..], 12);
            Thin(cpuTypes[i]).AsSpan(0, SliceAlignment).CopyTo(file.AsSpan(sliceOffset));
        }

        return file;
    }
}
