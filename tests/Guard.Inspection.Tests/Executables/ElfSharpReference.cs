using System.Buffers.Binary;
using System.Text;
using ELFSharp.ELF;
using ELFSharp.ELF.Sections;
using ELFSharp.ELF.Segments;

namespace Guard.Inspection.Tests.Executables;

/// <summary>
/// The same facts read independently, by ELFSharp and by section headers rather than segments: the interpreter from its
/// PT_INTERP segment, needed versions from the <c>.gnu.version_r</c> section walked by vn_cnt (as readelf does) with
/// names from the section its sh_link names, <c>.dynstr</c>.
/// </summary>
internal sealed record ElfSharpReference(bool Is64Bit, ushort Machine, ushort FileType, string? Interpreter, IReadOnlyList<Version> GlibcVersions, IReadOnlyList<string> NeededLibraries)
{
    private const uint SectionTypeVersionNeed = 0x6ffffffe;

    public static ElfSharpReference? TryRead(byte[] bytes)
    {
        if (!ELFReader.TryLoad(new MemoryStream(bytes, writable: false), shouldOwnStream: true, out var elf))
        {
            return null;
        }

        using (elf)
        {
            var interpreterSegment = elf.Segments.FirstOrDefault(s => s.Type == SegmentType.Interpreter);
            var interpreter = interpreterSegment is null ? null : CString(interpreterSegment.GetFileContents(), 0);
            var littleEndian = elf.Endianess == ELFSharp.Endianess.LittleEndian;
            var dynstr = elf.Sections.FirstOrDefault(s => s.Name == ".dynstr")?.GetContents() ?? [];

            var versions = new SortedSet<Version>();
            foreach (var section in elf.Sections.Where(s => (uint)s.Type == SectionTypeVersionNeed))
            {
                var data = section.GetContents();
                var need = 0;
                while (need + 16 <= data.Length)
                {
                    var count = U16(data, need + 2, littleEndian);
                    var aux = need + (int)U32(data, need + 8, littleEndian);
                    for (var i = 0; i < count && aux + 16 <= data.Length; i++)
                    {
                        var name = CString(dynstr, (int)U32(data, aux + 8, littleEndian));
                        if (name.StartsWith("GLIBC_", StringComparison.Ordinal) && Version.TryParse(name["GLIBC_".Length..], out var version))
                        {
                            versions.Add(version);
                        }

                        aux += (int)U32(data, aux + 12, littleEndian);
                    }

                    var next = (int)U32(data, need + 12, littleEndian);
                    if (next == 0)
                    {
                        break;
                    }

                    need += next;
                }
            }

            var needed = new List<string>();
            foreach (var dynamic in elf.Sections.OfType<IDynamicSection>())
            {
                foreach (var entry in dynamic.Entries.Where(e => e.Tag == DynamicTag.Needed))
                {
                    var offset = entry switch
                    {
                        DynamicEntry<ulong> e64 => (long)e64.Value,
                        DynamicEntry<uint> e32 => e32.Value,
                        _ => -1,
                    };
                    needed.Add(CString(dynstr, (int)offset));
                }
            }

            return new ElfSharpReference(elf.Class == Class.Bit64, (ushort)elf.Machine, (ushort)elf.Type, interpreter, [.. versions], needed);
        }
    }

    /// <summary>(sh_offset, sh_size) of the named sections that exist.</summary>
    public static IReadOnlyList<(long Offset, int Size)> SectionRanges(byte[] bytes, params string[] names)
    {
        if (!ELFReader.TryLoad(new MemoryStream(bytes, writable: false), shouldOwnStream: true, out var elf))
        {
            return [];
        }

        using (elf)
        {
            return elf switch
            {
                ELF<ulong> elf64 => [.. elf64.Sections.Where(s => names.Contains(s.Name)).Select(s => ((long)s.Offset, (int)Math.Min(s.Size, int.MaxValue)))],
                ELF<uint> elf32 => [.. elf32.Sections.Where(s => names.Contains(s.Name)).Select(s => ((long)s.Offset, (int)s.Size))],
                _ => [],
            };
        }
    }

    private static ushort U16(byte[] data, int offset, bool littleEndian) =>
        littleEndian ? BinaryPrimitives.ReadUInt16LittleEndian(data.AsSpan(offset)) : BinaryPrimitives.ReadUInt16BigEndian(data.AsSpan(offset));

    private static uint U32(byte[] data, int offset, bool littleEndian) =>
        littleEndian ? BinaryPrimitives.ReadUInt32LittleEndian(data.AsSpan(offset)) : BinaryPrimitives.ReadUInt32BigEndian(data.AsSpan(offset));

    private static string CString(byte[] data, int offset)
    {
        if (offset < 0 || offset >= data.Length)
        {
            return string.Empty;
        }

        var span = data.AsSpan(offset);
        var end = span.IndexOf((byte)0);
        return Encoding.UTF8.GetString(end < 0 ? span : span[..end]);
    }
}
