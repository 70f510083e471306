using Guard.Testing;

namespace Guard.Function.Native;

/// <summary>
/// functions/Guard.Function/Native/hydrated_prefault.c, linked by gcc into a small program that has a 4 MiB
/// <c>.hydrated</c> section laid out as Native AOT lays out its own (NOBITS, after .bss): the program's <c>main</c>
/// asks <c>mincore</c> how many of those pages are resident before anything has written them.
/// </summary>
public sealed class HydratedPrefaultTests
{
    private const string Probe = """
        #include <stdint.h>
        #include <stdio.h>
        #include <sys/mman.h>
        #include <unistd.h>

        __attribute__((used, section(".hydrated,\"aw\",@nobits#"))) static char hydrated[4 << 20];

        int main(void)
        {
            uintptr_t page = (uintptr_t)sysconf(_SC_PAGESIZE);
            uintptr_t start = ((uintptr_t)hydrated + page - 1) & ~(page - 1);
            uintptr_t end = ((uintptr_t)hydrated + sizeof hydrated) & ~(page - 1);
            static unsigned char resident[(4 << 20) / 4096 + 1];
            if (mincore((void *)start, end - start, resident) != 0) { perror("mincore"); return 1; }
            size_t count = 0, pages = (end - start) / page;
            for (size_t i = 0; i < pages; i++) count += resident[i] & 1;
            printf("%zu %zu\n", count, pages);
            return 0;
        }
        """;

    private static CancellationToken Cancel => TestContext.Current.CancellationToken;

    [Fact]
    public async Task Prefault_LinkedIn_HydratedPagesResidentBeforeMain()
    {
        var (resident, pages) = await RunProbeAsync(withPrefault: true);

        Assert.True(pages > 1000, $"the probe's section has {pages} whole pages, expected 4 MiB of them");
        Assert.Equal(pages, resident);
    }

    [Fact]
    public async Task Prefault_KernelWithoutPopulateMadvise_PagesResidentThroughFreshMapping()
    {
        // Linux before 5.14 (Lambda's guests may run one) refuses MADV_POPULATE_WRITE: the pages are mapped anew, populated.
        var (resident, pages) = await RunProbeAsync(withPrefault: true, "-DGUARD_PREFAULT_WITHOUT_MADVISE");

        Assert.Equal(pages, resident);
    }

    [Fact]
    public async Task Probe_WithoutPrefault_NoHydratedPageResident()
    {
        // The control: without the constructor the same pages are faulted in one at a time, later, by whoever writes them.
        var (resident, pages) = await RunProbeAsync(withPrefault: false);

        Assert.True(pages > 1000);
        Assert.Equal(0, resident);
    }

    private static async Task<(int Resident, int Pages)> RunProbeAsync(bool withPrefault, string? define = null)
    {
        var directory = Directory.CreateTempSubdirectory("guard-prefault-").FullName;
        try
        {
            var probe = Path.Combine(directory, "probe.c");
            var program = Path.Combine(directory, "probe");
            await File.WriteAllTextAsync(probe, Probe, Cancel);
            List<string> arguments = ["-O1", "-Wall", "-Werror", "-o", program, probe];
            if (withPrefault)
            {
                arguments.Add(Path.Combine(Checkout.Root, "functions", "Guard.Function", "Native", "hydrated_prefault.c"));
            }

            if (define is not null)
            {
                arguments.Insert(0, define);
            }

            await CCompiler.RunAsync(CCompiler.X8664, arguments, Cancel);
            var run = await ExternalProcess.RunAsync(program, [], Cancel);
            Assert.True(run.ExitCode == 0, $"the probe failed: {run.Log}");
            var counts = run.Output.Split(' ', StringSplitOptions.TrimEntries);
            return (int.Parse(counts[0], System.Globalization.CultureInfo.InvariantCulture), int.Parse(counts[1], System.Globalization.CultureInfo.InvariantCulture));
        }
        finally
        {
            Directory.Delete(directory, recursive: true);
        }
    }
}
