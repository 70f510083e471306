using Guard.Inspection.Executables;
using Guard.Inspection.Reading;
using Guard.Testing;

namespace Guard.Inspection.Tests.Executables;

/// <summary>What analysis costs on real binaries: reads, bytes, and how far in (what a zip source must inflate).</summary>
public class ReadCostTests
{
    private const long Budget = 256 * 1024;

    [Fact]
    public async Task Analyze_WhenRealDynamicBinary_ReadsLessThan256KiB()
    {
        var path = RealElfFiles.FirstExisting("/usr/bin/ssh", "/usr/bin/git", "/usr/bin/curl");
        Assert.True(path is not null, "no dynamic binary (ssh, git, curl) found in /usr/bin");

        var (facts, content) = await AnalyzeAsync(path);

        Assert.Equal(ElfLinkage.Dynamic, facts.Elf!.Linkage);
        Assert.NotEmpty(facts.Elf.GlibcVersionsRequired);
        Assert.True(content.BytesRead < Budget, $"read {content.BytesRead} bytes");
        Assert.True(content.Reads.Count <= 4, $"{content.Reads.Count} reads");
    }

    [Theory]
    [InlineData("/usr/bin/ssh")]
    [InlineData("/usr/bin/git")]
    [InlineData("/usr/bin/gdb")]
    public async Task Analyze_WhenDynamicSectionIsBeyondReach_FindsVersionNeedsInTheFirstRead(string path)
    {
        Assert.True(File.Exists(path), $"{path} is part of the machine image this test expects");

        var (facts, content) = await AnalyzeAsync(path, beyondReach: true);

        // Only past what a deflated entry keeps (larger than Lambda allows) is the dynamic section out of reach.
        Assert.True(facts.Elf!.VersionNeedsFromPrefix);
        Assert.NotEmpty(facts.Elf.GlibcVersionsRequired);
        Assert.Contains(facts.Elf.VersionNeeds!, need => need.Library == "libc.so.6" && need.Version.StartsWith("GLIBC_2.", StringComparison.Ordinal));
        Assert.Single(content.Reads);
        Assert.True(content.FarthestByteRead <= ExecutableAnalyzer.PrefixSize, $"read up to byte {content.FarthestByteRead}");
    }

    [Theory]
    [InlineData("/usr/bin/ssh")]
    [InlineData("/usr/bin/git")]
    public async Task Analyze_WhenDynamicSectionIsReachable_ReadsItForTheLoader(string path)
    {
        Assert.True(File.Exists(path), $"{path} is part of the machine image this test expects");

        var (facts, content) = await AnalyzeAsync(path);

        // A stored entry or a local file: the dynamic section costs one small read, and only it names every DT_NEEDED.
        Assert.False(facts.Elf!.VersionNeedsFromPrefix);
        Assert.Contains("libc.so.6", facts.Elf.NeededLibraries);
        Assert.Contains(facts.Elf.VersionNeeds!, need => need.Library == "libc.so.6");
        Assert.True(content.Reads.Count <= 4, $"{content.Reads.Count} reads");
        Assert.True(content.BytesRead < Budget, $"read {content.BytesRead} bytes");
    }

    [Fact]
    public async Task Analyze_OverSeveralRealBinaries_PrintsReadCost()
    {
        string[] candidates =
        [
            "/usr/bin/ssh", "/usr/bin/git", "/usr/bin/python3.11", "/usr/bin/curl", "/sbin/ldconfig",
            "/usr/lib/x86_64-linux-gnu/libc.so.6", "/usr/lib/x86_64-linux-gnu/libstdc++.so.6", "/usr/aarch64-linux-gnu/lib/libc.so.6",
            "/usr/local/bin/terraform", "/usr/local/bin/docker",
        ];
        var output = TestContext.Current.TestOutputHelper;
        output?.WriteLine("file | size | linkage | GLIBC needed | versions from prefix | reads | bytes read | farthest byte");
        foreach (var path in candidates.Where(File.Exists))
        {
            var (facts, content) = await AnalyzeAsync(path);
            var elf = facts.Elf!;
            output?.WriteLine(
                $"{path} | {content.Length} | {elf.MachineName} {elf.Linkage} | {elf.GlibcRequired?.ToString() ?? "-"} | {elf.VersionNeedsFromPrefix} | {content.Reads.Count} | {content.BytesRead} | {content.FarthestByteRead}");
            Assert.Null(elf.Problem);

            // A Go binary without module information is searched up to its data segment for the old client's strings.
            var searched = elf.IsGo && elf.GoBuild is not { Dependencies.Count: > 0 };
            Assert.True(content.BytesRead < (searched ? content.Length : Budget), $"{path}: read {content.BytesRead} bytes");
        }
    }

    [Fact]
    public async Task Analyze_WhenRealGoBinary_ReportsGoFromThePrefixAlone()
    {
        var path = RealElfFiles.FirstExisting("/usr/local/bin/terraform", "/usr/local/bin/docker", "/usr/local/go/bin/go", "/usr/bin/go");
        Assert.True(path is not null, "no Go binary (terraform, docker, go) on this machine; the machine image ships terraform");

        var (facts, content) = await AnalyzeAsync(path);

        Assert.True(facts.Elf!.IsGo);
        Assert.Null(facts.Elf.Problem);
        TestContext.Current.TestOutputHelper?.WriteLine($"{path}: {facts.Description}; {content.Reads.Count} reads, {content.BytesRead} bytes, farthest {content.FarthestByteRead} of {content.Length}");
    }

    private static async Task<(ExecutableFacts Facts, RecordingEntryContent Content)> AnalyzeAsync(string path, bool beyondReach = false)
    {
        var bytes = await File.ReadAllBytesAsync(path, TestContext.Current.CancellationToken);
        IEntryContent inner = new InMemoryEntryContent(bytes);
        var content = new RecordingEntryContent(beyondReach ? new ReachingOnlyThePrefix(inner) : inner);
        var facts = await ExecutableAnalyzer.AnalyzeAsync(content, TestContext.Current.CancellationToken);
        Assert.Equal(ExecutableKind.Elf, facts.Kind);
        return (facts, content);
    }

    /// <summary>Content whose keeping cap (see DeflateEntryContent.MaxKeptLength) ends with the first read.</summary>
    private sealed class ReachingOnlyThePrefix(IEntryContent inner) : IEntryContent
    {
        public long Length => inner.Length;

        public bool IsReachable(long offset, int count) => offset + count <= ExecutableAnalyzer.PrefixSize;

        public ValueTask<int> ReadAtAsync(long offset, Memory<byte> destination, CancellationToken cancellationToken) => inner.ReadAtAsync(offset, destination, cancellationToken);
    }
}
