using System.Buffers;

namespace Guard.Inspection.Executables.Elf;

/// <summary>glibc's symbol-version names: <c>GLIBC_2.2.5</c>, <c>GLIBC_2.34</c>; not <c>GLIBC_PRIVATE</c>.</summary>
internal static class GlibcVersion
{
    private const string Prefix = "GLIBC_";

    // Binaries linked with -z pack-relative-relocs need this marker version, which glibc defines from 2.36 on:
    // on older runtimes they fail exactly like a GLIBC_2.36 symbol would.
    private const string DtRelrMarker = "GLIBC_ABI_DT_RELR";
    private static readonly Version DtRelrSince = new(2, 36);
    private static readonly SearchValues<char> VersionCharacters = SearchValues.Create("0123456789.");

    public static bool TryParse(string name, out Version version)
    {
        version = new Version();
        if (name == DtRelrMarker)
        {
            version = DtRelrSince;
            return true;
        }

        if (!name.StartsWith(Prefix, StringComparison.Ordinal))
        {
            return false;
        }

        var number = name.AsSpan(Prefix.Length);
        if (number.IsEmpty || !char.IsAsciiDigit(number[0]) || !char.IsAsciiDigit(number[^1]) || number.ContainsAnyExcept(VersionCharacters))
        {
            return false;
        }

        if (Version.TryParse(number, out var parsed) && parsed is not null)
        {
            version = parsed;
            return true;
        }

        return false;
    }
}
