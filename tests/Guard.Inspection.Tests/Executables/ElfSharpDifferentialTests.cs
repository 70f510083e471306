using Guard.Inspection.Executables;
using Guard.Testing;

namespace Guard.Inspection.Tests.Executables;

/// <summary>Guard's reading of real and built ELF files against ELFSharp's, which walks section headers instead of segments.</summary>
public class ElfSharpDifferentialTests
{
    [Fact]
    public async Task Analyze_OverSystemBinaries_AgreesWithElfSharp()
    {
        var files = RealElfFiles.Find(160, "/usr/bin", "/usr/sbin")
            .Concat(RealElfFiles.Find(60, "/usr/lib/x86_64-linux-gnu"))
            .Concat(RealElfFiles.Find(40, "/usr/aarch64-linux-gnu/lib"))
            .ToList();

        var (compared, disagreements, summary) = await CompareAsync(files);

        TestContext.Current.TestOutputHelper?.WriteLine($"compared {compared} of {files.Count} ELF files with ELFSharp; {summary}");
        Assert.True(compared >= 150, $"only {compared} ELF files could be compared");
        Assert.Contains(files, f => f.Contains("aarch64", StringComparison.Ordinal));
        Assert.Empty(disagreements);
    }

    public static TheoryData<string> Targets => ["x86_64", "aarch64", "i386", "arm", "s390x", "ppc"];

    [Theory]
    [MemberData(nameof(Targets))]
    public async Task Analyze_OverBuiltBinaries_AgreesWithElfSharp(string name)
    {
        var target = new[] { ElfBuilder.X8664, ElfBuilder.Aarch64, ElfBuilder.I386, ElfBuilder.Arm, ElfBuilder.S390x, ElfBuilder.Ppc }.Single(t => t.Name == name);
        byte[][] built =
        [
            ElfBuilder.Static(target),
            ElfBuilder.Static(target, go: true),
            ElfBuilder.StaticPie(target),
            ElfBuilder.Dynamic(target, glibc: ["GLIBC_2.17", "GLIBC_2.34"]),
            ElfBuilder.Dynamic(target, interpreter: target.MuslInterpreter, needed: ["libc.musl.so.1"]),
        ];

        foreach (var bytes in built)
        {
            var reference = ElfSharpReference.TryRead(bytes);
            Assert.NotNull(reference);
            var ours = await Analysis.ElfOfAsync(bytes);
            Assert.Empty(Disagreements(name, ours, reference));
        }
    }

    internal static async Task<(int Compared, List<string> Disagreements, string Summary)> CompareAsync(IReadOnlyList<string> files)
    {
        var disagreements = new List<string>();
        int compared = 0, dynamic = 0, withGlibc = 0, unreadable = 0;
        foreach (var path in files)
        {
            var bytes = await File.ReadAllBytesAsync(path, TestContext.Current.CancellationToken);
            ElfSharpReference? reference;
            try
            {
                reference = ElfSharpReference.TryRead(bytes);
            }
#pragma warning disable CA1031 // ELFSharp's own failures only mean the file cannot be compared.
            catch (Exception)
#pragma warning restore CA1031
            {
                reference = null;
            }

            if (reference is null)
            {
                unreadable++;
                continue;
            }

            var ours = await Analysis.ElfOfAsync(bytes);
            disagreements.AddRange(Disagreements(path, ours, reference));
            compared++;
            dynamic += ours.Linkage == ElfLinkage.Dynamic ? 1 : 0;
            withGlibc += ours.GlibcVersionsRequired.Count > 0 ? 1 : 0;
        }

        return (compared, disagreements, $"{dynamic} dynamic, {withGlibc} needing GLIBC versions, {unreadable} ELFSharp could not read");
    }

    private static IEnumerable<string> Disagreements(string path, ElfFacts ours, ElfSharpReference reference)
    {
        if (ours.Problem is not null)
        {
            yield return $"{path}: problem {ours.Problem}";
        }

        if (ours.Is64Bit != reference.Is64Bit)
        {
            yield return $"{path}: 64-bit {ours.Is64Bit} vs {reference.Is64Bit}";
        }

        if (ours.Machine != reference.Machine)
        {
            yield return $"{path}: machine {ours.Machine} vs {reference.Machine}";
        }

        if (ours.FileType != reference.FileType)
        {
            yield return $"{path}: type {ours.FileType} vs {reference.FileType}";
        }

        if (ours.Interpreter != reference.Interpreter)
        {
            yield return $"{path}: interpreter {ours.Interpreter} vs {reference.Interpreter}";
        }

        // Without a program interpreter no ld.so runs, so Guard does not read (or report) version needs or libraries.
        var expectedVersions = reference.Interpreter is null ? [] : reference.GlibcVersions;
        var expectedLibraries = reference.Interpreter is null ? [] : reference.NeededLibraries;
        if (!ours.GlibcVersionsRequired.SequenceEqual(expectedVersions))
        {
            yield return $"{path}: GLIBC {string.Join(",", ours.GlibcVersionsRequired)} vs {string.Join(",", expectedVersions)}";
        }

        // Version needs found in the first bytes spare the read of the dynamic section, which holds DT_NEEDED.
        if (!ours.VersionNeedsFromPrefix && !ours.NeededLibraries.SequenceEqual(expectedLibraries))
        {
            yield return $"{path}: needed {string.Join(",", ours.NeededLibraries)} vs {string.Join(",", expectedLibraries)}";
        }
    }
}
