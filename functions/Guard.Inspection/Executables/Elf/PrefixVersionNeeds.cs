namespace Guard.Inspection.Executables.Elf;

/// <summary>
/// Finds a file's GNU version needs (<c>.gnu.version_r</c>, LSB Core "Symbol Versioning") in the bytes already read,
/// without the dynamic section. Linkers put <c>.dynstr</c> and <c>.gnu.version_r</c> in the first read-only segment
/// but <c>.dynamic</c> near the end of the file, so following DT_VERNEED means inflating a compressed bootstrap almost
/// to its end (megabytes for a Rust, C++ or .NET binary). Without DT_STRTAB the string table's position is inferred:
/// each Elf_Vernaux carries the ELF hash of its name, so a record whose hash matches a <c>GLIBC_</c> string in the
/// prefix pins where the string table starts, and every other name, every hash and the whole vn_next chain must then
/// agree. Anything short of one complete, fully verified chain returns false and the caller reads the dynamic section,
/// so a guess never hides a version.
/// </summary>
internal static class PrefixVersionNeeds
{
    private const int RecordAlignment = 4;
    private const ushort VersionNeedCurrent = 1;
    private const ushort VersionFlagWeak = 0x2;
    private const int MaxAuxPerNeed = 256;
    private const int MaxNameLength = 256;

    private static ReadOnlySpan<byte> GlibcPrefix => "GLIBC_"u8;

    /// <summary>
    /// The version needs (e.g. <c>GLIBC_2.34</c> from <c>libc.so.6</c>, <c>GCC_3.0</c> from <c>libgcc_s.so.1</c>) of the one
    /// complete version-needs chain in <paramref name="prefix"/>, or false when there is none that verifies.
    /// </summary>
    public static bool TryRead(ReadOnlySpan<byte> prefix, ElfByteOrder order, out List<LibraryVersionNeed> needs)
    {
        needs = [];
        var glibcStrings = GlibcStringsByHash(prefix);
        if (glibcStrings.Count == 0)
        {
            return false;
        }

        // Every structurally plausible Elf_Verneed with its Elf_Vernaux chain, before any string is looked at.
        var candidates = new List<Need>();
        for (var at = 0; at + VersionNeed.Size <= prefix.Length; at += RecordAlignment)
        {
            if (TryParseNeed(prefix, order, at) is { } need)
            {
                candidates.Add(need);
            }
        }

        if (!TryFindStringTable(prefix, candidates, glibcStrings, out var stringTable))
        {
            return false;
        }

        var verified = new Dictionary<int, Need>();
        foreach (var need in candidates)
        {
            if (Verifies(prefix, need, stringTable))
            {
                verified[need.Offset] = need;
            }
        }

        var heads = verified.Values.Where(need => !verified.Values.Any(other => other.Next != 0 && other.Offset + (long)other.Next == need.Offset)).ToArray();
        if (heads.Length != 1 || HasUnverifiedPredecessor(prefix, order, heads[0].Offset, verified))
        {
            return false;
        }

        var visited = 0;
        var current = heads[0];
        while (true)
        {
            visited++;
            var library = NameAt(prefix, stringTable + current.File)!;
            foreach (var aux in current.Aux)
            {
                needs.Add(new LibraryVersionNeed(library, NameAt(prefix, stringTable + aux.Name)!, (aux.Flags & VersionFlagWeak) != 0));
            }

            if (current.Next == 0)
            {
                break;
            }

            var next = (long)current.Offset + current.Next;
            if (visited > verified.Count || next > int.MaxValue || !verified.TryGetValue((int)next, out current!))
            {
                return false;
            }
        }

        return visited == verified.Count;
    }

    /// <summary>Standard ELF hash (gABI "Hash Table"), the one vna_hash holds.</summary>
    public static uint ElfHash(ReadOnlySpan<byte> name)
    {
        uint hash = 0;
        foreach (var c in name)
        {
            hash = (hash << 4) + c;
            var high = hash & 0xF0000000;
            if (high != 0)
            {
                hash ^= high >> 24;
            }

            hash &= ~high;
        }

        return hash;
    }

    private static Dictionary<uint, List<int>> GlibcStringsByHash(ReadOnlySpan<byte> prefix)
    {
        var byHash = new Dictionary<uint, List<int>>();
        for (var at = prefix.IndexOf(GlibcPrefix); at >= 0;)
        {
            if (at == 0 || prefix[at - 1] == 0)
            {
                var end = prefix[at..].IndexOf((byte)0);
                if (end > 0 && end <= MaxNameLength)
                {
                    var hash = ElfHash(prefix.Slice(at, end));
                    if (!byHash.TryGetValue(hash, out var offsets))
                    {
                        byHash[hash] = offsets = [];
                    }

                    offsets.Add(at);
                }
            }

            var next = prefix[(at + 1)..].IndexOf(GlibcPrefix);
            at = next < 0 ? -1 : at + 1 + next;
        }

        return byHash;
    }

    private static Need? TryParseNeed(ReadOnlySpan<byte> prefix, ElfByteOrder order, int at)
    {
        var need = VersionNeed.Parse(prefix[at..], order);
        if (need.Version != VersionNeedCurrent || need.AuxCount is 0 or > MaxAuxPerNeed || need.AuxOffset < VersionNeed.Size ||
            need.NextOffset % RecordAlignment != 0)
        {
            return null;
        }

        var aux = new List<VersionNeedAux>(need.AuxCount);
        var auxAt = (long)at + need.AuxOffset;
        for (var i = 0; i < need.AuxCount; i++)
        {
            if (auxAt + VersionNeedAux.Size > prefix.Length)
            {
                return null;
            }

            var entry = VersionNeedAux.Parse(prefix[(int)auxAt..], order);
            var isLast = i == need.AuxCount - 1;
            if ((entry.Flags & ~VersionFlagWeak) != 0 || isLast != (entry.NextOffset == 0) || (!isLast && entry.NextOffset < VersionNeedAux.Size))
            {
                return null;
            }

            aux.Add(entry);
            auxAt += entry.NextOffset;
        }

        return new Need(at, need.File, need.NextOffset, aux);
    }

    /// <summary>The one string-table position that every GLIBC name hash in the candidates points to.</summary>
    private static bool TryFindStringTable(ReadOnlySpan<byte> prefix, List<Need> candidates, Dictionary<uint, List<int>> glibcStrings, out long stringTable)
    {
        stringTable = -1;
        var positions = new HashSet<long>();
        foreach (var need in candidates)
        {
            foreach (var aux in need.Aux)
            {
                if (glibcStrings.TryGetValue(aux.Hash, out var offsets))
                {
                    foreach (var offset in offsets.Where(offset => offset >= aux.Name))
                    {
                        var position = offset - (long)aux.Name;
                        if (Verifies(prefix, need, position))
                        {
                            positions.Add(position);
                        }
                    }
                }
            }
        }

        if (positions.Count != 1)
        {
            return false;
        }

        stringTable = positions.Single();
        return true;
    }

    private static bool Verifies(ReadOnlySpan<byte> prefix, Need need, long stringTable)
    {
        if (NameAt(prefix, stringTable + need.File) is not { Length: > 0 })
        {
            return false;
        }

        foreach (var aux in need.Aux)
        {
            if (NameAt(prefix, stringTable + aux.Name) is not { Length: > 0 } name || ElfHash(System.Text.Encoding.UTF8.GetBytes(name)) != aux.Hash)
            {
                return false;
            }
        }

        return true;
    }

    /// <summary>A record outside the verified set whose vn_next lands on the head would mean the chain starts earlier.</summary>
    private static bool HasUnverifiedPredecessor(ReadOnlySpan<byte> prefix, ElfByteOrder order, int head, Dictionary<int, Need> verified)
    {
        for (var at = 0; at < head && at + VersionNeed.Size <= prefix.Length; at += RecordAlignment)
        {
            var need = VersionNeed.Parse(prefix[at..], order);
            if (need.Version == VersionNeedCurrent && need.NextOffset != 0 && at + (long)need.NextOffset == head && !verified.ContainsKey(at))
            {
                return true;
            }
        }

        return false;
    }

    private static string? NameAt(ReadOnlySpan<byte> prefix, long offset)
    {
        if (offset < 0 || offset >= prefix.Length)
        {
            return null;
        }

        var rest = prefix[(int)offset..];
        var end = rest.IndexOf((byte)0);
        return end < 0 || end > MaxNameLength ? null : System.Text.Encoding.UTF8.GetString(rest[..end]);
    }

    private sealed record Need(int Offset, uint File, uint Next, IReadOnlyList<VersionNeedAux> Aux);
}
