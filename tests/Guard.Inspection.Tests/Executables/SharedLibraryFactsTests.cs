using Guard.Inspection.Executables;
using Guard.Inspection.Reading;

namespace Guard.Inspection.Tests.Executables;

/// <summary>What the loader reads of a real shared library: its soname, its own needs and the versions it defines.</summary>
public sealed class SharedLibraryFactsTests
{
    [Fact]
    public async Task Analyze_AsLibrary_ReadsTheSoNameNeedsAndVersionDefinitionsOfThisMachinesLibStdCxx()
    {
        const string Path = "/usr/lib/x86_64-linux-gnu/libstdc++.so.6";
        Assert.True(File.Exists(Path), $"{Path} comes with g++, which build/test.sh installs");
        var bytes = await File.ReadAllBytesAsync(Path, TestContext.Current.CancellationToken);

        var asLibrary = (await ExecutableAnalyzer.AnalyzeAsync(new InMemoryEntryContent(bytes), asLibrary: true, TestContext.Current.CancellationToken)).Elf!;
        var asBootstrap = (await ExecutableAnalyzer.AnalyzeAsync(new InMemoryEntryContent(bytes), TestContext.Current.CancellationToken)).Elf!;

        Assert.Equal("libstdc++.so.6", asLibrary.SoName);
        Assert.Contains("libc.so.6", asLibrary.NeededLibraries);
        Assert.Contains("GLIBCXX_3.4", asLibrary.VersionDefinitions!);
        Assert.Contains("CXXABI_1.3", asLibrary.VersionDefinitions!);
        Assert.DoesNotContain("libstdc++.so.6", asLibrary.VersionDefinitions!);
        Assert.Contains(asLibrary.VersionNeeds!, need => need.Library == "libc.so.6" && need.Version.StartsWith("GLIBC_", StringComparison.Ordinal));

        // Run as a bootstrap it has no PT_INTERP: the kernel jumps to it and ld.so never reads its dynamic section.
        Assert.Null(asBootstrap.SoName);
        Assert.Empty(asBootstrap.NeededLibraries);
    }
}
