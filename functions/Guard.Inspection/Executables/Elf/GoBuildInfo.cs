// Reads the build information the Go linker embeds, as debug/buildinfo does (Go 1.18+ inline strings; Go 1.13-1.17
// pointers to runtime.buildVersion and runtime.modinfo, which the caller resolves through the program headers): the blob found by
// searching, 16-byte aligned, for "\xff Go buildinf:" at the start of the data (.go.buildinfo, first in the first
// writable PT_LOAD; cmd/link/internal/ld.(*Link).buildinfo); the runtime/debug.BuildInfo text format of the module
// lines (runtime/debug/mod.go, ParseBuildInfo).
using System.Text;

namespace Guard.Inspection.Executables.Elf;

/// <summary>One module line of Go build information.</summary>
/// <param name="Path">The module path, e.g. <c>github.com/aws/aws-lambda-go</c>.</param>
/// <param name="Version">The version the build required (the <c>dep</c> line), e.g. <c>v1.17.0</c>.</param>
/// <param name="Replacement">What a <c>replace</c> directive put in its place (<c>./local (devel)</c>, <c>fork v1.2.3</c>); null when none.</param>
public sealed record GoModule(string Path, string Version, string? Replacement);

/// <summary>What a Go binary says about how it was built.</summary>
/// <param name="GoVersion">The toolchain, e.g. <c>go1.19.8</c>.</param>
/// <param name="MainPath">The main package's import path; null when not recorded.</param>
/// <param name="Dependencies">The <c>dep</c> lines, in the order the binary lists them.</param>
/// <param name="Format">Which layout it was read from: the evidence a finding cites.</param>
public sealed record GoBuildInfo(string GoVersion, string? MainPath, IReadOnlyList<GoModule> Dependencies, GoBuildInfoFormat Format = GoBuildInfoFormat.Inline)
{
    /// <summary>The 32-byte header: 14 bytes of magic, pointer size, flags, then two pointers (unused when inline).</summary>
    public const int HeaderSize = 32;

    /// <summary>The blob is aligned to 16 bytes (buildInfoAlign).</summary>
    private const int Alignment = 16;

    /// <summary>Flag bit 2: the version and module strings follow the header inline (Go 1.18+), not behind pointers.</summary>
    private const byte InlineStringsFlag = 0x2;

    /// <summary>runtime/debug wraps the module text in a 16-byte sentinel on each side.</summary>
    private const int SentinelLength = 16;

    /// <summary>
    /// The byte 0xFF, then " Go buildinf:" (14 bytes). Not <c>"\xff Go buildinf:"u8</c>: a C# string escape is a char,
    /// and U+00FF encodes as two UTF-8 bytes, which no Go binary holds.
    /// </summary>
    internal static ReadOnlySpan<byte> Magic => [0xFF, 0x20, 0x47, 0x6F, 0x20, 0x62, 0x75, 0x69, 0x6C, 0x64, 0x69, 0x6E, 0x66, 0x3A];

    public GoModule? Dependency(string path) => Dependencies.FirstOrDefault(d => d.Path == path);

    /// <summary>The header of the Go 1.13-1.17 layout: pointer size, then two pointers to Go strings; null when it is not that.</summary>
    public static (int PointerSize, bool BigEndian)? PointerHeader(ReadOnlySpan<byte> blob) =>
        blob.Length >= HeaderSize && blob.StartsWith(Magic) && (blob[15] & InlineStringsFlag) == 0 && blob[14] is 4 or 8
            ? (blob[14], blob[15] != 0)
            : null;

    /// <summary>The version and module text runtime.buildVersion and runtime.modinfo hold (the Go 1.13-1.17 layout).</summary>
    public static GoBuildInfo? FromStrings(string version, string modules) =>
        version.StartsWith("go", StringComparison.Ordinal) ? ParseModules(version, StripSentinels(modules), GoBuildInfoFormat.Pointers) : null;

    /// <summary>Where the blob starts in <paramref name="data"/> (16-byte aligned, header complete); -1 when it is not there.</summary>
    public static int Find(ReadOnlySpan<byte> data)
    {
        for (var at = 0; at + HeaderSize <= data.Length; at += Alignment)
        {
            var found = data[at..].IndexOf(Magic);
            if (found < 0)
            {
                return -1;
            }

            at += found;
            if (at % Alignment == 0 && at + HeaderSize <= data.Length)
            {
                return at;
            }

            at -= at % Alignment; // the loop steps on to the next aligned position after this unaligned match
        }

        return -1;
    }

    /// <summary>
    /// How many bytes from the blob's start the whole blob takes, as far as <paramref name="blob"/> shows it; null when the
    /// blob is not the inline format or its length prefixes are unreadable. A result beyond <paramref name="blob"/>'s
    /// length says how much to read.
    /// </summary>
    public static int? Length(ReadOnlySpan<byte> blob)
    {
        if (blob.Length < HeaderSize || !blob.StartsWith(Magic) || (blob[15] & InlineStringsFlag) == 0)
        {
            return null;
        }

        var at = HeaderSize;
        for (var field = 0; field < 2; field++)
        {
            if (!TryReadUvarint(blob[Math.Min(at, blob.Length)..], out var length, out var width))
            {
                // The prefix itself may be cut off by the read: ask for a little more.
                return at + 10 > blob.Length ? at + 10 : null;
            }

            if (length > (ulong)(int.MaxValue - at - width))
            {
                return null;
            }

            at += width + (int)length;
        }

        return at;
    }

    /// <summary>Parses the inline (Go 1.18+) blob at the start of <paramref name="blob"/>; false for the older pointer format or damage.</summary>
    public static bool TryParse(ReadOnlySpan<byte> blob, out GoBuildInfo info)
    {
        info = null!;
        if (Length(blob) is not { } length || length > blob.Length)
        {
            return false;
        }

        var rest = blob[HeaderSize..];
        if (!TryReadString(ref rest, out var version) || !TryReadString(ref rest, out var modules) || !version.StartsWith("go", StringComparison.Ordinal))
        {
            return false;
        }

        info = ParseModules(version, StripSentinels(modules), GoBuildInfoFormat.Inline);
        return true;
    }

    /// <summary>runtime/debug: the module text sits between two 16-byte sentinels when it is not empty.</summary>
    private static string StripSentinels(string modules) =>
        modules.Length >= (2 * SentinelLength) + 1 && modules[^(SentinelLength + 1)] == '\n' ? modules[SentinelLength..^SentinelLength] : modules;

    private static GoBuildInfo ParseModules(string goVersion, string text, GoBuildInfoFormat format)
    {
        string? mainPath = null;
        var dependencies = new List<GoModule>();
        foreach (var line in text.Split('\n'))
        {
            var fields = line.Split('\t');
            switch (fields[0])
            {
                case "path" when fields.Length >= 2:
                    mainPath = fields[1];
                    break;
                case "dep" when fields.Length >= 3:
                    dependencies.Add(new GoModule(fields[1], fields[2], null));
                    break;
                case "=>" when fields.Length >= 3 && dependencies.Count > 0 && dependencies[^1].Replacement is null:
                    // A replacement follows the line it replaces; one after "mod" (the main module) has no dep to attach to.
                    dependencies[^1] = dependencies[^1] with { Replacement = $"{fields[1]} {fields[2]}" };
                    break;
            }
        }

        return new GoBuildInfo(goVersion, mainPath, dependencies, format);
    }

    private static bool TryReadString(ref ReadOnlySpan<byte> data, out string value)
    {
        value = string.Empty;
        if (!TryReadUvarint(data, out var length, out var width) || length > (ulong)(data.Length - width))
        {
            return false;
        }

        value = Encoding.UTF8.GetString(data.Slice(width, (int)length));
        data = data[(width + (int)length)..];
        return true;
    }

    /// <summary>encoding/binary's Uvarint: 7 bits a byte, low first, at most 10 bytes.</summary>
    private static bool TryReadUvarint(ReadOnlySpan<byte> data, out ulong value, out int width)
    {
        value = 0;
        for (width = 0; width < data.Length && width < 10; width++)
        {
            var b = data[width];
            value |= (ulong)(b & 0x7F) << (7 * width);
            if (b < 0x80)
            {
                width++;
                return width < 10 || b <= 1;
            }
        }

        return false;
    }
}

/// <summary>The layout Go build information was read from.</summary>
public enum GoBuildInfoFormat
{
    /// <summary>Go 1.18+: the version and module text follow the header.</summary>
    Inline,

    /// <summary>Go 1.13-1.17: the header points at runtime.buildVersion and runtime.modinfo.</summary>
    Pointers,
}
