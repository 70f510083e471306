using Guard.Function.Tests.Support;
using Guard.Testing;

namespace Guard.Function.Native;

/// <summary>
/// functions/Guard.Function/Native/hydrated_prefault.c, linked by gcc into a small program that has a 4 MiB
/// <c>.hydrated</c> section laid out as Native AOT lays out its own (NOBITS, after .bss): the program's <c>main</c>
/// asks <c>mincore</c> how many of those pages are resident before anything has written them, and
/// <c>/proc/self/smaps</c> whether the mappings over the section were advised for huge pages (<c>hg</c>) and hold any.
/// Linked with Native/hydrated_hugepages.ld, the section has the 2 MiB of padding on each side the Lambda's link gives it.
/// </summary>
public sealed class HydratedPrefaultTests
{
    private const string Probe = """
        #include <stdint.h>
        #include <stdio.h>
        #include <string.h>
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
            /* Over the mappings that overlap the section: any advised for huge pages, and the huge pages they hold. */
            FILE *smaps = fopen("/proc/self/smaps", "r");
            if (!smaps) { perror("smaps"); return 1; }
            char line[512];
            int overlaps = 0, advised = 0;
            unsigned long huge_kib = 0, kib;
            while (fgets(line, sizeof line, smaps))
            {
                uintptr_t low, high;
                if (sscanf(line, "%lx-%lx ", &low, &high) == 2)
                    overlaps = low < end && high > start;
                else if (overlaps && sscanf(line, "AnonHugePages: %lu kB", &kib) == 1)
                    huge_kib += kib;
                else if (overlaps && strncmp(line, "VmFlags:", 8) == 0 && strstr(line, " hg"))
                    advised = 1;
            }
            fclose(smaps);
            printf("%zu %zu %d %lu\n", count, pages, advised, huge_kib);
            return 0;
        }
        """;

    private static CancellationToken Cancel => TestContext.Current.CancellationToken;

    [Fact]
    public async Task Prefault_LinkedIn_HydratedPagesResidentBeforeMain()
    {
        var probe = await RunProbeAsync(withPrefault: true);

        Assert.True(probe.Pages > 1000, $"the probe's section has {probe.Pages} whole pages, expected 4 MiB of them");
        Assert.Equal(probe.Pages, probe.Resident);
    }

    [Fact]
    public async Task Prefault_LinkedWithPadding_SectionBackedByHugePages()
    {
        // On a nested virtual machine each 4 KiB page's first touch costs microseconds even after it is populated; a
        // 2 MiB page costs that once (docs/performance.md). The padding makes the aligned span around .hydrated Guard's own.
        var probe = await RunProbeAsync(withPrefault: true, padded: true);

        Assert.Equal(probe.Pages, probe.Resident);
        Assert.True(probe.AdvisedHugePages, "the constructor did not advise the padded section for huge pages");
        if (TransparentHugePages.Enabled)
        {
            Assert.True(probe.HugeKiB >= 2048, $"the section holds {probe.HugeKiB} KiB of huge pages, expected at least one 2 MiB page");
        }
        else
        {
            Assert.Equal(0, probe.HugeKiB);
        }
    }

    [Fact]
    public async Task Prefault_WithoutPadding_NoHugePageAdvice()
    {
        // Without the link's padding the aligned span around the section may hold .bss or the heap: left as it is.
        var probe = await RunProbeAsync(withPrefault: true);

        Assert.False(probe.AdvisedHugePages, "the constructor advised huge pages over a span it does not own");
        Assert.Equal(probe.Pages, probe.Resident);
    }

    [Fact]
    public async Task Prefault_KernelWithoutPopulateMadvise_PagesResidentThroughFreshMapping()
    {
        // Linux before 5.14 (Lambda's guests may run one) refuses MADV_POPULATE_WRITE: the pages are mapped anew, populated.
        var probe = await RunProbeAsync(withPrefault: true, define: "-DGUARD_PREFAULT_WITHOUT_MADVISE");

        Assert.Equal(probe.Pages, probe.Resident);
    }

    [Fact]
    public async Task Probe_WithoutPrefault_NoHydratedPageResident()
    {
        // The control: without the constructor the same pages are faulted in one at a time, later, by whoever writes them.
        var probe = await RunProbeAsync(withPrefault: false, padded: true);

        Assert.True(probe.Pages > 1000);
        Assert.Equal(0, probe.Resident);
        Assert.False(probe.AdvisedHugePages);
    }

    private sealed record ProbeResult(int Resident, int Pages, bool AdvisedHugePages, long HugeKiB);

    private static async Task<ProbeResult> RunProbeAsync(bool withPrefault, bool padded = false, string? define = null)
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

            if (padded)
            {
                arguments.Add($"-Wl,-T,{Path.Combine(Checkout.Root, "functions", "Guard.Function", "Native", "hydrated_hugepages.ld")}");
            }

            if (define is not null)
            {
                arguments.Insert(0, define);
            }

            await CCompiler.RunAsync(CCompiler.X8664, arguments, Cancel);
            var run = await ExternalProcess.RunAsync(program, [], Cancel);
            Assert.True(run.ExitCode == 0, $"the probe failed: {run.Log}");
            var counts = run.Output.Split(' ', StringSplitOptions.TrimEntries);
            var invariant = System.Globalization.CultureInfo.InvariantCulture;
            return new ProbeResult(int.Parse(counts[0], invariant), int.Parse(counts[1], invariant), counts[2] == "1", long.Parse(counts[3], invariant));
        }
        finally
        {
            Directory.Delete(directory, recursive: true);
        }
    }
}
