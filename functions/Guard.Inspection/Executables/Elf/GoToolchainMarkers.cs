namespace Guard.Inspection.Executables.Elf;

/// <summary>
/// How a Go binary shows itself near its start: the linker's <c>.note.go.buildid</c> ELF note (name "Go",
/// cmd/link/internal/ld/elf.go) right after the program headers, or the build-info blob
/// ("\xff Go buildinf:", debug/buildinfo) when it happens to fall inside what was read.
/// </summary>
internal static class GoToolchainMarkers
{
    private const int NoteHeaderSize = 12;

    private static ReadOnlySpan<byte> GoNoteName => "Go"u8;

    public static bool HasBuildInfo(ReadOnlySpan<byte> prefix) => prefix.IndexOf(GoBuildInfo.Magic) >= 0;

    /// <summary>Walks the notes of one PT_NOTE segment (gABI "Note Section": namesz, descsz, type, name, desc, each padded).</summary>
    /// <param name="notes">The segment's bytes, clipped to what was read.</param>
    /// <param name="alignment">4, or 8 for segments aligned to 8 (GNU property notes).</param>
    public static bool HasGoNote(ReadOnlySpan<byte> notes, ElfByteOrder order, int alignment)
    {
        long position = 0;
        while (position + NoteHeaderSize <= notes.Length)
        {
            var at = (int)position;
            long nameSize = order.UInt32(notes, at);
            long descriptionSize = order.UInt32(notes, at + 4);
            var nameStart = position + NoteHeaderSize;
            if (nameStart + nameSize > notes.Length)
            {
                return false;
            }

            var name = notes.Slice((int)nameStart, (int)nameSize).TrimEnd((byte)0);
            if (name.SequenceEqual(GoNoteName))
            {
                return true;
            }

            // Every step moves forward by at least the 12-byte header, so the walk ends.
            position = Align(Align(nameStart + nameSize, alignment) + descriptionSize, alignment);
        }

        return false;
    }

    private static long Align(long value, int alignment) => (value + alignment - 1) & -(long)alignment;
}
