namespace Guard.Inspection.Tests.Executables;

/// <summary>ELF files already on this machine: system programs and libraries, and the aarch64 cross libraries.</summary>
internal static class RealElfFiles
{
    private const long MaxSize = 64L * 1024 * 1024;

    private static ReadOnlySpan<byte> ElfMagic => [0x7F, (byte)'E', (byte)'L', (byte)'F'];

    /// <summary>Up to <paramref name="count"/> distinct ELF files under <paramref name="directories"/>, in a stable order.</summary>
    public static IReadOnlyList<string> Find(int count, params string[] directories)
    {
        var seen = new HashSet<string>(StringComparer.Ordinal);
        var found = new List<string>();
        foreach (var directory in directories.Where(Directory.Exists))
        {
            foreach (var path in Directory.EnumerateFiles(directory).Order(StringComparer.Ordinal))
            {
                if (found.Count == count)
                {
                    return found;
                }

                var info = new FileInfo(path);
                var target = info.LinkTarget is null ? info : info.ResolveLinkTarget(returnFinalTarget: true) as FileInfo;
                if (target is not { Exists: true } || target.Length is < 64 or > MaxSize || !seen.Add(target.FullName) || !IsElf(target.FullName))
                {
                    continue;
                }

                found.Add(target.FullName);
            }
        }

        return found;
    }

    /// <summary>The first of <paramref name="candidates"/> that exists.</summary>
    public static string? FirstExisting(params string[] candidates) => candidates.FirstOrDefault(File.Exists);

    private static bool IsElf(string path)
    {
        try
        {
            using var stream = File.OpenRead(path);
            Span<byte> magic = stackalloc byte[4];
            return stream.ReadAtLeast(magic, 4, throwOnEndOfStream: false) == 4 && magic.SequenceEqual(ElfMagic);
        }
        catch (IOException)
        {
            return false;
        }
        catch (UnauthorizedAccessException)
        {
            return false;
        }
    }
}
