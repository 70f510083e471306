using CsCheck;
using Guard.Inspection.Reporting;
using Guard.Inspection.Rules;
using Guard.Testing;

namespace Guard.Inspection.Tests;

/// <summary>
/// The engine's three promises for any input, however malformed: a report (never an unhandled exception),
/// promptly (never a hang), in bounded memory (never sized by what a header claims).
/// </summary>
public class PackageInspectorFuzzTests
{
    private const long MaxAllocatedBytesPerInspection = 64L * 1024 * 1024;
    private static readonly TimeSpan MaxTimePerInspection = TimeSpan.FromSeconds(10);

    private static readonly byte[][] Seeds =
    [
        .. Directory.GetFiles(Path.Combine(AppContext.BaseDirectory, "samples"), "*.zip").Order(StringComparer.Ordinal).Select(File.ReadAllBytes),
        new PackageBuilder().AddFile("bootstrap", ElfBuilder.Dynamic(ElfBuilder.X8664, glibc: ["GLIBC_2.17", "GLIBC_2.34"]), PackageBuilder.ExecutableMode).AddFile("config/app.json", "{}").ToArray(),
        new PackageBuilder().AddFile("bootstrap", ElfBuilder.Dynamic(ElfBuilder.Aarch64, glibc: ["GLIBC_2.38"]), PackageBuilder.ExecutableMode, stored: true).ToArray(),
        new PackageBuilder().AddSymlink("bootstrap", "bin/app").AddFile("bin/app", ElfBuilder.StaticPie(ElfBuilder.X8664), PackageBuilder.ExecutableMode).ToArray(),
        new PackageBuilder().AddFile("bootstrap", "#!/bin/sh\r\nexec ./app\r\n", PackageBuilder.ExecutableMode).AddDirectory("lib/").ToArray(),
        new PackageBuilder().AddFile("index.js", "\"use strict\";\nexports.handler = () => {};\n").ToArray(),
        new PackageBuilder().AddFile("bootstrap", ElfBuilder.Static(ElfBuilder.X8664, go: true), PackageBuilder.ExecutableMode).WithComment("built by CI").ToArray(),
    ];

    /// <summary>Byte overwrites, truncations, insertions and 32-bit field stomps over a real package.</summary>
    private static readonly Gen<byte[]> MutatedPackage =
        Gen.Int[0, Seeds.Length - 1].SelectMany(seed => Gen.Int[1, 6].SelectMany(count =>
            Gen.Select(Gen.Int[0, 3], Gen.Int[0, int.MaxValue], Gen.Int[int.MinValue, int.MaxValue]).Array[count].Select(mutations =>
            {
                var bytes = Seeds[seed].ToList();
                foreach (var (kind, position, value) in mutations)
                {
                    if (bytes.Count == 0)
                    {
                        break;
                    }

                    var at = position % bytes.Count;
                    switch (kind)
                    {
                        case 0:
                            bytes[at] = (byte)value;
                            break;
                        case 1:
                            bytes.RemoveRange(at, bytes.Count - at);
                            break;
                        case 2:
                            bytes.InsertRange(at, BitConverter.GetBytes(value));
                            break;
                        default:
                            for (var i = 0; i < 4 && at + i < bytes.Count; i++)
                            {
                                bytes[at + i] = (byte)(value >> (8 * i));
                            }

                            break;
                    }
                }

                return bytes.ToArray();
            })));

    // Runs on a pool thread: the sample loop blocks on each inspection (so allocations are counted on one thread),
    // and blocking on xunit's own synchronization context can starve it of threads and hang the run.
    [Fact]
    public Task Inspect_WhenPackageIsMutated_AlwaysReportsPromptlyInBoundedMemory() => Task.Run(() =>
    {
        Assert.NotEmpty(Seeds);
        var inspector = new PackageInspector();
        MutatedPackage.Sample(package =>
        {
            using var timeout = new CancellationTokenSource(MaxTimePerInspection);
            var allocatedBefore = GC.GetAllocatedBytesForCurrentThread();
            var report = inspector
                .InspectAsync(new InspectionRequest(new InMemoryRangeSource(package), "provided.al2023"), timeout.Token)
                .GetAwaiter().GetResult();
            var allocated = GC.GetAllocatedBytesForCurrentThread() - allocatedBefore;

            Assert.True(allocated < MaxAllocatedBytesPerInspection, $"allocated {allocated:N0} bytes for a {package.Length}-byte package");
            Assert.Equal(report.Verdict == Verdict.Broken, report.Findings.Any(f => f.Severity == Severity.Error));
        }, iter: 6000, threads: 1);
    }, TestContext.Current.CancellationToken);
}
