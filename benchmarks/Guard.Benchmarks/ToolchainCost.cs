using System.Diagnostics;
using System.Globalization;
using Guard.Inspection;
using Guard.Inspection.Reading;
using Guard.Testing;

namespace Guard.Benchmarks;

/// <summary>
/// What telling the toolchain adds to one check (guard scan asks for it, the Guard Lambda does not): real binaries, each
/// the bootstrap of a deflated zip on disk, checked with and without <see cref="InspectionRequest.IdentifyToolchain"/>,
/// interleaved, medians of wall and CPU time, and the bytes and requests the report counts.
/// </summary>
internal static class ToolchainCost
{
    public static async Task<int> RunAsync(int runs)
    {
        var directory = Directory.CreateTempSubdirectory("guard-toolchain-").FullName;
        try
        {
            (string Label, byte[] Binary)[] cases =
            [
                ("c++ static (g++ -static, std::string)", await NativeBuild.CompileAsync(
                    NativeArchitecture.X8664, "c++", "#include <string>\n#include <iostream>\nint main(int c, char**) { std::cout << std::string(c, 'x'); }\n", ["-static"])),
                ("go (aws-lambda-go stand-in)", await GoProgram.BuildLambdaAsync("v1.47.0")),
            ];

            Console.WriteLine($"| bootstrap | size | toolchain | median wall ms (off / on) | median CPU ms (off / on) | requests (off / on) | bytes read (off / on) |");
            Console.WriteLine("|---|---|---|---|---|---|---|");
            var inspector = new PackageInspector();
            foreach (var (label, binary) in cases)
            {
                var zip = Path.Combine(directory, $"{label.Split(' ')[0]}.zip");
                await File.WriteAllBytesAsync(zip, new PackageBuilder().AddFile("bootstrap", binary, PackageBuilder.ExecutableMode).ToArray());
                var off = new List<(double Wall, double Cpu, int Requests, long Bytes, string? Toolchain)>();
                var on = new List<(double Wall, double Cpu, int Requests, long Bytes, string? Toolchain)>();
                for (var run = 0; run < runs + 1; run++)
                {
                    foreach (var identify in new[] { false, true })
                    {
                        var cpu = Process.GetCurrentProcess().TotalProcessorTime;
                        var started = Stopwatch.GetTimestamp();
                        var report = await inspector.InspectAsync(new InspectionRequest(LocalFileRangeSource.Open(zip)) { IdentifyToolchain = identify }, CancellationToken.None);
                        var wall = Stopwatch.GetElapsedTime(started).TotalMilliseconds;
                        var cpuMs = (Process.GetCurrentProcess().TotalProcessorTime - cpu).TotalMilliseconds;
                        if (run == 0)
                        {
                            continue; // warm-up: JIT
                        }

                        var toolchain = report.Bootstrap?.Toolchain is { } name ? $"{name} {report.Bootstrap.GoVersion ?? report.Bootstrap.Compiler}" : "-";
                        (identify ? on : off).Add((wall, cpuMs, report.Stats.Requests, report.Stats.BytesRead, toolchain));
                    }
                }

                Console.WriteLine(string.Create(
                    CultureInfo.InvariantCulture,
                    $"| {label} | {binary.Length / 1024.0 / 1024.0:0.0} MB, zip {new FileInfo(zip).Length / 1024.0 / 1024.0:0.0} MB | {on[0].Toolchain} | {Median(off, m => m.Wall):0.0} / {Median(on, m => m.Wall):0.0} | {Median(off, m => m.Cpu):0.0} / {Median(on, m => m.Cpu):0.0} | {off[0].Requests} / {on[0].Requests} | {off[0].Bytes / 1024.0:0} KiB / {on[0].Bytes / 1024.0:0} KiB |"));
            }

            return 0;
        }
        finally
        {
            Directory.Delete(directory, recursive: true);
        }
    }

    private static double Median<T>(List<T> values, Func<T, double> of)
    {
        var sorted = values.Select(of).Order().ToArray();
        return sorted.Length % 2 == 1 ? sorted[sorted.Length / 2] : (sorted[(sorted.Length / 2) - 1] + sorted[sorted.Length / 2]) / 2;
    }
}
