using System.Buffers.Binary;
using Guard.Inspection.Executables;
using Guard.Inspection.Executables.Elf;
using Guard.Inspection.Reading;
using Guard.Testing;

namespace Guard.Inspection.Tests.Executables;

public class ElfReaderTests
{
    public static TheoryData<string> Targets => ["x86_64", "aarch64", "i386", "arm", "s390x", "ppc"];

    private static ElfTarget Target(string name) =>
        new[] { ElfBuilder.X8664, ElfBuilder.Aarch64, ElfBuilder.I386, ElfBuilder.Arm, ElfBuilder.S390x, ElfBuilder.Ppc }.Single(t => t.Name == name);

    [Theory]
    [MemberData(nameof(Targets))]
    public async Task Read_WhenStatic_ReportsMachineClassAndStaticLinkage(string name)
    {
        var target = Target(name);

        var elf = await Analysis.ElfOfAsync(ElfBuilder.Static(target));

        Assert.Equal(target.Machine, elf.Machine);
        Assert.Equal(name, elf.MachineName);
        Assert.Equal(target.Is64Bit, elf.Is64Bit);
        Assert.Equal(target.IsLittleEndian, elf.IsLittleEndian);
        Assert.Equal(ElfFacts.TypeExecutable, elf.FileType);
        Assert.Equal(ElfLinkage.Static, elf.Linkage);
        Assert.Null(elf.Interpreter);
        Assert.Empty(elf.GlibcVersionsRequired);
        Assert.Empty(elf.NeededLibraries);
        Assert.False(elf.IsGo);
        Assert.Null(elf.Problem);
    }

    [Theory]
    [MemberData(nameof(Targets))]
    public async Task Read_WhenStaticPie_ReportsStaticPie(string name)
    {
        var elf = await Analysis.ElfOfAsync(ElfBuilder.StaticPie(Target(name)));

        Assert.Equal(ElfLinkage.StaticPie, elf.Linkage);
        Assert.Equal(ElfFacts.TypeSharedObject, elf.FileType);
        Assert.Null(elf.Interpreter);
        Assert.Null(elf.Problem);
    }

    [Theory]
    [MemberData(nameof(Targets))]
    public async Task Read_WhenDynamic_ReportsInterpreterNeededLibrariesAndGlibcVersions(string name)
    {
        var target = Target(name);

        var elf = await Analysis.ElfOfAsync(ElfBuilder.Dynamic(target, glibc: ["GLIBC_2.34", "GLIBC_2.2.5", "GLIBC_PRIVATE", "GLIBC_2.17"]));

        Assert.Equal(ElfLinkage.Dynamic, elf.Linkage);
        Assert.Equal(target.GlibcInterpreter, elf.Interpreter);
        Assert.Equal(["libc.so.6"], elf.NeededLibraries);
        Assert.Equal(Analysis.Versions("2.2.5", "2.17", "2.34"), elf.GlibcVersionsRequired);
        Assert.Equal(new Version(2, 34), elf.GlibcRequired);
        Assert.Null(elf.Problem);
    }

    [Fact]
    public async Task Read_WhenVersionsComeFromSeveralLibraries_CollectsAllGlibcVersionsSorted()
    {
        var bytes = new ElfBuilder(ElfBuilder.X8664)
        {
            FileType = ElfBuilder.TypeSharedObject,
            Interpreter = ElfBuilder.X8664.GlibcInterpreter,
            Needed = ["libm.so.6", "libstdc++.so.6", "libc.so.6"],
            VersionNeeds =
            [
                new ElfVersionNeed("libm.so.6", ["GLIBC_2.29", "GLIBC_2.2.5"]),
                new ElfVersionNeed("libstdc++.so.6", ["GLIBCXX_3.4.32", "CXXABI_1.3"]),
                new ElfVersionNeed("libc.so.6", ["GLIBC_2.38", "GLIBC_2.3.4", "GLIBC_ABI_DT_RELR"]),
            ],
        }.Build();

        var elf = await Analysis.ElfOfAsync(bytes);

        Assert.Equal(Analysis.Versions("2.2.5", "2.3.4", "2.29", "2.36", "2.38"), elf.GlibcVersionsRequired);
        Assert.Equal(["libm.so.6", "libstdc++.so.6", "libc.so.6"], elf.NeededLibraries);
        Assert.Null(elf.Problem);
    }

    [Theory]
    [InlineData("x86_64")]
    [InlineData("aarch64")]
    public async Task Read_WhenMuslInterpreter_ReportsIt(string name)
    {
        var target = Target(name);
        var bytes = ElfBuilder.Dynamic(target, interpreter: target.MuslInterpreter, needed: [$"libc.musl-{name}.so.1"]);

        var elf = await Analysis.ElfOfAsync(bytes);

        Assert.Equal(ElfLinkage.Dynamic, elf.Linkage);
        Assert.Equal(target.MuslInterpreter, elf.Interpreter);
        Assert.Empty(elf.GlibcVersionsRequired);
    }

    [Fact]
    public async Task Read_WhenSharedLibraryWithoutInterpreter_DoesNotReadItsDynamicSection()
    {
        var bytes = new ElfBuilder(ElfBuilder.X8664)
        {
            FileType = ElfBuilder.TypeSharedObject,
            Needed = ["libc.so.6"],
            VersionNeeds = [new ElfVersionNeed("libc.so.6", ["GLIBC_2.38"])],
            PaddingBeforeDynamicData = 1_000_000,
        }.Build();
        var content = new RecordingEntryContent(new InMemoryEntryContent(bytes));

        var facts = await ExecutableAnalyzer.AnalyzeAsync(content, TestContext.Current.CancellationToken);

        Assert.Equal(ElfLinkage.StaticPie, facts.Elf!.Linkage);
        Assert.Empty(facts.Elf.GlibcVersionsRequired);
        Assert.Empty(facts.Elf.NeededLibraries);
        Assert.Single(content.Reads);
    }

    [Fact]
    public async Task Read_WhenGoBuildIdNote_ReportsGo()
    {
        var elf = await Analysis.ElfOfAsync(ElfBuilder.Static(ElfBuilder.Aarch64, go: true));

        Assert.True(elf.IsGo);
        Assert.Equal(ElfLinkage.Static, elf.Linkage);
    }

    [Fact]
    public async Task Read_WhenGoBuildInfoInPrefix_ReportsGo()
    {
        var bytes = ElfBuilder.Static(ElfBuilder.X8664);
        byte[] withBuildInfo = [.. bytes, .. GoBuildInfo.Magic, 8, 2];

        var elf = await Analysis.ElfOfAsync(withBuildInfo);

        Assert.True(elf.IsGo);
    }

    [Fact]
    public async Task Read_WhenDynamicDataLiesBeyondPrefix_ReadsOnlyWhatItNeeds()
    {
        var bytes = ElfBuilder.Dynamic(ElfBuilder.X8664, glibc: ["GLIBC_2.34"], paddingBeforeDynamicData: 3_000_000);
        var content = new RecordingEntryContent(new InMemoryEntryContent(bytes));

        var facts = await ExecutableAnalyzer.AnalyzeAsync(content, TestContext.Current.CancellationToken);

        Assert.Equal(Analysis.Versions("2.34"), facts.Elf!.GlibcVersionsRequired);
        Assert.Equal(["libc.so.6"], facts.Elf.NeededLibraries);
        Assert.True(content.BytesRead < ExecutableAnalyzer.PrefixSize + (16 * 1024), $"read {content.BytesRead} bytes");
    }

    [Theory]
    [MemberData(nameof(Targets))]
    public async Task Read_WhenTruncatedAtEveryOffset_NeverThrowsAndReportsAProblem(string name)
    {
        // Without section headers the file ends with .dynamic, so every byte of it is one the analysis needs.
        var full = new ElfBuilder(Target(name))
        {
            FileType = ElfBuilder.TypeSharedObject,
            Interpreter = Target(name).GlibcInterpreter,
            Needed = ["libc.so.6"],
            VersionNeeds = [new ElfVersionNeed("libc.so.6", ["GLIBC_2.17", "GLIBC_2.34"])],
            GoBuildIdNote = true,
            WithSectionHeaders = false,
        }.Build();
        var fullFacts = await Analysis.ElfOfAsync(full);
        Assert.Null(fullFacts.Problem);
        Assert.Equal(Analysis.Versions("2.17", "2.34"), fullFacts.GlibcVersionsRequired);

        for (var length = 4; length < full.Length; length++)
        {
            var content = new RecordingEntryContent(new InMemoryEntryContent(full.AsMemory(0, length)));

            var facts = await ExecutableAnalyzer.AnalyzeAsync(content, TestContext.Current.CancellationToken);

            var elf = Assert.IsType<ElfFacts>(facts.Elf);
            Assert.True(elf.Problem is not null, $"no problem reported at length {length}");
            Assert.True(content.Reads.Count < 20, $"{content.Reads.Count} reads at length {length}");
            Assert.Equal(length, content.BytesRead);
        }
    }

    [Fact]
    public async Task Read_WhenRealBinaryTruncated_NeverThrows()
    {
        var path = RealElfFiles.FirstExisting("/usr/bin/ssh", "/usr/bin/git", "/usr/bin/curl", "/bin/ls");
        Assert.True(path is not null, "no dynamic binary found in /usr/bin");
        var full = await File.ReadAllBytesAsync(path, TestContext.Current.CancellationToken);

        var lengths = Enumerable.Range(0, 4096).Concat(Enumerable.Range(0, full.Length / 997).Select(i => i * 997));
        foreach (var length in lengths.Where(l => l <= full.Length))
        {
            var facts = await ExecutableAnalyzer.AnalyzeAsync(new InMemoryEntryContent(full.AsMemory(0, length)), TestContext.Current.CancellationToken);

            Assert.Equal(length == 0 ? ExecutableKind.Empty : length < 4 ? ExecutableKind.Unknown : ExecutableKind.Elf, facts.Kind);
        }
    }

    [Theory]
    [InlineData(4, (byte)3, "unknown ELF class 3 (EI_CLASS)")]
    [InlineData(5, (byte)0, "unknown ELF byte order 0 (EI_DATA)")]
    public async Task Read_WhenIdentIsInvalid_ReportsProblem(int offset, byte value, string problem)
    {
        var bytes = ElfBuilder.Static(ElfBuilder.X8664);
        bytes[offset] = value;

        var elf = await Analysis.ElfOfAsync(bytes);

        Assert.Equal(problem, elf.Problem);
    }

    [Fact]
    public async Task Read_WhenHeaderTruncated_ReportsProblemAndWhatWasRead()
    {
        var bytes = ElfBuilder.Static(ElfBuilder.Aarch64).AsSpan(0, 40).ToArray();

        var elf = await Analysis.ElfOfAsync(bytes);

        Assert.Equal("the ELF header is truncated (40 of 64 bytes)", elf.Problem);
        Assert.Equal(ElfFacts.MachineAarch64, elf.Machine);
        Assert.True(elf.Is64Bit);
    }

    [Fact]
    public async Task Read_WhenProgramHeadersRunPastTheEnd_ReportsProblem()
    {
        var bytes = ElfBuilder.Dynamic(ElfBuilder.X8664);
        BinaryPrimitives.WriteUInt64LittleEndian(bytes.AsSpan(32), (ulong)bytes.Length - 60);

        var elf = await Analysis.ElfOfAsync(bytes);

        Assert.Equal("program headers run past the end of the file", elf.Problem);
    }

    [Fact]
    public async Task Read_WhenProgramHeaderEntrySizeIsWrong_ReportsProblem()
    {
        var bytes = ElfBuilder.Static(ElfBuilder.X8664);
        BinaryPrimitives.WriteUInt16LittleEndian(bytes.AsSpan(54), 40);

        var elf = await Analysis.ElfOfAsync(bytes);

        Assert.Equal("e_phentsize is 40, not 56: Linux refuses to load it", elf.Problem);
    }

    [Fact]
    public async Task Read_WhenProgramHeaderTableIsHuge_ReadsNoMoreThanLinuxWould()
    {
        var bytes = ElfBuilder.Static(ElfBuilder.X8664);
        BinaryPrimitives.WriteUInt16LittleEndian(bytes.AsSpan(56), ushort.MaxValue);
        var content = new RecordingEntryContent(new InMemoryEntryContent(bytes));

        var facts = await ExecutableAnalyzer.AnalyzeAsync(content, TestContext.Current.CancellationToken);

        Assert.StartsWith("the program header table is 3669960 bytes", facts.Elf!.Problem, StringComparison.Ordinal);
        Assert.True(content.BytesRead <= ExecutableAnalyzer.PrefixSize);
    }

    [Fact]
    public async Task Read_WhenVersionNeedChainPointsPastTheEnd_ReportsProblemAndKeepsTheRest()
    {
        var bytes = ElfBuilder.Dynamic(ElfBuilder.X8664, glibc: ["GLIBC_2.34"]);
        var verneed = bytes.AsSpan().IndexOf(VersionNeedHeader(ElfBuilder.ElfHash("GLIBC_2.34"))) - 16;
        BinaryPrimitives.WriteUInt32LittleEndian(bytes.AsSpan(verneed + 8), 0x7FFF_0000);

        var elf = await Analysis.ElfOfAsync(bytes);

        Assert.Equal("the version needs (DT_VERNEED) run past the end of the file", elf.Problem);
        Assert.Equal(ElfBuilder.X8664.GlibcInterpreter, elf.Interpreter);
        Assert.Equal(["libc.so.6"], elf.NeededLibraries);
    }

    [Fact]
    public async Task Read_WhenVersionNeedAuxPointsToItself_Terminates()
    {
        var bytes = ElfBuilder.Dynamic(ElfBuilder.X8664, glibc: ["GLIBC_2.34"]);
        var aux = bytes.AsSpan().IndexOf(VersionNeedHeader(ElfBuilder.ElfHash("GLIBC_2.34")));

        // vna_next = 0 ends a chain, so a cycle needs an offset that wraps; offsets only grow, so the walk ends.
        BinaryPrimitives.WriteUInt32LittleEndian(bytes.AsSpan(aux + 12), uint.MaxValue);

        var elf = await Analysis.ElfOfAsync(bytes);

        Assert.Equal("the version needs (DT_VERNEED) run past the end of the file", elf.Problem);
        Assert.Equal(Analysis.Versions("2.34"), elf.GlibcVersionsRequired);
    }

    [Fact]
    public async Task Read_WhenInterpreterIsNotTerminated_ReportsProblem()
    {
        var bytes = ElfBuilder.Dynamic(ElfBuilder.X8664);
        var interp = bytes.AsSpan().IndexOf("/lib64/ld-linux-x86-64.so.2\0"u8);
        bytes[interp + 27] = (byte)'X';

        var elf = await Analysis.ElfOfAsync(bytes);

        Assert.Equal("the program interpreter path is not NUL-terminated: Linux refuses to load it", elf.Problem);
    }

    [Fact]
    public async Task Read_WhenNoProgramHeaders_ReportsProblemUnlessObjectFile()
    {
        var executable = ElfBuilder.Static(ElfBuilder.X8664);
        BinaryPrimitives.WriteUInt16LittleEndian(executable.AsSpan(56), 0);
        var objectFile = executable.ToArray();
        BinaryPrimitives.WriteUInt16LittleEndian(objectFile.AsSpan(16), 1);

        Assert.Equal("no program headers: Linux cannot load it", (await Analysis.ElfOfAsync(executable)).Problem);
        Assert.Null((await Analysis.ElfOfAsync(objectFile)).Problem);
    }

    [Theory]
    [InlineData((ushort)62, true, true, "x86_64")]
    [InlineData((ushort)183, true, true, "aarch64")]
    [InlineData((ushort)21, true, true, "ppc64le")]
    [InlineData((ushort)21, true, false, "ppc64")]
    [InlineData((ushort)243, true, true, "riscv64")]
    [InlineData((ushort)22, true, false, "s390x")]
    [InlineData((ushort)9999, true, true, "machine 9999")]
    public void MachineNames_NameMachinesAsPeopleDo(ushort machine, bool is64Bit, bool littleEndian, string expected) =>
        Assert.Equal(expected, ElfMachineNames.For(machine, is64Bit, littleEndian));

    [Theory]
    [InlineData("GLIBC_2.34", "2.34")]
    [InlineData("GLIBC_2.2.5", "2.2.5")]
    [InlineData("GLIBC_PRIVATE", null)]
    [InlineData("GLIBC_ABI_DT_RELR", "2.36")]
    [InlineData("GLIBC_2", null)]
    [InlineData("GLIBC_2.", null)]
    [InlineData("GLIBC_ 2.3", null)]
    [InlineData("GLIBCXX_3.4", null)]
    public void GlibcVersion_ParsesOnlyNumberedGlibcVersions(string name, string? expected)
    {
        var parsed = GlibcVersion.TryParse(name, out var version);

        Assert.Equal(expected is not null, parsed);
        if (expected is not null)
        {
            Assert.Equal(Version.Parse(expected), version);
        }
    }

    private static byte[] VersionNeedHeader(uint hash)
    {
        var bytes = new byte[4];
        BinaryPrimitives.WriteUInt32LittleEndian(bytes, hash);
        return bytes;
    }
}
