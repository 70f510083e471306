using System.Buffers.Binary;
using System.Text;
using ELFSharp.ELF;
using ELFSharp.ELF.Sections;
using ELFSharp.ELF.Segments;
using Guard.Testing;

namespace Guard.Inspection.Tests.Executables;

/// <summary>
/// What the shared-library tests will rely on from <see cref="NativeBuild"/>, read by ELFSharp and by the version
/// sections it hands over raw (it parses no <c>.gnu.version*</c>): stand-in sonames land in <c>DT_NEEDED</c>, their
/// versions in <c>.gnu.version_r</c>, a literal <c>$ORIGIN</c> run path in <c>DT_RUNPATH</c> or <c>DT_RPATH</c>, and a
/// real g++ program needs a libstdc++ newer than Amazon Linux 2's. Each build is a compiler process, so one set of builds
/// per architecture serves all the asserts.
/// </summary>
public class NativeBuildTests
{
    private static readonly Dictionary<NativeArchitecture, Lazy<Task<StandIns>>> Builds = new()
    {
        [NativeArchitecture.X8664] = new(() => StandIns.BuildAsync(NativeArchitecture.X8664)),
        [NativeArchitecture.Aarch64] = new(() => StandIns.BuildAsync(NativeArchitecture.Aarch64)),
    };

    public static TheoryData<NativeArchitecture> Architectures => [NativeArchitecture.X8664, NativeArchitecture.Aarch64];

    [Theory]
    [MemberData(nameof(Architectures))]
    public async Task LibraryAsync_WithVersionsNeedsAndRunPath_DefinesEachVersionOnItsParentAndNeedsItsStandIn(NativeArchitecture architecture)
    {
        var libssl = LinkFacts.Read((await Builds[architecture].Value).Libssl.Bytes, architecture);

        Assert.Equal(FileType.SharedObject, libssl.Type);
        Assert.Equal("libssl.so.3", libssl.Soname);
        Assert.Equal(["libcrypto.so.3", "libc.so.6"], libssl.Needed);
        Assert.Equal("$ORIGIN", libssl.RunPath);
        Assert.Null(libssl.Rpath);
        // The node after the first inherits it, as OpenSSL's own map file chains them.
        Assert.Contains(("OPENSSL_3.0.0", (string?)null), libssl.Definitions);
        Assert.Contains(("OPENSSL_3.2.0", "OPENSSL_3.0.0"), libssl.Definitions);
        Assert.Equal("OPENSSL_3.0.0", libssl.SymbolVersions["SSL_new"]);
        Assert.Equal("OPENSSL_3.2.0", libssl.SymbolVersions["SSL_new_from_listener"]);
        Assert.Contains(("libcrypto.so.3", "OPENSSL_3.0.0"), libssl.VersionNeeds);
    }

    [Theory]
    [MemberData(nameof(Architectures))]
    public async Task ProgramCallingAsync_AgainstStandInLibssl_NeedsLibsslAndOpenssl320FromIt(NativeArchitecture architecture)
    {
        var program = LinkFacts.Read((await Builds[architecture].Value).WithRunPath, architecture);

        Assert.Equal(architecture == NativeArchitecture.X8664 ? "/lib64/ld-linux-x86-64.so.2" : "/lib/ld-linux-aarch64.so.1", program.Interpreter);
        Assert.Equal(["libssl.so.3", "libc.so.6"], program.Needed);
        Assert.Contains(("libssl.so.3", "OPENSSL_3.2.0"), program.VersionNeeds);
        Assert.Contains(("libssl.so.3", "OPENSSL_3.0.0"), program.VersionNeeds);
        Assert.Equal("OPENSSL_3.2.0", program.SymbolVersions["SSL_new_from_listener"]);
        // Only libssl is linked directly: what it needs from libcrypto is its own need, not the program's.
        Assert.DoesNotContain(program.VersionNeeds, need => need.File == "libcrypto.so.3");
    }

    [Theory]
    [MemberData(nameof(Architectures))]
    public async Task ProgramCallingAsync_WithOriginRunPath_WritesRunPathOrRpathLiterally(NativeArchitecture architecture)
    {
        var builds = await Builds[architecture].Value;
        var runPath = LinkFacts.Read(builds.WithRunPath, architecture);
        var rpath = LinkFacts.Read(builds.WithRpath, architecture);

        Assert.Equal(("$ORIGIN/lib", (string?)null), (runPath.RunPath, runPath.Rpath));
        Assert.Equal(((string?)null, "$ORIGIN/lib"), (rpath.RunPath, rpath.Rpath));
        Assert.Equal(runPath.Needed, rpath.Needed);
    }

    [Theory]
    [MemberData(nameof(Architectures))]
    public async Task CompileAsync_CxxUsingFilesystem_NeedsGlibcxxAboveAmazonLinux2s(NativeArchitecture architecture)
    {
        var program = LinkFacts.Read((await Builds[architecture].Value).Filesystem, architecture);

        Assert.NotNull(program.Interpreter);
        Assert.Contains("libstdc++.so.6", program.Needed);
        // std::filesystem::current_path() (the C++11-ABI overload returning a path) entered libstdc++ at GLIBCXX_3.4.26, GCC 9:
        // Amazon Linux 2's GCC 7 libstdc++ stops at GLIBCXX_3.4.24, so the program cannot start there.
        var version = program.SymbolVersions["_ZNSt10filesystem12current_pathB5cxx11Ev"];
        TestContext.Current.TestOutputHelper?.WriteLine($"{architecture}: std::filesystem::current_path() needs {version}");
        Assert.StartsWith("GLIBCXX_3.4.", version, StringComparison.Ordinal);
        Assert.True(int.Parse(version["GLIBCXX_3.4.".Length..], System.Globalization.CultureInfo.InvariantCulture) > 24, version);
        Assert.Contains(("libstdc++.so.6", version), program.VersionNeeds);
    }

    /// <summary>One architecture's builds: libcrypto and libssl stand-ins, the program calling libssl twice over (run path, rpath), a g++ program.</summary>
    private sealed record StandIns(NativeLibrary Libssl, byte[] WithRunPath, byte[] WithRpath, byte[] Filesystem)
    {
        private const string FilesystemProgram = """
            #include <filesystem>
            #include <iostream>
            int main() { std::cout << std::filesystem::current_path() << '\n'; }
            """;

        public static async Task<StandIns> BuildAsync(NativeArchitecture architecture)
        {
            var libcrypto = await NativeBuild.LibraryAsync(architecture, "libcrypto.so.3", new Dictionary<string, IReadOnlyList<string>>
            {
                ["OPENSSL_3.0.0"] = ["EVP_MD_fetch"],
            });
            var libssl = await NativeBuild.LibraryAsync(architecture, "libssl.so.3", new Dictionary<string, IReadOnlyList<string>>
            {
                ["OPENSSL_3.0.0"] = ["SSL_new", "SSL_CTX_new_ex"],
                ["OPENSSL_3.2.0"] = ["SSL_new_from_listener"],
            }, needs: [libcrypto], runPath: "$ORIGIN");
            var programs = await Task.WhenAll(
                NativeBuild.ProgramCallingAsync(architecture, [libssl], runPath: "$ORIGIN/lib"),
                NativeBuild.ProgramCallingAsync(architecture, [libssl], runPath: "$ORIGIN/lib", asRpath: true),
                NativeBuild.CompileAsync(architecture, "c++", FilesystemProgram));
            return new StandIns(libssl, programs[0], programs[1], programs[2]);
        }
    }

    /// <summary>
    /// The dynamic linking facts of one ELF file. ELFSharp gives the dynamic section, the symbols and the interpreter;
    /// the version sections are walked here from their raw bytes (Elf64_Verneed/Vernaux, Elf64_Verdef/Verdaux, and
    /// <c>.gnu.version</c>'s one index per dynamic symbol), names from <c>.dynstr</c>.
    /// </summary>
    private sealed record LinkFacts(
        FileType Type,
        string? Interpreter,
        string? Soname,
        IReadOnlyList<string> Needed,
        string? RunPath,
        string? Rpath,
        IReadOnlyList<(string File, string Version)> VersionNeeds,
        IReadOnlyList<(string Version, string? Parent)> Definitions,
        IReadOnlyDictionary<string, string> SymbolVersions)
    {
        private const uint VersionDefinitions = 0x6ffffffd;
        private const uint VersionNeedsSection = 0x6ffffffe;
        private const uint VersionSymbols = 0x6fffffff;

        public static LinkFacts Read(byte[] bytes, NativeArchitecture architecture)
        {
            using var elf = ELFReader.Load<ulong>(new MemoryStream(bytes, writable: false), shouldOwnStream: true);
            Assert.Equal(Class.Bit64, elf.Class);
            Assert.Equal(architecture == NativeArchitecture.X8664 ? Machine.AMD64 : Machine.AArch64, elf.Machine);

            var dynstr = elf.GetSection(".dynstr").GetContents();
            var dynamic = elf.Sections.OfType<IDynamicSection>().Single().Entries.OfType<DynamicEntry<ulong>>().ToList();
            string? One(DynamicTag tag) => dynamic.Where(e => e.Tag == tag).Select(e => CString(dynstr, (int)e.Value)).SingleOrDefault();

            var interpreter = elf.Segments.FirstOrDefault(s => s.Type == SegmentType.Interpreter) is { } segment ? CString(segment.GetFileContents(), 0) : null;

            // Version index (vna_other / vd_ndx) to name, from both tables: a symbol's index points into either.
            var names = new Dictionary<int, string>();
            var needs = new List<(string, string)>();
            if (SectionOfType(elf, VersionNeedsSection) is { } verneed)
            {
                for (var need = 0; ; need += (int)U32(verneed, need + 12))
                {
                    var file = CString(dynstr, (int)U32(verneed, need + 4));
                    for (int aux = need + (int)U32(verneed, need + 8), i = 0; i < U16(verneed, need + 2); i++, aux += (int)U32(verneed, aux + 12))
                    {
                        var version = CString(dynstr, (int)U32(verneed, aux + 8));
                        names[U16(verneed, aux + 6) & 0x7fff] = version;
                        needs.Add((file, version));
                    }

                    if (U32(verneed, need + 12) == 0)
                    {
                        break;
                    }
                }
            }

            var definitions = new List<(string, string?)>();
            if (SectionOfType(elf, VersionDefinitions) is { } verdef)
            {
                for (var def = 0; ; def += (int)U32(verdef, def + 16))
                {
                    var aux = def + (int)U32(verdef, def + 12);
                    var version = CString(dynstr, (int)U32(verdef, aux));
                    var parent = U16(verdef, def + 6) > 1 ? CString(dynstr, (int)U32(verdef, aux + (int)U32(verdef, aux + 4))) : null;
                    names[U16(verdef, def + 4) & 0x7fff] = version;
                    // Index 1 is the file's own name (VER_FLG_BASE), not a version node.
                    if ((U16(verdef, def + 2) & 1) == 0)
                    {
                        definitions.Add((version, parent));
                    }

                    if (U32(verdef, def + 16) == 0)
                    {
                        break;
                    }
                }
            }

            var symbolVersions = new Dictionary<string, string>(StringComparer.Ordinal);
            if (SectionOfType(elf, VersionSymbols) is { } versym)
            {
                var symbols = ((ISymbolTable)elf.GetSection(".dynsym")).Entries.ToList();
                Assert.Equal(versym.Length / 2, symbols.Count);
                for (var i = 0; i < symbols.Count; i++)
                {
                    if (names.TryGetValue(U16(versym, i * 2) & 0x7fff, out var version) && symbols[i].Name.Length > 0)
                    {
                        symbolVersions[symbols[i].Name] = version;
                    }
                }
            }

            var needed = dynamic.Where(e => e.Tag == DynamicTag.Needed).Select(e => CString(dynstr, (int)e.Value)).ToList();
            return new LinkFacts(elf.Type, interpreter, One(DynamicTag.SoName), needed, One(DynamicTag.RunPath), One(DynamicTag.RPath), needs, definitions, symbolVersions);
        }

        private static byte[]? SectionOfType(ELF<ulong> elf, uint type) => elf.Sections.SingleOrDefault(s => (uint)s.Type == type)?.GetContents();

        private static ushort U16(byte[] data, int offset) => BinaryPrimitives.ReadUInt16LittleEndian(data.AsSpan(offset));

        private static uint U32(byte[] data, int offset) => BinaryPrimitives.ReadUInt32LittleEndian(data.AsSpan(offset));

        private static string CString(byte[] data, int offset)
        {
            var span = data.AsSpan(offset);
            return Encoding.UTF8.GetString(span[..span.IndexOf((byte)0)]);
        }
    }
}
