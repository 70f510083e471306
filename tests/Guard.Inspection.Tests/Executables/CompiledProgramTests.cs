using Guard.Inspection.Executables;
using Guard.Testing;

namespace Guard.Inspection.Tests.Executables;

/// <summary>
/// Programs compiled here, for both Lambda architectures and every linkage, read by Guard and by ELFSharp.
/// A missing compiler fails the test with the apt package to install: these facts are the ones Guard exists for.
/// </summary>
public sealed class CompiledProgramTests : IDisposable
{
    private const string Program = """
        #include <stdio.h>
        int main(int argc, char **argv) { printf("hello from %s (%d)\n", argv[0], argc); return 0; }
        """;

    private readonly string _directory = Directory.CreateTempSubdirectory("guard-elf-").FullName;

    public void Dispose() => Directory.Delete(_directory, recursive: true);

    [Theory]
    [InlineData("gcc", "gcc", "", ElfFacts.MachineX8664, ElfLinkage.Dynamic, "/lib64/ld-linux-x86-64.so.2")]
    [InlineData("gcc", "gcc", "-static", ElfFacts.MachineX8664, ElfLinkage.Static, null)]
    [InlineData("gcc", "gcc", "-static-pie", ElfFacts.MachineX8664, ElfLinkage.StaticPie, null)]
    [InlineData("aarch64-linux-gnu-gcc", "gcc-aarch64-linux-gnu", "", ElfFacts.MachineAarch64, ElfLinkage.Dynamic, "/lib/ld-linux-aarch64.so.1")]
    [InlineData("aarch64-linux-gnu-gcc", "gcc-aarch64-linux-gnu", "-static", ElfFacts.MachineAarch64, ElfLinkage.Static, null)]
    [InlineData("aarch64-linux-gnu-gcc", "gcc-aarch64-linux-gnu", "-static-pie", ElfFacts.MachineAarch64, ElfLinkage.StaticPie, null)]
    public async Task Analyze_WhenCompiledProgram_ReportsMachineLinkageInterpreterAndGlibc(
        string compiler, string aptPackage, string flags, ushort machine, ElfLinkage linkage, string? interpreter)
    {
        var bytes = await CompileAsync(compiler, aptPackage, flags);

        var elf = await Analysis.ElfOfAsync(bytes);

        Assert.Null(elf.Problem);
        Assert.Equal(machine, elf.Machine);
        Assert.True(elf.Is64Bit);
        Assert.True(elf.IsLittleEndian);
        Assert.Equal(linkage, elf.Linkage);
        Assert.Equal(interpreter, elf.Interpreter);
        Assert.False(elf.IsGo);
        if (linkage == ElfLinkage.Dynamic)
        {
            // glibc 2.34 moved __libc_start_main to a new version; every program linked against 2.34+ needs it.
            Assert.Equal(new Version(2, 34), elf.GlibcRequired);
            Assert.Contains("libc.so.6", elf.NeededLibraries);
        }
        else
        {
            Assert.Empty(elf.GlibcVersionsRequired);
            Assert.Empty(elf.NeededLibraries);
        }

        var reference = ElfSharpReference.TryRead(bytes);
        Assert.NotNull(reference);
        Assert.Equal((reference.Is64Bit, reference.Machine, reference.FileType, reference.Interpreter), (elf.Is64Bit, elf.Machine, elf.FileType, elf.Interpreter));
        Assert.Equal(reference.GlibcVersions, elf.GlibcVersionsRequired);
        Assert.Equal(reference.NeededLibraries, elf.NeededLibraries);
        TestContext.Current.TestOutputHelper?.WriteLine(
            $"{compiler} {flags}: {bytes.Length} bytes, {elf.MachineName} {elf.Linkage}, interpreter {elf.Interpreter ?? "none"}, GLIBC {string.Join(" ", elf.GlibcVersionsRequired)}");
    }

    [Fact]
    public async Task ElfBuilder_StaticX8664_RunsOnThisMachine()
    {
        Assert.True(OperatingSystem.IsLinux() && System.Runtime.InteropServices.RuntimeInformation.OSArchitecture == System.Runtime.InteropServices.Architecture.X64, "this check needs x86_64 Linux");
        var path = Path.Combine(_directory, "bootstrap");
        await File.WriteAllBytesAsync(path, ElfBuilder.Static(ElfBuilder.X8664), TestContext.Current.CancellationToken);
        if (OperatingSystem.IsLinux())
        {
            File.SetUnixFileMode(path, UnixFileMode.UserRead | UnixFileMode.UserExecute);
        }

        var run = await ExternalProcess.RunAsync(path, [], TestContext.Current.CancellationToken);

        Assert.Equal(0, run.ExitCode);
    }

    private async Task<byte[]> CompileAsync(string compiler, string aptPackage, string flags)
    {
        var compilerPath = ExternalProcess.TryFind(compiler);
        if (compilerPath is null)
        {
            Assert.Fail($"{compiler} is not installed; install it with: apt-get install -y {aptPackage}");
        }

        var name = $"{compiler}{flags}".Replace(' ', '_');
        var source = Path.Combine(_directory, $"{name}.c");
        var output = Path.Combine(_directory, name);
        await File.WriteAllTextAsync(source, Program, TestContext.Current.CancellationToken);
        var run = await ExternalProcess.RunAsync(compilerPath, [.. flags.Split(' ', StringSplitOptions.RemoveEmptyEntries), "-O1", "-o", output, source], TestContext.Current.CancellationToken);
        Assert.True(run.ExitCode == 0, $"{compiler} {flags} failed ({run.ExitCode}): {run.Errors}");
        return await File.ReadAllBytesAsync(output, TestContext.Current.CancellationToken);
    }
}
