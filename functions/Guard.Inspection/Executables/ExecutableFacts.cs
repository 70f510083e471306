using Guard.Inspection.Executables.Elf;

namespace Guard.Inspection.Executables;

/// <summary>What a file's first bytes (and, for dynamic ELF files, its dynamic section) say it is.</summary>
public enum ExecutableKind
{
    /// <summary>Zero bytes.</summary>
    Empty,
    Elf,
    /// <summary>Starts with <c>#!</c>.</summary>
    Script,
    MachO,
    /// <summary>A Windows PE/COFF image (<c>MZ</c>).</summary>
    PortableExecutable,
    /// <summary>Mostly printable text without a shebang.</summary>
    Text,
    /// <summary>Binary content that is none of the above.</summary>
    Unknown,
}

public enum ElfLinkage
{
    /// <summary>No program interpreter and no dynamic section.</summary>
    Static,
    /// <summary>Position-independent, self-relocating, no program interpreter (<c>-static-pie</c>).</summary>
    StaticPie,
    /// <summary>Needs a program interpreter and shared libraries.</summary>
    Dynamic,
}

/// <summary>The one spelling of a linkage in reports and descriptions.</summary>
internal static class ElfLinkageNames
{
    public static string Name(this ElfLinkage linkage) => linkage switch
    {
        ElfLinkage.Static => "static",
        ElfLinkage.StaticPie => "static-pie",
        _ => "dynamic",
    };
}

/// <summary>Facts about an executable, as far as they could be read.</summary>
/// <param name="Kind">What the content is.</param>
/// <param name="Elf">ELF details, when <paramref name="Kind"/> is <see cref="ExecutableKind.Elf"/>.</param>
/// <param name="Script">Shebang details, when <paramref name="Kind"/> is <see cref="ExecutableKind.Script"/>.</param>
/// <param name="Description">A short human description, e.g. "Mach-O 64-bit arm64", "PE32+ x86-64".</param>
public sealed record ExecutableFacts(ExecutableKind Kind, ElfFacts? Elf = null, ScriptFacts? Script = null, string? Description = null);

/// <param name="Is64Bit">ELFCLASS64.</param>
/// <param name="IsLittleEndian">ELFDATA2LSB.</param>
/// <param name="Machine">e_machine (62 = EM_X86_64, 183 = EM_AARCH64).</param>
/// <param name="MachineName">"x86_64", "aarch64", "i386", "arm", … or "machine 1234".</param>
/// <param name="FileType">e_type (2 = ET_EXEC, 3 = ET_DYN, 1 = ET_REL, 4 = ET_CORE).</param>
/// <param name="Interpreter">PT_INTERP path, e.g. <c>/lib64/ld-linux-x86-64.so.2</c>; null when none.</param>
/// <param name="GlibcVersionsRequired">Every <c>GLIBC_x.y</c> version named in <c>.gnu.version_r</c>, highest last.
/// Read only for files with a program interpreter: without one ld.so never runs, so nothing checks them.</param>
/// <param name="NeededLibraries">DT_NEEDED names, e.g. <c>libc.so.6</c>; like the versions, read only when there is an interpreter.</param>
/// <param name="IsGo">Built by the Go toolchain (Go build ID note or Go build info present in what was read).</param>
/// <param name="Problem">Why the ELF could not be fully read (truncated or inconsistent headers); null when it could.</param>
/// <param name="VersionNeedsFromPrefix">The version needs were found and verified in the first bytes, so the dynamic
/// section (near the end of the file) was not read: <paramref name="NeededLibraries"/> is then empty.</param>
/// <param name="GoBuild">A Go binary's build information (Go version, modules), Go 1.18+ or Go 1.13-1.17 layout, read at the
/// start of the data segment (a deflated entry is inflated up to it). Null when the binary has none.</param>
/// <param name="VersionNeeds">Every symbol version ld.so will look for, with the library it must come from
/// (<c>.gnu.version_r</c>): <c>GLIBCXX_3.4.30</c> from <c>libstdc++.so.6</c>. Read when the dynamic section is.</param>
/// <param name="SoName">DT_SONAME: the name a shared library answers to; null when none.</param>
/// <param name="RPath">DT_RPATH directories, split on <c>:</c>, with <c>$ORIGIN</c> left as written.</param>
/// <param name="RunPath">DT_RUNPATH directories, split on <c>:</c>, with <c>$ORIGIN</c> left as written.</param>
/// <param name="VersionDefinitions">The versions a shared library defines (<c>.gnu.version_d</c>, without the base entry naming the
/// file); null when it defines none, or when the dynamic section was not read (<paramref name="VersionNeedsFromPrefix"/>).</param>
/// <param name="GoRpcOnlyClient">For a Go binary without module build information: why it holds aws-lambda-go's RPC-only
/// client (before v1.18.0), from its own strings; null when it does not, or has build information to go by.</param>
/// <param name="Toolchain">What built it, when the analysis was asked to tell (<see cref="ExecutableAnalyzer"/>) and the
/// file says; null otherwise.</param>
public sealed record ElfFacts(
    bool Is64Bit,
    bool IsLittleEndian,
    ushort Machine,
    string MachineName,
    ushort FileType,
    ElfLinkage Linkage,
    string? Interpreter,
    IReadOnlyList<Version> GlibcVersionsRequired,
    IReadOnlyList<string> NeededLibraries,
    bool IsGo,
    string? Problem = null,
    bool VersionNeedsFromPrefix = false,
    GoBuildInfo? GoBuild = null,
    IReadOnlyList<LibraryVersionNeed>? VersionNeeds = null,
    string? SoName = null,
    IReadOnlyList<string>? RPath = null,
    IReadOnlyList<string>? RunPath = null,
    IReadOnlyList<string>? VersionDefinitions = null,
    string? GoRpcOnlyClient = null,
    Toolchain? Toolchain = null)
{
    public const ushort MachineX8664 = 62;
    public const ushort MachineAarch64 = 183;
    public const ushort TypeExecutable = 2;
    public const ushort TypeSharedObject = 3;

    /// <summary>The highest <c>GLIBC_x.y</c> needed, or null when none is.</summary>
    public Version? GlibcRequired => GlibcVersionsRequired.Count == 0 ? null : GlibcVersionsRequired[^1];
}

/// <summary>One symbol version an ELF file needs from one library (an Elf_Vernaux under its Elf_Verneed).</summary>
/// <param name="Library">vn_file: the DT_NEEDED name the version must come from, e.g. <c>libstdc++.so.6</c>.</param>
/// <param name="Version">vna_name, e.g. <c>GLIBCXX_3.4.30</c>.</param>
/// <param name="IsWeak">VER_FLG_WEAK: ld.so only warns when it is missing.</param>
public sealed record LibraryVersionNeed(string Library, string Version, bool IsWeak);

/// <param name="Interpreter">The path after <c>#!</c>, e.g. <c>/bin/sh</c> (without a trailing <c>\r</c>).</param>
/// <param name="Argument">The optional single argument after the interpreter, e.g. <c>python3</c> for <c>/usr/bin/env python3</c>.</param>
/// <param name="EndsWithCarriageReturn">The shebang line ends in <c>\r\n</c> (Windows line endings).</param>
/// <param name="StartsWithByteOrderMark">A UTF-8 BOM precedes <c>#!</c>, so the kernel does not see a shebang at all.</param>
/// <param name="Problem">Why Linux would refuse the <c>#!</c> line itself (no interpreter named, or the interpreter path cut
/// off by the 256 bytes the kernel reads); <paramref name="Interpreter"/> is empty then. Null when the line is usable.</param>
public sealed record ScriptFacts(string Interpreter, string? Argument, bool EndsWithCarriageReturn, bool StartsWithByteOrderMark, string? Problem = null);
