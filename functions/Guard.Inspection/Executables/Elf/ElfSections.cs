// The section header table (System V gABI, "Sections", Figure 4-8 "Section Header") and the section name string table
// e_shstrndx names ("Special Sections"). Linux and ld.so never read sections; Guard reads them only to tell which
// toolchain built a binary, from the names of its sections and the notes compilers and linkers leave in .comment.
using System.Text;

namespace Guard.Inspection.Executables.Elf;

/// <summary>One section: its name (from .shstrtab) and where its bytes are in the file.</summary>
internal readonly record struct ElfSection(string Name, uint Type, ulong Offset, ulong Size);

/// <summary>What the section headers say: the sections by name, and the strings of <c>.comment</c>.</summary>
internal sealed record ElfSections(IReadOnlyList<ElfSection> Sections, IReadOnlyList<string> Comments)
{
    /// <summary>4,096 64-byte headers; linkers emit a few dozen (a -ffunction-sections object file more, but that is no executable).</summary>
    private const int MaxSectionHeaderTableSize = 256 * 1024;

    /// <summary>Section names are short; a few hundred sections' names fit in a few KiB.</summary>
    private const int MaxNameTableSize = 64 * 1024;

    /// <summary>.comment holds one line per toolchain part (compiler, linker, ilc): a few hundred bytes.</summary>
    private const int MaxCommentSize = 16 * 1024;

    private const uint TypeNoBits = 8;

    public static ElfSections None { get; } = new([], []);

    public bool Has(string name) => Sections.Any(s => s.Name == name);

    public bool HasPrefix(string prefix) => Sections.Any(s => s.Name.StartsWith(prefix, StringComparison.Ordinal));

    /// <summary>
    /// Reads the section headers at e_shoff (usually the end of the file, so a deflated entry is inflated to its end),
    /// the section names, and .comment. <see cref="None"/> when the file has no section headers (stripped of them with
    /// sstrip, or hand-made), uses extended numbering, or they lie outside what can be read.
    /// </summary>
    public static async Task<ElfSections> ReadAsync(BoundedContentReader reader, CancellationToken cancellationToken)
    {
        var prefix = reader.Prefix.Span;
        var headerBytes = new byte[ElfHeader.Size64];
        prefix[..Math.Min(prefix.Length, headerBytes.Length)].CopyTo(headerBytes);
        var header = ElfHeader.Parse(headerBytes);
        var order = header.ByteOrder;
        var is64 = header.Is64Bit;
        var tableOffset = order.Word(headerBytes, is64 ? 40 : 32);
        int entrySize = order.UInt16(headerBytes, is64 ? 58 : 46);
        int count = order.UInt16(headerBytes, is64 ? 60 : 48);
        int namesIndex = order.UInt16(headerBytes, is64 ? 62 : 50);
        var expected = is64 ? 64 : 40;

        // e_shnum 0 with e_shoff set is extended numbering (the count in section 0's sh_size); SHN_XINDEX likewise for
        // e_shstrndx. Neither is worth the extra reads for a toolchain's name.
        if (tableOffset == 0 || count == 0 || entrySize != expected || namesIndex >= count || (long)count * entrySize > MaxSectionHeaderTableSize ||
            !reader.IsReachable(tableOffset, count * entrySize))
        {
            return None;
        }

        var table = await reader.ReadAsync(tableOffset, count * entrySize, cancellationToken).ConfigureAwait(false);
        if (table.Length < count * entrySize)
        {
            return None;
        }

        var raw = new (uint Name, uint Type, ulong Offset, ulong Size)[count];
        for (var i = 0; i < count; i++)
        {
            var entry = table.Span.Slice(i * entrySize, entrySize);
            raw[i] = (order.UInt32(entry, 0), order.UInt32(entry, 4), order.Word(entry, is64 ? 24 : 16), order.Word(entry, is64 ? 32 : 20));
        }

        var names = await ReadSectionAsync(reader, raw[namesIndex].Offset, raw[namesIndex].Size, MaxNameTableSize, cancellationToken).ConfigureAwait(false);
        var sections = raw.Select(s => new ElfSection(StringAt(names.Span, s.Name), s.Type, s.Offset, s.Size)).ToList();
        var comments = new List<string>();
        if (sections.FirstOrDefault(s => s.Name == ".comment") is { Type: not TypeNoBits, Size: > 0 } comment)
        {
            var bytes = await ReadSectionAsync(reader, comment.Offset, comment.Size, MaxCommentSize, cancellationToken).ConfigureAwait(false);
            foreach (var part in Encoding.UTF8.GetString(bytes.Span).Split('\0', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
            {
                comments.Add(part);
            }
        }

        return new ElfSections(sections, comments);
    }

    private static async Task<ReadOnlyMemory<byte>> ReadSectionAsync(BoundedContentReader reader, ulong offset, ulong size, int max, CancellationToken cancellationToken)
    {
        var count = (int)Math.Min(size, (ulong)max);
        return count > 0 && reader.IsReachable(offset, count)
            ? await reader.ReadAsync(offset, count, cancellationToken).ConfigureAwait(false)
            : ReadOnlyMemory<byte>.Empty;
    }

    /// <summary>A NUL-terminated name at <paramref name="at"/>; empty when out of range.</summary>
    private static string StringAt(ReadOnlySpan<byte> table, uint at)
    {
        if (at >= table.Length)
        {
            return string.Empty;
        }

        var rest = table[(int)at..];
        var end = rest.IndexOf((byte)0);
        return Encoding.UTF8.GetString(end < 0 ? rest : rest[..end]);
    }
}
