using System.Text;
using Guard.Inspection.Executables;
using Guard.Inspection.Reading;
using Guard.Testing;

namespace Guard.Inspection.Tests.Executables;

public class ExecutableAnalyzerTests
{
    [Fact]
    public async Task Analyze_WhenContentIsEmpty_ReportsEmpty()
    {
        var facts = await Analysis.OfAsync([]);

        Assert.Equal(ExecutableKind.Empty, facts.Kind);
    }

    [Fact]
    public async Task Analyze_WhenRecordedLengthExceedsContent_ReportsWhatIsThere()
    {
        var facts = await ExecutableAnalyzer.AnalyzeAsync(new LyingLengthContent([], 1000), TestContext.Current.CancellationToken);

        Assert.Equal(ExecutableKind.Empty, facts.Kind);
    }

    [Fact]
    public async Task Analyze_WhenElf_ReportsElfWithDescription()
    {
        var facts = await Analysis.OfAsync(ElfBuilder.Static(ElfBuilder.Aarch64));

        Assert.Equal(ExecutableKind.Elf, facts.Kind);
        Assert.Equal("ELF 64-bit LSB aarch64 static", facts.Description);
    }

    [Fact]
    public async Task Analyze_WhenShebang_ReportsScript()
    {
        var facts = await Analysis.OfAsync("#!/bin/sh\nexec ./app\n"u8.ToArray());

        Assert.Equal(ExecutableKind.Script, facts.Kind);
        Assert.Equal(new ScriptFacts("/bin/sh", null, false, false), facts.Script);
    }

    [Fact]
    public async Task Analyze_WhenCrlfShebang_ReportsCarriageReturnAndCleanInterpreter()
    {
        var facts = await Analysis.OfAsync("#!/bin/bash\r\nset -e\r\n"u8.ToArray());

        var script = Assert.IsType<ScriptFacts>(facts.Script);
        Assert.True(script.EndsWithCarriageReturn);
        Assert.Equal("/bin/bash", script.Interpreter);
        Assert.DoesNotContain('\r', script.Interpreter);
    }

    [Fact]
    public async Task Analyze_WhenByteOrderMarkPrecedesShebang_ReportsScriptWithByteOrderMark()
    {
        var facts = await Analysis.OfAsync([0xEF, 0xBB, 0xBF, .. "#!/usr/bin/env python3\nprint(1)\n"u8]);

        Assert.Equal(ExecutableKind.Script, facts.Kind);
        Assert.Equal(new ScriptFacts("/usr/bin/env", "python3", false, true), facts.Script);
    }

    [Fact]
    public async Task Analyze_WhenByteOrderMarkPrecedesText_ReportsText()
    {
        var facts = await Analysis.OfAsync([0xEF, 0xBB, 0xBF, .. "echo hello\n"u8]);

        Assert.Equal(ExecutableKind.Text, facts.Kind);
    }

    [Theory]
    [InlineData("echo hello\nexec ./app\n")]
    [InlineData("# bootstrap: naïve ünïcode, tabs\tand a lone \u001b[0m escape\n")]
    [InlineData("{\"handler\": \"main\"}")]
    public async Task Analyze_WhenTextWithoutShebang_ReportsText(string text)
    {
        var facts = await Analysis.OfAsync(Encoding.UTF8.GetBytes(text));

        Assert.Equal(ExecutableKind.Text, facts.Kind);
    }

    [Theory]
    [InlineData(MachOBuilder.CpuTypeArm64, true, true, "Mach-O 64-bit arm64")]
    [InlineData(MachOBuilder.CpuTypeX8664, true, true, "Mach-O 64-bit x86_64")]
    [InlineData(MachOBuilder.CpuTypeX8664, true, false, "Mach-O 64-bit x86_64")]
    [InlineData(MachOBuilder.CpuTypeI386, false, true, "Mach-O 32-bit i386")]
    [InlineData(MachOBuilder.CpuTypeI386, false, false, "Mach-O 32-bit i386")]
    public async Task Analyze_WhenMachO_ReportsMachOWithCpu(int cpuType, bool is64Bit, bool littleEndian, string expected)
    {
        var facts = await Analysis.OfAsync(MachOBuilder.Thin(cpuType, is64Bit, littleEndian));

        Assert.Equal(ExecutableKind.MachO, facts.Kind);
        Assert.Equal(expected, facts.Description);
    }

    [Fact]
    public async Task Analyze_WhenUniversalMachO_ReportsEverySlice()
    {
        var facts = await Analysis.OfAsync(MachOBuilder.Universal(MachOBuilder.CpuTypeX8664, MachOBuilder.CpuTypeArm64));

        Assert.Equal(ExecutableKind.MachO, facts.Kind);
        Assert.Equal("Mach-O universal binary (x86_64, arm64)", facts.Description);
    }

    [Fact]
    public async Task Analyze_WhenJavaClassFile_ReportsUnknownNotMachO()
    {
        // CAFEBABE, minor 0, major 65 (Java 21): the same magic as a fat Mach-O.
        byte[] classFile = [0xCA, 0xFE, 0xBA, 0xBE, 0x00, 0x00, 0x00, 0x41, 0x00, 0x1D, 0x0A, 0x00, 0x02, 0x00, 0x03, 0x07];

        var facts = await Analysis.OfAsync(classFile);

        Assert.Equal(ExecutableKind.Unknown, facts.Kind);
        Assert.Equal("a Java class file (version 65)", facts.Description);
    }

    [Theory]
    [InlineData(PortableExecutableBuilder.MachineX8664, "PE32+ x86-64 (Windows)")]
    [InlineData(PortableExecutableBuilder.MachineArm64, "PE32+ arm64 (Windows)")]
    [InlineData(PortableExecutableBuilder.MachineI386, "PE32 x86 (Windows)")]
    public async Task Analyze_WhenPortableExecutable_ReportsPeWithMachine(ushort machine, string expected)
    {
        var facts = await Analysis.OfAsync(PortableExecutableBuilder.Build(machine));

        Assert.Equal(ExecutableKind.PortableExecutable, facts.Kind);
        Assert.Equal(expected, facts.Description);
    }

    [Fact]
    public async Task Analyze_WhenMzWithoutPeSignature_IsNotPortableExecutable()
    {
        var bytes = PortableExecutableBuilder.Build();
        bytes[0x80] = (byte)'X';

        var facts = await Analysis.OfAsync(bytes);

        Assert.NotEqual(ExecutableKind.PortableExecutable, facts.Kind);
    }

    [Fact]
    public async Task Analyze_WhenPeHeaderLiesBeyondPrefix_ReportsMzExecutable()
    {
        var facts = await Analysis.OfAsync(PortableExecutableBuilder.Build(newHeaderOffset: 70_000));

        Assert.Equal(ExecutableKind.PortableExecutable, facts.Kind);
        Assert.Equal("MZ executable (DOS/Windows)", facts.Description);
    }

    [Theory]
    [InlineData(new byte[] { 0x50, 0x4B, 0x03, 0x04, 0x14, 0x00, 0x00, 0x00 }, "a zip archive (a package zipped inside the package?)")]
    [InlineData(new byte[] { 0x1F, 0x8B, 0x08, 0x00, 0x00, 0x00, 0x00, 0x00 }, "gzip-compressed data")]
    [InlineData(new byte[] { 0xFF, 0xFE, 0x23, 0x00, 0x21, 0x00, 0x2F, 0x00 }, "UTF-16 text (Linux reads #! only in ASCII/UTF-8)")]
    [InlineData(new byte[] { 0x00, 0x01, 0x02, 0x03, 0x04, 0x05, 0x06, 0x07 }, null)]
    [InlineData(new byte[] { 0x7F, 0x45, 0x4C }, null)]
    public async Task Analyze_WhenOtherBinary_ReportsUnknownWithDescription(byte[] bytes, string? expected)
    {
        var facts = await Analysis.OfAsync(bytes);

        Assert.Equal(ExecutableKind.Unknown, facts.Kind);
        Assert.Equal(expected, facts.Description);
    }

    [Fact]
    public async Task Analyze_WhenCancelled_Throws()
    {
        using var cancellation = new CancellationTokenSource();
        await cancellation.CancelAsync();

        await Assert.ThrowsAnyAsync<OperationCanceledException>(() =>
            ExecutableAnalyzer.AnalyzeAsync(new CancellingContent(ElfBuilder.Dynamic(ElfBuilder.X8664)), cancellation.Token));
    }

    [Fact]
    public async Task Analyze_ReadsAtMostPrefixFirst()
    {
        var content = new RecordingEntryContent(new InMemoryEntryContent(new byte[1_000_000]));

        await ExecutableAnalyzer.AnalyzeAsync(content, TestContext.Current.CancellationToken);

        var read = Assert.Single(content.Reads);
        Assert.Equal((0L, ExecutableAnalyzer.PrefixSize, ExecutableAnalyzer.PrefixSize), read);
    }

    private sealed class LyingLengthContent(byte[] bytes, long length) : IEntryContent
    {
        private readonly InMemoryEntryContent _inner = new(bytes);

        public long Length => length;

        public ValueTask<int> ReadAtAsync(long offset, Memory<byte> destination, CancellationToken cancellationToken) =>
            _inner.ReadAtAsync(offset, destination, cancellationToken);
    }

    private sealed class CancellingContent(byte[] bytes) : IEntryContent
    {
        private readonly InMemoryEntryContent _inner = new(bytes);

        public long Length => bytes.Length;

        public ValueTask<int> ReadAtAsync(long offset, Memory<byte> destination, CancellationToken cancellationToken)
        {
            cancellationToken.ThrowIfCancellationRequested();
            return _inner.ReadAtAsync(offset, destination, cancellationToken);
        }
    }
}
