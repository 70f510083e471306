using System.Text;
using System.Text.RegularExpressions;

namespace Guard.Testing;

/// <summary>The two Lambda architectures, each built by its own Debian toolchain (<c>gcc</c>/<c>g++</c> and the <c>aarch64-linux-gnu-</c> cross pair).</summary>
public enum NativeArchitecture
{
    X8664,
    Aarch64,
}

/// <summary>
/// A stand-in shared library <see cref="NativeBuild.LibraryAsync"/> built: its <c>DT_SONAME</c>, its file, and which
/// symbols it exports under which version node, so a program can be linked against it and call each one.
/// </summary>
/// <param name="Soname">Its <c>DT_SONAME</c>, e.g. <c>libssl.so.3</c>: what a program linked against it names in <c>DT_NEEDED</c>.</param>
/// <param name="Bytes">The ELF shared object, as it would sit in a package's <c>lib/</c>.</param>
/// <param name="SymbolsByVersion">Version node to the functions exported under it, in the order the nodes were defined.</param>
public sealed record NativeLibrary(string Soname, byte[] Bytes, IReadOnlyDictionary<string, IReadOnlyList<string>> SymbolsByVersion)
{
    /// <summary>
    /// The stand-ins it was linked against (its <c>DT_NEEDED</c>): a link against this library must find them too, or
    /// ld reports their symbols as undefined references of this one.
    /// </summary>
    public IReadOnlyList<NativeLibrary> Needs { get; init; } = [];
}

/// <summary>
/// Real dynamic glibc programs and shared libraries built by the machine's toolchains for both architectures, for tests
/// of what ld.so will do with them: <c>DT_NEEDED</c> sonames, <c>DT_RUNPATH</c>/<c>DT_RPATH</c> (a literal
/// <c>$ORIGIN</c>), and the version needs of <c>.gnu.version_r</c> (e.g. <c>OPENSSL_3.2.0</c> from <c>libssl.so.3</c>).
/// The stand-ins export tiny functions under the version nodes asked for, so a test names exactly the versions a program
/// needs without the real library on the machine. Each build runs in its own temporary folder, deleted afterwards; a
/// missing compiler throws with the apt package to install (<see cref="CCompiler.RunAsync"/>), as these tests are never skipped.
/// </summary>
public static partial class NativeBuild
{
    /// <summary>
    /// Compiles and links <paramref name="source"/> to an executable, as <c>gcc -O1 -o main main.c ARGUMENTS</c>: a dynamic
    /// (PT_INTERP) glibc program, the toolchain's default, unless <paramref name="arguments"/> say otherwise (<c>-static</c>).
    /// </summary>
    /// <param name="language"><c>c</c> (gcc) or <c>c++</c> (g++, which links libstdc++.so.6).</param>
    /// <param name="arguments">Extra compiler and linker arguments, after the source so libraries (<c>-l</c>) resolve its references.</param>
    public static async Task<byte[]> CompileAsync(
        NativeArchitecture architecture,
        string language,
        string source,
        IReadOnlyList<string>? arguments = null,
        CancellationToken cancellationToken = default)
    {
        var compiler = CompilerFor(architecture, language);
        var directory = Directory.CreateTempSubdirectory("guard-native-").FullName;
        try
        {
            var sourcePath = Path.Combine(directory, language == "c" ? "main.c" : "main.cc");
            var output = Path.Combine(directory, "main");
            await File.WriteAllTextAsync(sourcePath, source, cancellationToken);
            await CCompiler.RunAsync(compiler, ["-O1", "-o", output, sourcePath, .. arguments ?? []], cancellationToken);
            return await File.ReadAllBytesAsync(output, cancellationToken);
        }
        finally
        {
            Directory.Delete(directory, recursive: true);
        }
    }

    /// <summary>
    /// A stand-in shared library whose <c>DT_SONAME</c> is <paramref name="soname"/>, exporting each symbol as a tiny
    /// function under its version node by a linker version script. The nodes are defined in the order given, each
    /// inheriting the one before (as OpenSSL's <c>OPENSSL_3.2.0 { … } OPENSSL_3.0.0;</c>); everything else is local.
    /// </summary>
    /// <param name="symbolsByVersion">At least one node, e.g. <c>OPENSSL_3.0.0: [SSL_new], OPENSSL_3.2.0: [SSL_new_from_listener]</c>.</param>
    /// <param name="needs">Stand-ins it links against: each becomes a <c>DT_NEEDED</c>, and every exported function calls all
    /// their symbols, so its own <c>.gnu.version_r</c> needs their versions as a real library's would.</param>
    /// <param name="runPath">Written as <c>DT_RUNPATH</c>, e.g. <c>$ORIGIN</c> (literal).</param>
    /// <param name="withoutVersions">Link without the version script: the same soname and symbols, but no
    /// <c>.gnu.version_d</c>, as a library built by hand rather than by its project's build often is.</param>
    public static async Task<NativeLibrary> LibraryAsync(
        NativeArchitecture architecture,
        string soname,
        IReadOnlyDictionary<string, IReadOnlyList<string>> symbolsByVersion,
        IReadOnlyList<NativeLibrary>? needs = null,
        string? runPath = null,
        bool withoutVersions = false,
        CancellationToken cancellationToken = default)
    {
        ValidateSoname(soname);
        ValidateSymbols(soname, symbolsByVersion);
        needs ??= [];
        var directory = Directory.CreateTempSubdirectory("guard-native-").FullName;
        try
        {
            var sourcePath = Path.Combine(directory, "library.c");
            var versionScript = Path.Combine(directory, "library.map");
            var output = Path.Combine(directory, soname);
            await File.WriteAllTextAsync(sourcePath, LibrarySource(symbolsByVersion, needs), cancellationToken);
            await File.WriteAllTextAsync(versionScript, VersionScript(symbolsByVersion), cancellationToken);
            await WriteLibrariesAsync(directory, needs, cancellationToken);
            List<string> arguments =
            [
                "-shared", "-fPIC", "-O1", "-o", output, sourcePath,
                "-Xlinker", "-soname", "-Xlinker", soname,
                .. withoutVersions ? Array.Empty<string>() : ["-Xlinker", "--version-script", "-Xlinker", versionScript],
                .. LinkArguments(directory, needs),
                .. RunPathArguments(runPath, asRpath: false),
            ];
            await CCompiler.RunAsync(CompilerFor(architecture, "c"), arguments, cancellationToken);
            return new NativeLibrary(soname, await File.ReadAllBytesAsync(output, cancellationToken), symbolsByVersion) { Needs = needs };
        }
        finally
        {
            Directory.Delete(directory, recursive: true);
        }
    }

    /// <summary>
    /// A C program linked against each of <paramref name="libraries"/> (so <c>DT_NEEDED</c> names each soname, in this
    /// order, before <c>libc.so.6</c>) that calls every symbol they export (so <c>.gnu.version_r</c> needs each of their
    /// versions from them).
    /// </summary>
    /// <param name="runPath">E.g. <c>$ORIGIN/lib</c> (literal), written as <c>DT_RUNPATH</c>, or as <c>DT_RPATH</c> when
    /// <paramref name="asRpath"/> (<c>--disable-new-dtags</c>): ld.so searches the two at different points.</param>
    /// <param name="paddingBytes">Bytes of initialized read-only data to add, e.g. 1.5 MB, so the file is as large as a
    /// real program: its dynamic section then lies past the first megabyte.</param>
    /// <param name="withoutStartFiles">Link with <c>-nostartfiles</c> and a <c>_start</c> of its own that calls <c>exit(main())</c>:
    /// no <c>__libc_start_main@GLIBC_2.34</c>, so the program needs only <c>GLIBC_2.2.5</c> and runs on Amazon Linux 2's glibc 2.26,
    /// as a program built there would.</param>
    public static async Task<byte[]> ProgramCallingAsync(
        NativeArchitecture architecture,
        IReadOnlyList<NativeLibrary> libraries,
        string? runPath = null,
        bool asRpath = false,
        int paddingBytes = 0,
        bool withoutStartFiles = false,
        CancellationToken cancellationToken = default)
    {
        if (asRpath && runPath is null)
        {
            throw new ArgumentException("asRpath needs a runPath to write as DT_RPATH", nameof(asRpath));
        }

        var directory = Directory.CreateTempSubdirectory("guard-native-").FullName;
        try
        {
            var sourcePath = Path.Combine(directory, "main.c");
            var output = Path.Combine(directory, "main");
            var source = ProgramSource(libraries, paddingBytes) + (withoutStartFiles ? "void exit(int) __attribute__((noreturn));\nvoid _start(void) { exit(main()); }\n" : "");
            await File.WriteAllTextAsync(sourcePath, source, cancellationToken);
            await WriteLibrariesAsync(directory, libraries, cancellationToken);
            List<string> arguments =
            [
                "-O1", .. withoutStartFiles ? ["-nostartfiles"] : Array.Empty<string>(), "-o", output, sourcePath,
                .. LinkArguments(directory, libraries), .. RunPathArguments(runPath, asRpath),
            ];
            await CCompiler.RunAsync(CompilerFor(architecture, "c"), arguments, cancellationToken);
            return await File.ReadAllBytesAsync(output, cancellationToken);
        }
        finally
        {
            Directory.Delete(directory, recursive: true);
        }
    }

    private static string CompilerFor(NativeArchitecture architecture, string language) => (architecture, language) switch
    {
        (NativeArchitecture.X8664, "c") => CCompiler.X8664,
        (NativeArchitecture.Aarch64, "c") => CCompiler.Aarch64,
        (NativeArchitecture.X8664, "c++") => CCompiler.CxxX8664,
        (NativeArchitecture.Aarch64, "c++") => CCompiler.CxxAarch64,
        _ => throw new ArgumentException($"no compiler for {architecture} {language}: the languages are c and c++", nameof(language)),
    };

    // --no-as-needed: a toolchain that defaults to --as-needed (Ubuntu's) would drop a DT_NEEDED the test asked for.
    // -rpath-link: ld follows each library's own DT_NEEDED to check its references, and finds the stand-ins only here.
    private static IEnumerable<string> LinkArguments(string directory, IReadOnlyList<NativeLibrary> libraries) =>
        libraries.Count == 0
            ? []
            : ["-Xlinker", "--no-as-needed", "-L", directory, "-Xlinker", "-rpath-link", "-Xlinker", directory, .. libraries.Select(l => "-l:" + l.Soname)];

    // -Xlinker rather than -Wl: a comma in the path would split -Wl's argument.
    private static IEnumerable<string> RunPathArguments(string? runPath, bool asRpath) =>
        runPath is null ? [] : ["-Xlinker", asRpath ? "--disable-new-dtags" : "--enable-new-dtags", "-Xlinker", "-rpath", "-Xlinker", runPath];

    /// <summary>
    /// Writes <paramref name="libraries"/> and all they need, each as its soname with a <c>lib&lt;name&gt;.so</c> link
    /// name beside it, as a library's -dev package lays it out.
    /// </summary>
    private static async Task WriteLibrariesAsync(string directory, IReadOnlyList<NativeLibrary> libraries, CancellationToken cancellationToken)
    {
        var written = new Dictionary<string, NativeLibrary>(StringComparer.Ordinal);
        var pending = new Stack<NativeLibrary>(libraries);
        while (pending.TryPop(out var library))
        {
            if (written.TryGetValue(library.Soname, out var already))
            {
                if (!ReferenceEquals(already, library))
                {
                    throw new ArgumentException($"two different stand-ins share the soname {library.Soname}", nameof(libraries));
                }

                continue;
            }

            written.Add(library.Soname, library);
            await File.WriteAllBytesAsync(Path.Combine(directory, library.Soname), library.Bytes, cancellationToken);
            var linkName = library.Soname.IndexOf(".so", StringComparison.Ordinal) is var end and > 0 ? library.Soname[..(end + 3)] : null;
            if (linkName is not null && linkName != library.Soname && !File.Exists(Path.Combine(directory, linkName)))
            {
                File.CreateSymbolicLink(Path.Combine(directory, linkName), library.Soname);
            }

            foreach (var need in library.Needs)
            {
                pending.Push(need);
            }
        }
    }

    private static string LibrarySource(IReadOnlyDictionary<string, IReadOnlyList<string>> symbolsByVersion, IReadOnlyList<NativeLibrary> needs)
    {
        var needed = needs.SelectMany(n => n.SymbolsByVersion.Values.SelectMany(s => s)).ToList();
        var source = new StringBuilder();
        needed.ForEach(symbol => source.Append(CultureInvariant($"int {symbol}(void);\n")));
        source.Append(CultureInvariant($"static int guard_needs(void) {{ return 0{string.Concat(needed.Select(s => $" + {s}()"))}; }}\n"));
        var value = 0;
        foreach (var symbol in symbolsByVersion.Values.SelectMany(s => s))
        {
            source.Append(CultureInvariant($"int {symbol}(void) {{ return guard_needs() + {++value}; }}\n"));
        }

        return source.ToString();
    }

    private static string VersionScript(IReadOnlyDictionary<string, IReadOnlyList<string>> symbolsByVersion)
    {
        var script = new StringBuilder();
        string? previous = null;
        foreach (var (version, symbols) in symbolsByVersion)
        {
            script.Append(CultureInvariant($"{version} {{\n"));
            if (symbols.Count > 0)
            {
                script.Append(CultureInvariant($"  global: {string.Join(' ', symbols.Select(s => s + ";"))}\n"));
            }

            if (previous is null)
            {
                script.Append("  local: *;\n");
            }

            script.Append(previous is null ? "};\n" : CultureInvariant($"}} {previous};\n"));
            previous = version;
        }

        return script.ToString();
    }

    private static string ProgramSource(IReadOnlyList<NativeLibrary> libraries, int paddingBytes = 0)
    {
        var symbols = libraries.SelectMany(l => l.SymbolsByVersion.Values.SelectMany(s => s)).Distinct(StringComparer.Ordinal).ToList();
        var source = new StringBuilder();
        symbols.ForEach(symbol => source.Append(CultureInvariant($"int {symbol}(void);\n")));
        // A non-zero first byte keeps the array in .rodata (in the file) rather than .bss; the volatile read keeps it linked.
        var padding = paddingBytes > 0 ? " + *(volatile const unsigned char *)guard_padding" : string.Empty;
        if (paddingBytes > 0)
        {
            source.Append(CultureInvariant($"const unsigned char guard_padding[{paddingBytes}] = {{ 1 }};\n"));
        }

        source.Append(CultureInvariant($"int main(void) {{ return (0{string.Concat(symbols.Select(s => $" + {s}()"))}{padding}) & 0x7f; }}\n"));
        return source.ToString();
    }

    /// <summary>
    /// A program whose <c>DT_NEEDED</c> is the path <paramref name="neededPath"/> (e.g. <c>/opt/vendor/libabs.so</c>), as
    /// when a library is linked by its full path and its <c>DT_SONAME</c> is that path: ld copies the soname into the
    /// need, and ld.so opens it as is. Returns the program and the library (exporting <c>abs_value</c> under version
    /// <c>ABS_1</c>, so the program's <c>.gnu.version_r</c> names the path too, in its first bytes).
    /// </summary>
    /// <param name="paddingBytes">As for <see cref="ProgramCallingAsync"/>: read-only data that makes the program large.</param>
    public static async Task<(byte[] Program, byte[] Library)> ProgramNeedingPathAsync(
        NativeArchitecture architecture,
        string neededPath,
        int paddingBytes = 0,
        CancellationToken cancellationToken = default)
    {
        var directory = Directory.CreateTempSubdirectory("guard-native-").FullName;
        try
        {
            var librarySource = Path.Combine(directory, "abs.c");
            var library = Path.Combine(directory, "libabs.so");
            var versionScript = Path.Combine(directory, "abs.map");
            var mainSource = Path.Combine(directory, "main.c");
            var output = Path.Combine(directory, "main");
            var symbols = new Dictionary<string, IReadOnlyList<string>> { ["ABS_1"] = ["abs_value"] };
            await File.WriteAllTextAsync(librarySource, "int abs_value(void) { return 7; }\n", cancellationToken);
            await File.WriteAllTextAsync(versionScript, VersionScript(symbols), cancellationToken);
            await File.WriteAllTextAsync(mainSource, ProgramSource([new NativeLibrary(neededPath, [], symbols)], paddingBytes), cancellationToken);
            var compiler = CompilerFor(architecture, "c");
            await CCompiler.RunAsync(
                compiler,
                ["-shared", "-fPIC", "-O1", "-o", library, librarySource, "-Xlinker", "-soname", "-Xlinker", neededPath, "-Xlinker", "--version-script", "-Xlinker", versionScript],
                cancellationToken);
            await CCompiler.RunAsync(compiler, ["-O1", "-o", output, mainSource, "-Xlinker", "--no-as-needed", library], cancellationToken);
            return (await File.ReadAllBytesAsync(output, cancellationToken), await File.ReadAllBytesAsync(library, cancellationToken));
        }
        finally
        {
            Directory.Delete(directory, recursive: true);
        }
    }

    private static void ValidateSoname(string soname)
    {
        if (soname.Length == 0 || soname.Contains('/', StringComparison.Ordinal) || soname is "." or "..")
        {
            throw new ArgumentException($"a soname is a file name, not '{soname}'", nameof(soname));
        }
    }

    private static void ValidateSymbols(string soname, IReadOnlyDictionary<string, IReadOnlyList<string>> symbolsByVersion)
    {
        if (symbolsByVersion.Count == 0)
        {
            throw new ArgumentException($"{soname}: a stand-in needs at least one version node", nameof(symbolsByVersion));
        }

        var seen = new HashSet<string>(StringComparer.Ordinal);
        foreach (var (version, symbols) in symbolsByVersion)
        {
            if (!VersionName().IsMatch(version))
            {
                throw new ArgumentException($"{soname}: '{version}' is not a version node name (letters, digits, '_', '.')", nameof(symbolsByVersion));
            }

            foreach (var symbol in symbols)
            {
                if (!Identifier().IsMatch(symbol) || symbol == "guard_needs" || !seen.Add(symbol))
                {
                    throw new ArgumentException($"{soname}: '{symbol}' under {version} is not a C identifier, or is given twice", nameof(symbolsByVersion));
                }
            }
        }
    }

    private static string CultureInvariant(FormattableString text) => FormattableString.Invariant(text);

    [GeneratedRegex("^[A-Za-z_][A-Za-z0-9_]*$")]
    private static partial Regex Identifier();

    [GeneratedRegex("^[A-Za-z_][A-Za-z0-9_.]*$")]
    private static partial Regex VersionName();
}
