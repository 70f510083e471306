using System.Buffers.Binary;

namespace Guard.Testing;

/// <summary>Minimal PE/COFF images ("PE Format"): MZ stub, e_lfanew, "PE\0\0", COFF header and optional header magic.</summary>
public static class PortableExecutableBuilder
{
    public const ushort MachineI386 = 0x014C;
    public const ushort MachineX8664 = 0x8664;
    public const ushort MachineArm64 = 0xAA64;

    /// <summary>What <c>GOOS=windows go build</c> starts with: PE32+ for 64-bit machines, PE32 for i386.</summary>
    /// <param name="newHeaderOffset">e_lfanew: where "PE\0\0" starts (0x80 as most linkers write).</param>
    public static byte[] Build(ushort machine = MachineX8664, int newHeaderOffset = 0x80)
    {
        var pe32Plus = machine != MachineI386;
        var file = new byte[Math.Max(1024, newHeaderOffset + 512)];
        "MZ"u8.CopyTo(file);
        BinaryPrimitives.WriteInt32LittleEndian(file.AsSpan(0x3C), newHeaderOffset);
        "This program cannot be run in DOS mode.\r\r\n$"u8.CopyTo(file.AsSpan(0x4E));
        if (newHeaderOffset + 26 <= file.Length)
        {
            var pe = file.AsSpan(newHeaderOffset);
            "PE\0\0"u8.CopyTo(pe);
            BinaryPrimitives.WriteUInt16LittleEndian(pe[4..], machine);
            BinaryPrimitives.WriteUInt16LittleEndian(pe[20..], (ushort)(pe32Plus ? 240 : 224));
            BinaryPrimitives.WriteUInt16LittleEndian(pe[22..], 0x0022);
            BinaryPrimitives.WriteUInt16LittleEndian(pe[24..], (ushort)(pe32Plus ? 0x20B : 0x10B));
        }

        return file;
    }
}
