using System.Buffers.Binary;
using System.Text;

namespace Guard.Testing;

/// <summary>
/// Hand-makes small ELF files laid out the way linkers lay them out: ELF header, program headers, PT_INTERP path,
/// an optional Go build ID note, code, then <c>.dynstr</c> and <c>.gnu.version_r</c> in the first PT_LOAD and
/// <c>.dynamic</c> in a second PT_LOAD whose addresses differ from its file offsets, and section headers, so
/// independent readers (ELFSharp, readelf) can check them too.
/// <see cref="Static"/> files for x86_64 and aarch64 carry a real <c>exit(0)</c> and run; the others are for reading only.
/// </summary>
/// <example><code>
/// var bootstrap = ElfBuilder.Dynamic(ElfBuilder.Aarch64, glibc: ["GLIBC_2.17", "GLIBC_2.34"]);
/// var go = ElfBuilder.Static(ElfBuilder.X8664, go: true);
/// var custom = new ElfBuilder(ElfBuilder.X8664) { Interpreter = "/lib/ld-musl-x86_64.so.1", Needed = ["libc.musl-x86_64.so.1"] }.Build();
/// </code></example>
public sealed class ElfBuilder(ElfTarget target)
{
    public const ushort TypeExecutable = 2;
    public const ushort TypeSharedObject = 3;

    private const uint PtLoad = 1, PtDynamic = 2, PtInterp = 3, PtNote = 4;
    private const uint ShtProgBits = 1, ShtStrTab = 3, ShtDynamic = 6, ShtNote = 7, ShtGnuVerneed = 0x6ffffffe;
    private const long DtNeeded = 1, DtStrTab = 5, DtStrSz = 10, DtFlags1 = 0x6ffffffb, DtVerneed = 0x6ffffffe, DtVerneedNum = 0x6fffffff;
    private const ulong Df1Pie = 0x08000000;
    private const ulong ExecutableBase = 0x400000;

    /// <summary>The data segment's addresses sit this far above its file offsets (a multiple of the page size, as for real files).</summary>
    private const ulong DataSegmentShift = 0x10000;

    public static ElfTarget X8664 { get; } = new(62, true, true, "x86_64", "/lib64/ld-linux-x86-64.so.2", "/lib/ld-musl-x86_64.so.1");
    public static ElfTarget Aarch64 { get; } = new(183, true, true, "aarch64", "/lib/ld-linux-aarch64.so.1", "/lib/ld-musl-aarch64.so.1");
    public static ElfTarget I386 { get; } = new(3, false, true, "i386", "/lib/ld-linux.so.2", "/lib/ld-musl-i386.so.1");
    public static ElfTarget Arm { get; } = new(40, false, true, "arm", "/lib/ld-linux-armhf.so.3", "/lib/ld-musl-armhf.so.1");
    public static ElfTarget S390x { get; } = new(22, true, false, "s390x", "/lib/ld64.so.1", "/lib/ld-musl-s390x.so.1");
    public static ElfTarget Ppc { get; } = new(20, false, false, "ppc", "/lib/ld.so.1", "/lib/ld-musl-powerpc.so.1");

    public ElfTarget Target => target;

    /// <summary>e_type: <see cref="TypeExecutable"/> (the default) or <see cref="TypeSharedObject"/> (PIE, static-pie).</summary>
    public ushort FileType { get; init; } = TypeExecutable;

    /// <summary>PT_INTERP path; null for none.</summary>
    public string? Interpreter { get; init; }

    /// <summary>Emit PT_DYNAMIC even without <see cref="Needed"/> or <see cref="VersionNeeds"/> (static-pie).</summary>
    public bool HasDynamicSection { get; init; }

    /// <summary>DT_NEEDED names, in order.</summary>
    public IReadOnlyList<string> Needed { get; init; } = [];

    /// <summary>The <c>.gnu.version_r</c> chain: one Elf_Verneed per library, one Elf_Vernaux per version.</summary>
    public IReadOnlyList<ElfVersionNeed> VersionNeeds { get; init; } = [];

    /// <summary>Add the Go linker's <c>.note.go.buildid</c> note (name "Go") in a PT_NOTE right after the headers.</summary>
    public bool GoBuildIdNote { get; init; }

    /// <summary>Zero bytes before the dynamic data, to push it past the first N bytes as in real binaries.</summary>
    public int PaddingBeforeDynamicData { get; init; }

    /// <summary>Whether to write section headers (real files have them; the kernel and ld.so never look).</summary>
    public bool WithSectionHeaders { get; init; } = true;

    /// <summary>A static executable (no PT_INTERP, no PT_DYNAMIC), like <c>gcc -static</c> or <c>CGO_ENABLED=0 go build</c>.</summary>
    public static byte[] Static(ElfTarget target, bool go = false) => new ElfBuilder(target) { GoBuildIdNote = go }.Build();

    /// <summary>A static-pie executable: ET_DYN with PT_DYNAMIC (DF_1_PIE) but no PT_INTERP, like <c>gcc -static-pie</c>.</summary>
    public static byte[] StaticPie(ElfTarget target) =>
        new ElfBuilder(target) { FileType = TypeSharedObject, HasDynamicSection = true }.Build();

    /// <summary>
    /// A dynamically linked PIE needing <c>libc.so.6</c> (plus <paramref name="needed"/>) and the glibc symbol versions
    /// <paramref name="glibc"/> (e.g. <c>GLIBC_2.34</c>) from it.
    /// </summary>
    /// <param name="interpreter">PT_INTERP; defaults to glibc's interpreter for <paramref name="target"/>.</param>
    /// <param name="paddingBeforeDynamicData">See <see cref="PaddingBeforeDynamicData"/>.</param>
    public static byte[] Dynamic(ElfTarget target, string? interpreter = null, IReadOnlyList<string>? glibc = null, IReadOnlyList<string>? needed = null, int paddingBeforeDynamicData = 0)
    {
        ArgumentNullException.ThrowIfNull(target);
        return new ElfBuilder(target)
        {
            FileType = TypeSharedObject,
            Interpreter = interpreter ?? target.GlibcInterpreter,
            Needed = needed ?? ["libc.so.6"],
            VersionNeeds = glibc is { Count: > 0 } ? [new ElfVersionNeed("libc.so.6", glibc)] : [],
            PaddingBeforeDynamicData = paddingBeforeDynamicData,
        }.Build();
    }

    /// <summary>Lays the file out and returns its bytes.</summary>
    public byte[] Build()
    {
        var is64 = target.Is64Bit;
        int headerSize = is64 ? 64 : 52, programHeaderSize = is64 ? 56 : 32, dynamicEntrySize = is64 ? 16 : 8, sectionHeaderSize = is64 ? 64 : 40;
        var hasDynamic = HasDynamicSection || Needed.Count > 0 || VersionNeeds.Count > 0;
        var baseAddress = FileType == TypeExecutable ? ExecutableBase : 0;

        // .dynstr: the empty string, then every name once.
        var dynstr = new StringTableWriter();
        var neededNames = Needed.Select(dynstr.Add).ToList();
        var needs = VersionNeeds.Select(n => (File: dynstr.Add(n.Library), Versions: n.Versions.Select(v => (Name: v, Offset: dynstr.Add(v))).ToList())).ToList();

        var programHeaderCount = 1 + (Interpreter is null ? 0 : 1) + (GoBuildIdNote ? 1 : 0) + (hasDynamic ? 2 : 0);
        var layout = new Layout(headerSize + (programHeaderCount * programHeaderSize));
        var interpOffset = layout.Place(Interpreter is null ? 0 : Encoding.UTF8.GetByteCount(Interpreter) + 1, 1);
        var note = GoBuildIdNote ? GoNote() : [];
        var noteOffset = layout.Place(note.Length, 4);
        var code = ExitCode();
        var codeOffset = layout.Place(code.Length, 16);
        layout.Place(PaddingBeforeDynamicData, 1);
        var dynstrBytes = dynstr.ToArray();
        var dynstrOffset = hasDynamic ? layout.Place(dynstrBytes.Length, 8) : 0;
        var verneedSize = needs.Sum(n => 16 + (16 * n.Versions.Count));
        var verneedOffset = layout.Place(verneedSize, 4);
        var textEnd = layout.End;

        var dynamicEntries = new List<(long Tag, ulong Value)>();
        var dynamicOffset = 0;
        if (hasDynamic)
        {
            dynamicEntries.AddRange(neededNames.Select(n => (DtNeeded, (ulong)n)));
            dynamicEntries.Add((DtStrTab, baseAddress + (ulong)dynstrOffset));
            dynamicEntries.Add((DtStrSz, (ulong)dynstrBytes.Length));
            if (needs.Count > 0)
            {
                dynamicEntries.Add((DtVerneed, baseAddress + (ulong)verneedOffset));
                dynamicEntries.Add((DtVerneedNum, (ulong)needs.Count));
            }

            if (FileType == TypeSharedObject && Interpreter is null)
            {
                dynamicEntries.Add((DtFlags1, Df1Pie));
            }

            dynamicEntries.Add((0, 0));
            dynamicOffset = layout.Place(dynamicEntries.Count * dynamicEntrySize, 16);
        }

        var dataEnd = layout.End;
        var shstrtab = new StringTableWriter();
        var sections = new List<(uint Name, uint Type, ulong Flags, ulong Address, int Offset, int Size, uint Link, uint Info, ulong Align, ulong EntrySize)>();
        int shstrtabOffset = 0, sectionHeadersOffset = 0;
        if (WithSectionHeaders)
        {
            var dynstrIndex = 0u;
            sections.Add((0, 0, 0, 0, 0, 0, 0, 0, 0, 0));
            if (Interpreter is not null)
            {
                sections.Add((shstrtab.Add(".interp"), ShtProgBits, 2, baseAddress + (ulong)interpOffset, interpOffset, Encoding.UTF8.GetByteCount(Interpreter) + 1, 0, 0, 1, 0));
            }

            if (GoBuildIdNote)
            {
                sections.Add((shstrtab.Add(".note.go.buildid"), ShtNote, 2, baseAddress + (ulong)noteOffset, noteOffset, note.Length, 0, 0, 4, 0));
            }

            sections.Add((shstrtab.Add(".text"), ShtProgBits, 6, baseAddress + (ulong)codeOffset, codeOffset, code.Length, 0, 0, 16, 0));
            if (hasDynamic)
            {
                dynstrIndex = (uint)sections.Count;
                sections.Add((shstrtab.Add(".dynstr"), ShtStrTab, 2, baseAddress + (ulong)dynstrOffset, dynstrOffset, dynstrBytes.Length, 0, 0, 1, 0));
                if (needs.Count > 0)
                {
                    sections.Add((shstrtab.Add(".gnu.version_r"), ShtGnuVerneed, 2, baseAddress + (ulong)verneedOffset, verneedOffset, verneedSize, dynstrIndex, (uint)needs.Count, 4, 0));
                }

                sections.Add((shstrtab.Add(".dynamic"), ShtDynamic, 3, baseAddress + DataSegmentShift + (ulong)dynamicOffset, dynamicOffset, dynamicEntries.Count * dynamicEntrySize, dynstrIndex, 0, 8, (ulong)dynamicEntrySize));
            }

            var shstrtabName = shstrtab.Add(".shstrtab");
            shstrtabOffset = layout.Place(shstrtab.Length, 1);
            sections.Add((shstrtabName, ShtStrTab, 0, 0, shstrtabOffset, shstrtab.Length, 0, 0, 1, 0));
            sectionHeadersOffset = layout.Place(sections.Count * sectionHeaderSize, 8);
        }

        var file = new byte[layout.End];
        var w = new Writer(file, target);

        // ELF header (gABI Figure 4-3).
        "\x7f"u8.CopyTo(file);
        "ELF"u8.CopyTo(file.AsSpan(1));
        file[4] = (byte)(is64 ? 2 : 1);
        file[5] = (byte)(target.IsLittleEndian ? 1 : 2);
        file[6] = 1;
        w.U16(16, FileType);
        w.U16(18, target.Machine);
        w.U32(20, 1);
        var entry = baseAddress + (ulong)codeOffset;
        var at = w.Word(24, entry);
        at = w.Word(at, (ulong)headerSize);
        at = w.Word(at, (ulong)sectionHeadersOffset);
        w.U32(at, target.Machine == 40 ? 0x05000400u : 0u);
        at += 4;
        w.U16(at, (ushort)headerSize);
        w.U16(at + 2, (ushort)programHeaderSize);
        w.U16(at + 4, (ushort)programHeaderCount);
        w.U16(at + 6, (ushort)(WithSectionHeaders ? sectionHeaderSize : 0));
        w.U16(at + 8, (ushort)sections.Count);
        w.U16(at + 10, (ushort)(WithSectionHeaders ? sections.Count - 1 : 0));

        // Program headers, in the order linkers write them.
        var ph = headerSize;
        if (Interpreter is not null)
        {
            var size = (ulong)Encoding.UTF8.GetByteCount(Interpreter) + 1;
            ph = w.ProgramHeader(ph, PtInterp, 4, (ulong)interpOffset, baseAddress + (ulong)interpOffset, size, 1);
            Encoding.UTF8.GetBytes(Interpreter, file.AsSpan(interpOffset));
        }

        ph = w.ProgramHeader(ph, PtLoad, 5, 0, baseAddress, (ulong)textEnd, 0x1000);
        if (hasDynamic)
        {
            var dataAddress = baseAddress + DataSegmentShift + (ulong)dynamicOffset;
            var dynamicSize = (ulong)(dynamicEntries.Count * dynamicEntrySize);
            ph = w.ProgramHeader(ph, PtLoad, 6, (ulong)dynamicOffset, dataAddress, (ulong)(dataEnd - dynamicOffset), 0x1000);
            ph = w.ProgramHeader(ph, PtDynamic, 6, (ulong)dynamicOffset, dataAddress, dynamicSize, 8);
        }

        if (GoBuildIdNote)
        {
            w.ProgramHeader(ph, PtNote, 4, (ulong)noteOffset, baseAddress + (ulong)noteOffset, (ulong)note.Length, 4);
            w.GoNote(noteOffset, note);
        }

        code.CopyTo(file.AsSpan(codeOffset));

        if (hasDynamic)
        {
            dynstrBytes.CopyTo(file.AsSpan(dynstrOffset));
            var need = verneedOffset;
            for (var i = 0; i < needs.Count; i++)
            {
                var (fileName, versions) = needs[i];
                w.U16(need, 1);
                w.U16(need + 2, (ushort)versions.Count);
                w.U32(need + 4, fileName);
                w.U32(need + 8, 16);
                w.U32(need + 12, i == needs.Count - 1 ? 0 : (uint)(16 + (16 * versions.Count)));
                for (var j = 0; j < versions.Count; j++)
                {
                    var aux = need + 16 + (16 * j);
                    w.U32(aux, ElfHash(versions[j].Name));
                    w.U16(aux + 4, 0);
                    w.U16(aux + 6, (ushort)(2 + j));
                    w.U32(aux + 8, versions[j].Offset);
                    w.U32(aux + 12, j == versions.Count - 1 ? 0 : 16u);
                }

                need += 16 + (16 * versions.Count);
            }

            var d = dynamicOffset;
            foreach (var (tag, value) in dynamicEntries)
            {
                d = w.Word(d, (ulong)tag);
                d = w.Word(d, value);
            }
        }

        if (WithSectionHeaders)
        {
            shstrtab.ToArray().CopyTo(file.AsSpan(shstrtabOffset));
            var sh = sectionHeadersOffset;
            foreach (var s in sections)
            {
                w.U32(sh, s.Name);
                w.U32(sh + 4, s.Type);
                var p = w.Word(sh + 8, s.Flags);
                p = w.Word(p, s.Address);
                p = w.Word(p, (ulong)s.Offset);
                p = w.Word(p, (ulong)s.Size);
                w.U32(p, s.Link);
                w.U32(p + 4, s.Info);
                p = w.Word(p + 8, s.Align);
                w.Word(p, s.EntrySize);
                sh += sectionHeaderSize;
            }
        }

        return file;
    }

    /// <summary>The SysV hash ld.so checks in vna_hash (gABI "Hash Table").</summary>
    public static uint ElfHash(string name)
    {
        ArgumentNullException.ThrowIfNull(name);
        uint h = 0;
        foreach (var c in Encoding.UTF8.GetBytes(name))
        {
            h = (h << 4) + c;
            var g = h & 0xf0000000;
            if (g != 0)
            {
                h ^= g >> 24;
            }

            h &= ~g;
        }

        return h;
    }

    private static byte[] GoNote()
    {
        // namesz 4 ("Go\0\0"), descsz, type 4 (ELF_NOTE_GOBUILDID_TAG), then a build ID like the Go linker writes.
        var id = "Zq3bW1x4lK9bHqO0d7fA/aB3cD4eF5gH6iJ7kL8m/nO9pQ0rS1tU2vW3xY4z/aB5cD6eF7gH8iJ9kL0m"u8;
        var descriptionSize = (id.Length + 3) & ~3;
        var note = new byte[12 + 4 + descriptionSize];
        id.CopyTo(note.AsSpan(16));
        return note;
    }

    private byte[] ExitCode() => target.Machine switch
    {
        62 => [0xB8, 0x3C, 0x00, 0x00, 0x00, 0x31, 0xFF, 0x0F, 0x05], // mov eax, 60 (exit); xor edi, edi; syscall
        183 when target.IsLittleEndian => [0xA8, 0x0B, 0x80, 0xD2, 0x00, 0x00, 0x80, 0xD2, 0x01, 0x00, 0x00, 0xD4], // mov x8, #93; mov x0, #0; svc #0
        _ => new byte[16],
    };

    /// <summary>Places regions one after another, each aligned.</summary>
    private sealed class Layout(int start)
    {
        public int End { get; private set; } = start;

        public int Place(int size, int alignment)
        {
            var offset = (End + alignment - 1) / alignment * alignment;
            End = offset + size;
            return offset;
        }
    }

    private sealed class StringTableWriter
    {
        private readonly List<byte> _bytes = [0];
        private readonly Dictionary<string, uint> _offsets = new(StringComparer.Ordinal);

        public int Length => _bytes.Count;

        public uint Add(string value)
        {
            if (!_offsets.TryGetValue(value, out var offset))
            {
                offset = (uint)_bytes.Count;
                _bytes.AddRange(Encoding.UTF8.GetBytes(value));
                _bytes.Add(0);
                _offsets[value] = offset;
            }

            return offset;
        }

        public byte[] ToArray() => [.. _bytes];
    }

    private sealed class Writer(byte[] file, ElfTarget target)
    {
        public void U16(int offset, ushort value)
        {
            if (target.IsLittleEndian)
            {
                BinaryPrimitives.WriteUInt16LittleEndian(file.AsSpan(offset), value);
            }
            else
            {
                BinaryPrimitives.WriteUInt16BigEndian(file.AsSpan(offset), value);
            }
        }

        public void U32(int offset, uint value)
        {
            if (target.IsLittleEndian)
            {
                BinaryPrimitives.WriteUInt32LittleEndian(file.AsSpan(offset), value);
            }
            else
            {
                BinaryPrimitives.WriteUInt32BigEndian(file.AsSpan(offset), value);
            }
        }

        /// <summary>Writes a 4- or 8-byte word by class; returns the offset after it.</summary>
        public int Word(int offset, ulong value)
        {
            if (!target.Is64Bit)
            {
                U32(offset, (uint)value);
                return offset + 4;
            }

            if (target.IsLittleEndian)
            {
                BinaryPrimitives.WriteUInt64LittleEndian(file.AsSpan(offset), value);
            }
            else
            {
                BinaryPrimitives.WriteUInt64BigEndian(file.AsSpan(offset), value);
            }

            return offset + 8;
        }

        /// <summary>Writes an Elf32_Phdr or Elf64_Phdr (p_flags moves in the 64-bit one); returns the offset after it.</summary>
        public int ProgramHeader(int offset, uint type, uint flags, ulong fileOffset, ulong address, ulong size, ulong alignment)
        {
            U32(offset, type);
            if (target.Is64Bit)
            {
                U32(offset + 4, flags);
                var p = Word(offset + 8, fileOffset);
                p = Word(p, address);
                p = Word(p, address);
                p = Word(p, size);
                p = Word(p, size);
                return Word(p, alignment);
            }

            var q = Word(offset + 4, fileOffset);
            q = Word(q, address);
            q = Word(q, address);
            q = Word(q, size);
            q = Word(q, size);
            U32(q, flags);
            return Word(q + 4, alignment);
        }

        public void GoNote(int offset, byte[] note)
        {
            note.CopyTo(file.AsSpan(offset));
            U32(offset, 4);
            U32(offset + 4, (uint)(note.Length - 16));
            U32(offset + 8, 4);
            "Go"u8.CopyTo(file.AsSpan(offset + 12));
        }
    }
}

/// <summary>One Elf_Verneed of a built file: the library and the symbol versions needed from it.</summary>
/// <param name="Library">e.g. <c>libc.so.6</c>.</param>
/// <param name="Versions">e.g. <c>GLIBC_2.17</c>, <c>GLIBC_2.34</c>.</param>
public sealed record ElfVersionNeed(string Library, IReadOnlyList<string> Versions);
