namespace Guard.Testing;

/// <summary>What an <see cref="ElfBuilder"/> builds for: e_machine, ELF class and byte order.</summary>
/// <param name="Machine">e_machine, e.g. 62 (EM_X86_64) or 183 (EM_AARCH64).</param>
/// <param name="Is64Bit">ELFCLASS64 rather than ELFCLASS32.</param>
/// <param name="IsLittleEndian">ELFDATA2LSB rather than ELFDATA2MSB.</param>
/// <param name="Name">How Guard names the machine, e.g. <c>x86_64</c>.</param>
/// <param name="GlibcInterpreter">glibc's program interpreter on this machine, e.g. <c>/lib64/ld-linux-x86-64.so.2</c>.</param>
/// <param name="MuslInterpreter">musl's program interpreter on this machine, e.g. <c>/lib/ld-musl-x86_64.so.1</c>.</param>
public sealed record ElfTarget(ushort Machine, bool Is64Bit, bool IsLittleEndian, string Name, string GlibcInterpreter, string MuslInterpreter)
{
    public override string ToString() => Name;
}
