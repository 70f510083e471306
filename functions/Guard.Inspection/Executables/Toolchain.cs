using System.Text.RegularExpressions;
using Guard.Inspection.Executables.Elf;

namespace Guard.Inspection.Executables;

/// <summary>What built an executable, as far as its own bytes tell.</summary>
/// <param name="Name"><c>go</c>, <c>rust</c>, <c>swift</c>, <c>dotnet-aot</c> (.NET Native AOT), <c>c++</c> or <c>c</c>.</param>
/// <param name="Compiler">The compiler and its version when the binary records it: <c>go1.22.5</c>, <c>rustc 1.75.0</c>,
/// <c>ilc 10.0.12</c>, <c>gcc 12.2.0</c>, <c>clang 14.0.6</c>; null when only the language is known.</param>
/// <param name="Evidence">What settled it, e.g. <c>.comment: rustc version 1.75.0 (82e1608df 2023-12-21)</c>.</param>
public sealed record Toolchain(string Name, string? Compiler, string Evidence)
{
    /// <summary>
    /// The value of a <c>guard:toolchain</c> tag: Go's version as Go names it (<c>go1.22.5</c>), else the name and the
    /// compiler (<c>rust:rustc-1.75.0</c>). Only characters Lambda accepts in a tag value (letters, digits, <c>.:/=+-@_</c>).
    /// </summary>
    public string TagValue => TagValueOf(Name, Compiler);

    /// <summary><see cref="TagValue"/> from a report's <c>bootstrap.toolchain</c> and its compiler (a Go binary's <c>goVersion</c>).</summary>
    public static string TagValueOf(string name, string? compiler) => name == "go"
        ? compiler ?? "go"
        : compiler is null ? name : $"{name}:{compiler.Replace(' ', '-')}";
}

/// <summary>
/// Tells the toolchain from an ELF file's evidence: Go's build information or build ID note; the lines compilers and
/// linkers append to <c>.comment</c> (<c>rustc version</c>, <c>.NET: ilc</c>, <c>Swift version</c>, <c>GCC:</c>,
/// <c>clang version</c>), which <c>strip</c> keeps; sections only one toolchain emits (.NET Native AOT's
/// <c>__managedcode</c>, Swift's <c>swift5_*</c>); libraries it needs (<c>libswiftCore.so</c>, <c>libstdc++.so.6</c>); and,
/// when the symbol table survived, symbols only one runtime defines. A language front end's line wins over the C
/// toolchain's, which every binary linked with the system's start files carries too.
/// </summary>
internal static partial class ToolchainEvidence
{
    /// <summary>Symbols only one runtime defines, looked for in .strtab when nothing cheaper settled it (an unstripped binary).</summary>
    internal static readonly (string Symbol, string Name)[] RuntimeSymbols =
    [
        ("rust_begin_unwind", "rust"),
        ("RhpNewFast", "dotnet-aot"),
        ("swift_retain", "swift"),
        ("__gxx_personality_v0", "c++"),
    ];

    public static Toolchain? Identify(ElfFacts elf, ElfSections sections, IReadOnlySet<string> symbolsFound)
    {
        if (elf.IsGo)
        {
            return new Toolchain("go", elf.GoBuild?.GoVersion, elf.GoBuild is null ? "the Go build ID note" : "Go build information");
        }

        string? Comment(string marker) => sections.Comments.FirstOrDefault(c => c.Contains(marker, StringComparison.Ordinal));

        if (Comment(".NET: ilc") is { } ilc)
        {
            return new Toolchain("dotnet-aot", Versioned("ilc", IlcVersion().Match(ilc)), ".comment: " + ilc);
        }

        if (sections.Has("__managedcode") || sections.Has(".dotnet_eh_table"))
        {
            return new Toolchain("dotnet-aot", null, "the __managedcode section of .NET Native AOT");
        }

        if (Comment("rustc version") is { } rustc)
        {
            return new Toolchain("rust", Versioned("rustc", RustcVersion().Match(rustc)), ".comment: " + rustc);
        }

        if (Comment("Swift version") is { } swift)
        {
            return new Toolchain("swift", Versioned("swiftc", SwiftVersion().Match(swift)), ".comment: " + swift);
        }

        if (sections.HasPrefix("swift5_"))
        {
            return new Toolchain("swift", null, "Swift's swift5_* metadata sections");
        }

        if (elf.NeededLibraries.FirstOrDefault(l => l.StartsWith("libswiftCore.so", StringComparison.Ordinal)) is { } swiftCore)
        {
            return new Toolchain("swift", null, "it needs " + swiftCore);
        }

        foreach (var (symbol, name) in RuntimeSymbols)
        {
            if (name != "c++" && symbolsFound.Contains(symbol))
            {
                return new Toolchain(name, null, "the symbol " + symbol);
            }
        }

        var clang = Comment("clang version");
        var gcc = Comment("GCC:");
        if (clang is null && gcc is null)
        {
            return null;
        }

        var compiler = clang is not null ? Versioned("clang", ClangVersion().Match(clang)) : Versioned("gcc", GccVersion().Match(gcc!));
        var cxx = elf.NeededLibraries.FirstOrDefault(l => l.StartsWith("libstdc++.so", StringComparison.Ordinal) || l.StartsWith("libc++.so", StringComparison.Ordinal));
        if (cxx is not null)
        {
            return new Toolchain("c++", compiler, $".comment: {clang ?? gcc}; it needs {cxx}");
        }

        return symbolsFound.Contains("__gxx_personality_v0")
            ? new Toolchain("c++", compiler, $".comment: {clang ?? gcc}; the symbol __gxx_personality_v0")
            : new Toolchain("c", compiler, ".comment: " + (clang ?? gcc));
    }

    private static string Versioned(string compiler, Match version) => version.Success ? $"{compiler} {version.Groups[1].Value}" : compiler;

    [GeneratedRegex(@"\.NET: ilc ([0-9]+(?:\.[0-9]+)+)")]
    private static partial Regex IlcVersion();

    [GeneratedRegex(@"rustc version ([0-9]+(?:\.[0-9]+)+)")]
    private static partial Regex RustcVersion();

    [GeneratedRegex(@"Swift version ([0-9]+(?:\.[0-9]+)+)")]
    private static partial Regex SwiftVersion();

    [GeneratedRegex(@"clang version ([0-9]+(?:\.[0-9]+)+)")]
    private static partial Regex ClangVersion();

    // "GCC: (Debian 12.2.0-14) 12.2.0": the release is the last word.
    [GeneratedRegex(@"([0-9]+(?:\.[0-9]+)+)\s*$")]
    private static partial Regex GccVersion();
}
