using System.Diagnostics;

namespace Guard.Testing;

/// <summary>
/// Compiles a small C program with a real compiler (<c>gcc</c> for x86_64, <c>aarch64-linux-gnu-gcc</c> for arm64), so
/// tests judge binaries a real toolchain made. A missing compiler throws with the apt package to install: these tests
/// are never skipped.
/// </summary>
public static class CCompiler
{
    public const string X8664 = "gcc";
    public const string Aarch64 = "aarch64-linux-gnu-gcc";

    private const string HelloWorld = """
        #include <stdio.h>
        int main(int argc, char **argv) { printf("hello from %s (%d)\n", argv[0], argc); return 0; }
        """;

    /// <summary>The bytes of a hello-world program built by <paramref name="compiler"/> with <paramref name="flags"/> (e.g. <c>-static</c>).</summary>
    public static async Task<byte[]> CompileAsync(string compiler, string flags = "", CancellationToken cancellationToken = default)
    {
        var compilerPath = FindOnPath(compiler) ?? throw new InvalidOperationException(
            $"{compiler} is not installed; install it with: apt-get install -y {(compiler == Aarch64 ? "gcc-aarch64-linux-gnu libc6-dev-arm64-cross" : "gcc")}");
        var directory = Directory.CreateTempSubdirectory("guard-cc-").FullName;
        try
        {
            var source = Path.Combine(directory, "main.c");
            var output = Path.Combine(directory, "main");
            await File.WriteAllTextAsync(source, HelloWorld, cancellationToken);
            var start = new ProcessStartInfo(compilerPath) { RedirectStandardError = true, RedirectStandardOutput = true };
            foreach (var argument in flags.Split(' ', StringSplitOptions.RemoveEmptyEntries).Concat(["-O1", "-o", output, source]))
            {
                start.ArgumentList.Add(argument);
            }

            using var process = Process.Start(start)!;
            var errors = await process.StandardError.ReadToEndAsync(cancellationToken);
            await process.WaitForExitAsync(cancellationToken);
            if (process.ExitCode != 0)
            {
                throw new InvalidOperationException($"{compiler} {flags} failed ({process.ExitCode}): {errors}");
            }

            return await File.ReadAllBytesAsync(output, cancellationToken);
        }
        finally
        {
            Directory.Delete(directory, recursive: true);
        }
    }

    private static string? FindOnPath(string program) =>
        (Environment.GetEnvironmentVariable("PATH") ?? "/usr/bin:/bin")
            .Split(':', StringSplitOptions.RemoveEmptyEntries)
            .Select(directory => Path.Combine(directory, program))
            .FirstOrDefault(File.Exists);
}
