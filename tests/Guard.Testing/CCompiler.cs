namespace Guard.Testing;

/// <summary>
/// Compiles a small C program with a real compiler (<c>gcc</c> for x86_64, <c>aarch64-linux-gnu-gcc</c> for arm64), so
/// tests judge binaries a real toolchain made. A missing compiler throws with the apt package to install: these tests
/// are never skipped. <see cref="NativeBuild"/> runs its C and C++ builds through <see cref="RunAsync"/> too.
/// </summary>
public static class CCompiler
{
    public const string X8664 = "gcc";
    public const string Aarch64 = "aarch64-linux-gnu-gcc";
    public const string CxxX8664 = "g++";
    public const string CxxAarch64 = "aarch64-linux-gnu-g++";

    private const string HelloWorld = """
        #include <stdio.h>
        int main(int argc, char **argv) { printf("hello from %s (%d)\n", argv[0], argc); return 0; }
        """;

    // What build/test.sh installs for each driver: the cross drivers link nothing without the arm64 libc's crt files
    // and headers, which apt leaves out under --no-install-recommends.
    private static readonly Dictionary<string, string> AptPackages = new(StringComparer.Ordinal)
    {
        [X8664] = "gcc",
        [Aarch64] = "gcc-aarch64-linux-gnu libc6-dev-arm64-cross",
        [CxxX8664] = "g++",
        [CxxAarch64] = "g++-aarch64-linux-gnu libc6-dev-arm64-cross",
        ["umoci"] = "umoci",
        ["skopeo"] = "skopeo",
    };

    /// <summary>The bytes of a hello-world program built by <paramref name="compiler"/> with <paramref name="flags"/> (e.g. <c>-static</c>).</summary>
    public static async Task<byte[]> CompileAsync(string compiler, string flags = "", CancellationToken cancellationToken = default)
    {
        var directory = Directory.CreateTempSubdirectory("guard-cc-").FullName;
        try
        {
            var source = Path.Combine(directory, "main.c");
            var output = Path.Combine(directory, "main");
            await File.WriteAllTextAsync(source, HelloWorld, cancellationToken);
            await RunAsync(compiler, [.. flags.Split(' ', StringSplitOptions.RemoveEmptyEntries), "-O1", "-o", output, source], cancellationToken);
            return await File.ReadAllBytesAsync(output, cancellationToken);
        }
        finally
        {
            Directory.Delete(directory, recursive: true);
        }
    }

    /// <summary>
    /// Runs <paramref name="compiler"/> from PATH with <paramref name="arguments"/>, passed as they are (no shell: a
    /// literal <c>$ORIGIN</c> stays literal).
    /// </summary>
    /// <exception cref="InvalidOperationException">The compiler is missing (the message names its apt package), or it
    /// failed (the message leads with its first error, then its whole log).</exception>
    public static async Task RunAsync(string compiler, IReadOnlyList<string> arguments, CancellationToken cancellationToken)
    {
        var compilerPath = ExternalProcess.TryFind(compiler) ?? throw new InvalidOperationException(
            $"{compiler} is not installed; install it with: apt-get install -y {AptPackages.GetValueOrDefault(compiler, compiler)} (build/test.sh installs it)");
        (await ExternalProcess.RunAsync(compilerPath, arguments, cancellationToken)).EnsureSuccess();
    }
}
