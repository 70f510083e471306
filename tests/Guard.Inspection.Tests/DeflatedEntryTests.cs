using Microsoft.Extensions.Time.Testing;
using Guard.Inspection.Reading;
using Guard.Inspection.Reporting;
using Guard.Inspection.Rules;
using Guard.Testing;

namespace Guard.Inspection.Tests;

/// <summary>
/// What a check reads from deflated entries, on real programs built here by gcc, g++ and the aarch64 cross toolchain,
/// small and over 1 MB: the same verdict as for stored ones, one streamed request per entry read (after each zip's tail),
/// and bytes within 1.25 times the floor (the central directory plus each needed entry's compressed bytes up to its
/// deepest needed structure, <see cref="ReadFloor"/>).
/// </summary>
public sealed class DeflatedEntryTests
{
    private const int MiB = 1024 * 1024;

    private static readonly PackageInspector Inspector = new(RuntimeCatalog.Default, PlaceholderCatalog.Default, new FakeTimeProvider(new DateTimeOffset(2026, 12, 6, 0, 0, 0, TimeSpan.Zero)));

    private static CancellationToken Cancel => TestContext.Current.CancellationToken;

    [Theory]
    [InlineData(NativeArchitecture.X8664, false, false)]
    [InlineData(NativeArchitecture.X8664, false, true)]
    [InlineData(NativeArchitecture.X8664, true, false)]
    [InlineData(NativeArchitecture.X8664, true, true)]
    [InlineData(NativeArchitecture.Aarch64, true, false)]
    [InlineData(NativeArchitecture.Aarch64, true, true)]
    public async Task Inspect_WhenProgramNeedsAnUnversionedLibraryTheImageLacks_ReportsItMissingAtAnySizeStoredOrDeflated(NativeArchitecture architecture, bool large, bool stored)
    {
        // libexpat.so.1 has no symbol versions, so only DT_NEEDED names it: the dynamic section must be read wherever it lies.
        var expat = await NativeBuild.CompileAsync(architecture, "c", "int XML_ParserCreate(const char *encoding) { return encoding != 0; }", ["-shared", "-fPIC", "-Xlinker", "-soname", "-Xlinker", "libexpat.so.1"], Cancel);
        var program = await ProgramNeedingAsync(architecture, expat, "libexpat.so.1", large ? (3 * MiB) / 2 : 0);
        var zip = new PackageBuilder().AddFile("bootstrap", program, PackageBuilder.ExecutableMode, stored).ToArray();
        var package = new RecordingRangeSource(new InMemoryRangeSource(zip));

        var report = await Inspector.InspectAsync(new InspectionRequest(package, "provided.al2023", architecture == NativeArchitecture.Aarch64 ? Architecture.Arm64 : Architecture.X8664), Cancel);

        var error = Assert.Single(report.Findings);
        Assert.Equal(FindingCodes.BootstrapLibraryMissing, error.Code);
        Assert.Contains("libexpat.so.1", error.Message, StringComparison.Ordinal);
        Assert.Equal(large, program.Length > MiB);
        if (!stored)
        {
            var floor = ReadFloor.Of(zip, new Dictionary<string, long> { ["bootstrap"] = ReadFloor.DeepestNeededByte(program) });
            TestContext.Current.TestOutputHelper?.WriteLine($"{program.Length}-byte program: {report.Stats.Requests} requests, {report.Stats.BytesRead} bytes, floor {floor}");
            // A package smaller than the first (tail) read is read whole in it.
            Assert.Equal(zip.Length < 70_000 ? 1 : 2, report.Stats.Requests);
            Assert.True(report.Stats.BytesRead <= Math.Max(1.25 * floor, zip.Length), $"read {report.Stats.BytesRead} bytes, floor {floor}");
        }
    }

    [Fact]
    public async Task Inspect_WhenCxxProgramShipsTheMachinesLibstdcxxDeflated_JudgesAsStoredInOneRequestPerEntryNearTheFloor()
    {
        // DT_RPATH $ORIGIN/lib is searched before LD_LIBRARY_PATH, so ld.so loads the shipped copy and Guard must read it.
        const string shipped = "/usr/lib/x86_64-linux-gnu/libstdc++.so.6";
        Assert.True(File.Exists(shipped), $"{shipped} comes with g++, which build/test.sh installs");
        var libstdcxx = await File.ReadAllBytesAsync(shipped, Cancel);
        var program = await NativeBuild.CompileAsync(NativeArchitecture.X8664, "c++", """
            #include <filesystem>
            #include <iostream>
            int main() { std::cout << std::filesystem::current_path() << '\n'; }
            """, ["-Xlinker", "--disable-new-dtags", "-Xlinker", "-rpath", "-Xlinker", "$ORIGIN/lib"], Cancel);
        byte[] Zip(bool stored) => new PackageBuilder()
            .AddFile("bootstrap", program, PackageBuilder.ExecutableMode, stored)
            .AddFile("lib/libstdc++.so.6", libstdcxx, PackageBuilder.RegularFileMode, stored)
            .ToArray();
        var deflatedZip = Zip(stored: false);
        var deflated = new RecordingRangeSource(new InMemoryRangeSource(deflatedZip));

        var storedReport = await Inspector.InspectAsync(new InspectionRequest(new InMemoryRangeSource(Zip(stored: true)), "provided.al2023", Architecture.X8664), Cancel);
        var report = await Inspector.InspectAsync(new InspectionRequest(deflated, "provided.al2023", Architecture.X8664), Cancel);

        Assert.Equal(Describe(storedReport), Describe(report));
        Assert.Equal(storedReport.Verdict, report.Verdict);
        var floor = ReadFloor.Of(deflatedZip, new Dictionary<string, long> { ["bootstrap"] = ReadFloor.DeepestNeededByte(program), ["lib/libstdc++.so.6"] = ReadFloor.DeepestNeededByte(libstdcxx) });
        TestContext.Current.TestOutputHelper?.WriteLine($"{Describe(report)}; {report.Stats.Requests} requests, {report.Stats.BytesRead} bytes, floor {floor}: {string.Join(", ", deflated.Requests)}");
        Assert.Equal(3, report.Stats.Requests); // the tail, bootstrap, libstdc++.so.6
        Assert.True(report.Stats.BytesRead <= 1.25 * floor, $"read {report.Stats.BytesRead} bytes, floor {floor}");
    }

    [Fact]
    public async Task Inspect_WhenALayersLargeDeflatedExtensionNeedsAnUnversionedLibrary_ReportsItInOneRequestForTheExtension()
    {
        var expat = await NativeBuild.CompileAsync(NativeArchitecture.X8664, "c", "int XML_ParserCreate(const char *encoding) { return encoding != 0; }", ["-shared", "-fPIC", "-Xlinker", "-soname", "-Xlinker", "libexpat.so.1"], Cancel);
        var extension = await ProgramNeedingAsync(NativeArchitecture.X8664, expat, "libexpat.so.1", 2 * MiB);
        var bootstrap = await NativeBuild.CompileAsync(NativeArchitecture.X8664, "c", "int main(void) { return 0; }", cancellationToken: Cancel);
        var layerZip = new PackageBuilder().AddFile("extensions/telemetry", extension, PackageBuilder.ExecutableMode).ToArray();
        var layer = new RecordingRangeSource(new InMemoryRangeSource(layerZip, "arn:aws:lambda:eu-west-1:123456789012:layer:telemetry:1"));
        var package = new PackageBuilder().AddFile("bootstrap", bootstrap, PackageBuilder.ExecutableMode).ToSource();

        var report = await Inspector.InspectAsync(new InspectionRequest(package, "provided.al2023", Architecture.X8664, [layer]), Cancel);

        var error = Assert.Single(report.Findings);
        Assert.Equal(FindingCodes.ExtensionLibraryMissing, error.Code);
        Assert.Contains("libexpat.so.1", error.Message, StringComparison.Ordinal);
        var floor = ReadFloor.Of(layerZip, new Dictionary<string, long> { ["extensions/telemetry"] = ReadFloor.DeepestNeededByte(extension) });
        Assert.Equal(2, layer.Requests.Count); // the layer's tail, the extension
        Assert.True(layer.BytesRead <= 1.25 * floor, $"read {layer.BytesRead} bytes of the layer, floor {floor}");
    }

    private static string Describe(Report report) => string.Join("; ", report.Findings.Select(f => $"{f.Code}: {f.Message}"));

    /// <summary>
    /// A C program calling <paramref name="symbolLibrary"/>'s XML_ParserCreate, linked against it by <paramref name="soname"/>,
    /// with <paramref name="padding"/> bytes of code-like read-only data (half compressible, as machine code deflates),
    /// which puts its dynamic section that far in.
    /// </summary>
    private static async Task<byte[]> ProgramNeedingAsync(NativeArchitecture architecture, byte[] symbolLibrary, string soname, int padding)
    {
        var directory = Directory.CreateTempSubdirectory("guard-deflated-").FullName;
        try
        {
            await File.WriteAllBytesAsync(Path.Combine(directory, soname), symbolLibrary, Cancel);
            var blob = Path.Combine(directory, "padding.bin");
            var bytes = new byte[padding];
            var random = new Random(padding);
            for (var i = 0; i < bytes.Length; i++)
            {
                bytes[i] = (byte)(random.Next(16) * 17);
            }

            await File.WriteAllBytesAsync(blob, bytes, Cancel);
            var source = $$"""
                int XML_ParserCreate(const char *encoding);
                __asm__(".section .rodata\n.globl padding\npadding:\n.incbin \"{{blob}}\"\n.previous\n");
                extern const unsigned char padding[];
                int main(int argc, char **argv) { return XML_ParserCreate(argv[0]) + padding[argc]; }
                """;
            return await NativeBuild.CompileAsync(architecture, "c", source, ["-L", directory, "-Xlinker", "--no-as-needed", "-l:" + soname], Cancel);
        }
        finally
        {
            Directory.Delete(directory, recursive: true);
        }
    }
}
