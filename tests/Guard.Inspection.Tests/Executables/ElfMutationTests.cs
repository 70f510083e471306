using CsCheck;
using Guard.Inspection.Executables;
using Guard.Inspection.Reading;
using Guard.Testing;

namespace Guard.Inspection.Tests.Executables;

/// <summary>
/// Real binaries with bytes overwritten and cut short: analysis must never throw, must end, and must read within its
/// budget. Mutations aim where the analyzer looks: the headers, and the ranges a clean analysis read beyond the prefix
/// (dynamic section, strings, version needs), as well as anywhere.
/// </summary>
public class ElfMutationTests
{
    private const int Iterations = 6000;

    [Fact]
    public async Task Analyze_WhenBinaryIsMutated_NeverThrowsAndReadsWithinBudget()
    {
        var corpus = await LoadCorpusAsync();
        Assert.True(corpus.Count(s => s.IsReal) >= 4, $"only {corpus.Count(s => s.IsReal)} real binaries found: {string.Join(", ", corpus.Select(s => s.Name))}");

        var values = Gen.OneOf(Gen.ULong, Gen.OneOfConst<ulong>(0UL, ulong.MaxValue, 0x7FFF_FFFF_FFFF_FFFF, 0xFFFF_FFFF, 0x8000_0000, 1, 0x1_0000, 0x40));
        var mutation = Gen.Select(Gen.Int[0, 3], Gen.Int[0, int.MaxValue], values, Gen.Int[1, 8]);
        var sample = Gen.Select(Gen.Int[0, corpus.Count - 1], mutation.Array[1, 6]);
        var analyzed = 0;
        var maxRead = 0L;

        await sample.SampleAsync(
            async (index, mutations) =>
            {
                var specimen = corpus[index];
                var (patches, length) = Apply(specimen, mutations);
                var content = new RecordingEntryContent(new PatchedEntryContent(specimen.Bytes, patches, length));

                var facts = await ExecutableAnalyzer.AnalyzeAsync(content, CancellationToken.None);

                Assert.True(facts.Kind is ExecutableKind.Elf or ExecutableKind.Unknown or ExecutableKind.Empty or ExecutableKind.Text or ExecutableKind.Script or ExecutableKind.MachO or ExecutableKind.PortableExecutable);
                Assert.True(
                    content.BytesRead <= ExecutableAnalyzer.PrefixSize + ExecutableAnalyzer.MaxBytesBeyondPrefix,
                    $"{specimen.Name}: read {content.BytesRead} bytes");
                Assert.True(content.Reads.Count <= 12_000, $"{specimen.Name}: {content.Reads.Count} reads");
                Interlocked.Increment(ref analyzed);
                InterlockedMax(ref maxRead, content.BytesRead);
            },
            iter: Iterations,
            threads: 1);

        TestContext.Current.TestOutputHelper?.WriteLine(
            $"{analyzed} mutated binaries from {corpus.Count} specimens ({string.Join(", ", corpus.Select(s => s.Name))}); most bytes read by one analysis: {maxRead}");
        Assert.True(analyzed >= 5000);
    }

    private static (List<(long Offset, byte[] Bytes)> Patches, long Length) Apply(Specimen specimen, (int Kind, int Position, ulong Value, int Width)[] mutations)
    {
        var patches = new List<(long, byte[])>();
        long length = specimen.Bytes.Length;
        foreach (var (kind, position, value, width) in mutations)
        {
            var bytes = BitConverter.GetBytes(value)[..width];
            switch (kind)
            {
                case 0: // the ELF header and program headers
                    patches.Add((position % Math.Min(specimen.Bytes.Length, 1024), bytes));
                    break;
                case 1: // a structure the clean analysis read (dynamic section, strings, version needs, interpreter)
                    var (offset, size) = specimen.Hot[position % specimen.Hot.Count];
                    patches.Add((offset + (position % Math.Max(1, size)), bytes));
                    break;
                case 2: // anywhere
                    patches.Add((position % specimen.Bytes.Length, bytes));
                    break;
                default: // cut short
                    length = Math.Min(length, position % (specimen.Bytes.Length + 1));
                    break;
            }
        }

        return (patches, length);
    }

    private static void InterlockedMax(ref long target, long value)
    {
        long current;
        while ((current = Interlocked.Read(ref target)) < value && Interlocked.CompareExchange(ref target, value, current) != current)
        {
        }
    }

    private static async Task<List<Specimen>> LoadCorpusAsync()
    {
        var paths = new[]
        {
            RealElfFiles.FirstExisting("/usr/bin/ssh", "/usr/bin/git", "/usr/bin/curl"),
            RealElfFiles.FirstExisting("/sbin/ldconfig", "/usr/sbin/ldconfig"),
            RealElfFiles.FirstExisting("/usr/lib/x86_64-linux-gnu/libc.so.6"),
            RealElfFiles.FirstExisting("/usr/aarch64-linux-gnu/lib/libc.so.6"),
            RealElfFiles.FirstExisting("/bin/ls", "/usr/bin/ls"),
            RealElfFiles.FirstExisting("/usr/lib/x86_64-linux-gnu/libstdc++.so.6"),
        };
        var specimens = new List<Specimen>();
        foreach (var path in paths.OfType<string>())
        {
            specimens.Add(await Specimen.CreateAsync(Path.GetFileName(path), await File.ReadAllBytesAsync(path), isReal: true));
        }

        specimens.Add(await Specimen.CreateAsync("built i386", ElfBuilder.Dynamic(ElfBuilder.I386, glibc: ["GLIBC_2.0", "GLIBC_2.34"]), isReal: false));
        specimens.Add(await Specimen.CreateAsync("built s390x", ElfBuilder.Dynamic(ElfBuilder.S390x, glibc: ["GLIBC_2.2", "GLIBC_2.34"]), isReal: false));
        specimens.Add(await Specimen.CreateAsync("built aarch64 Go", ElfBuilder.Static(ElfBuilder.Aarch64, go: true), isReal: false));
        return specimens;
    }

    private sealed record Specimen(string Name, byte[] Bytes, IReadOnlyList<(long Offset, int Size)> Hot, bool IsReal)
    {
        public static async Task<Specimen> CreateAsync(string name, byte[] bytes, bool isReal)
        {
            // Where the analyzer looks: what a clean analysis read beyond the prefix, the program headers, and the
            // sections behind PT_INTERP, PT_DYNAMIC, DT_STRTAB and DT_VERNEED as the section headers place them.
            var content = new RecordingEntryContent(new InMemoryEntryContent(bytes));
            await ExecutableAnalyzer.AnalyzeAsync(content, CancellationToken.None);
            var hot = content.Reads.Where(r => r.Offset > 0).Select(r => (r.Offset, r.Returned)).ToList();
            hot.Add((64, 56 * 13));
            hot.AddRange(ElfSharpReference.SectionRanges(bytes, ".interp", ".dynamic", ".dynstr", ".gnu.version_r", ".note.go.buildid"));
            return new Specimen(name, bytes, hot, isReal);
        }
    }
}
