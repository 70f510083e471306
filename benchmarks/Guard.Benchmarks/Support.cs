using System.Diagnostics;
using System.Globalization;
using System.IO.Compression;
using System.Net;
using Guard.Testing;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.Extensions.Logging;

namespace Guard.Benchmarks;

internal enum BootstrapKind
{
    /// <summary>A real Go Lambda binary (CGO_ENABLED=0, aws-lambda-go stand-in v1.18.0): its build information lies at the start of its data segment.</summary>
    StaticGo,
    /// <summary>The same with a 20 MB embedded asset before the data segment: a large Go binary.</summary>
    LargeStaticGo,
    /// <summary>A real dynamically linked binary from this machine: the engine must also read its dynamic section.</summary>
    DynamicGlibc,
    /// <summary>gcc's hello world, dynamic: the smallest real glibc program.</summary>
    DynamicC,
    /// <summary>A C stand-in for a Rust binary linked against OpenSSL 3: needs libssl.so.3 at OPENSSL_3.2.0.</summary>
    NeedsLibssl,
    /// <summary>A g++ program using std::filesystem, shipping this machine's libstdc++.so.6 (2.2 MB) in lib/, loaded through DT_RPATH $ORIGIN/lib.</summary>
    NeedsLibstdcxx,
    /// <summary>The libssl program, its libraries in one layer's lib/ and an extension in another's extensions/.</summary>
    LayersAndExtension,
}

/// <summary>
/// What one benchmark row checks: the function's bootstrap and the files shipped beside it (path, content, mode), and the
/// layers (zip name to its files) given after it. Every file in them is one the check reads, so each counts in the floor.
/// </summary>
internal sealed record BenchmarkCase(
    BootstrapKind Kind,
    string Label,
    byte[]? Bootstrap,
    IReadOnlyList<(string Name, IReadOnlyList<(string Path, byte[] Content, int Mode)> Files)> Layers,
    IReadOnlyList<(string Path, byte[] Content, int Mode)>? Shipped = null)
{
    private const int Executable = 0b111_101_101;
    private const int Readable = 0b110_100_100;

    /// <summary>Every row's case: the native ones are compiled here, once, for x86_64 (the benchmark judges x86_64 packages).</summary>
    public static async Task<IReadOnlyList<BenchmarkCase>> AllAsync()
    {
        const NativeArchitecture x64 = NativeArchitecture.X8664;
        var libcrypto = await NativeBuild.LibraryAsync(x64, "libcrypto.so.3", new Dictionary<string, IReadOnlyList<string>> { ["OPENSSL_3.0.0"] = ["EVP_MD_fetch"] });
        var libssl = await NativeBuild.LibraryAsync(x64, "libssl.so.3", new Dictionary<string, IReadOnlyList<string>>
        {
            ["OPENSSL_3.0.0"] = ["SSL_new", "SSL_CTX_new_ex"],
            ["OPENSSL_3.2.0"] = ["SSL_new_from_listener"],
        }, needs: [libcrypto], runPath: "$ORIGIN");
        var helloC = await NativeBuild.CompileAsync(x64, "c", """
            #include <stdio.h>
            int main(int argc, char **argv) { printf("hello from %s (%d)\n", argv[0], argc); return 0; }
            """);
        var needsLibssl = await NativeBuild.ProgramCallingAsync(x64, [libssl]);
        var needsLibstdcxx = await NativeBuild.CompileAsync(x64, "c++", """
            #include <filesystem>
            #include <iostream>
            int main() { std::cout << std::filesystem::current_path() << '\n'; }
            """, ["-Xlinker", "--disable-new-dtags", "-Xlinker", "-rpath", "-Xlinker", "$ORIGIN/lib"]);
        var libstdcxx = await File.ReadAllBytesAsync("/usr/lib/x86_64-linux-gnu/libstdc++.so.6");
        var go = await GoProgram.BuildLambdaAsync("v1.18.0", "amd64");
        var largeGo = await GoProgram.BuildLambdaAsync("v1.18.0", "amd64", GoBuildInfoLayout.Go118, embeddedAssetBytes: 20 * 1000 * 1000);
        return
        [
            new(BootstrapKind.StaticGo, $"static Go ({go.Length / 1e6:0.0} MB)", go, []),
            new(BootstrapKind.LargeStaticGo, $"static Go ({largeGo.Length / 1e6:0.0} MB)", largeGo, []),
            new(BootstrapKind.DynamicGlibc, "dynamic (glibc)", null, []),
            new(BootstrapKind.DynamicC, "dynamic C (gcc hello world)", helloC, []),
            new(BootstrapKind.NeedsLibssl, "Rust-style, needs libssl.so.3 (C stand-in)", needsLibssl, []),
            new(BootstrapKind.NeedsLibstdcxx, "C++ (g++), ships libstdc++.so.6 (2.2 MB)", needsLibstdcxx, [], [("lib/libstdc++.so.6", libstdcxx, Readable)]),
            new(BootstrapKind.LayersAndExtension, "libssl stand-in + 2 layers: lib/, extensions/ext", needsLibssl,
            [
                ("layer-lib.zip", [("lib/libssl.so.3", libssl.Bytes, Readable), ("lib/libcrypto.so.3", libcrypto.Bytes, Readable)]),
                ("layer-extension.zip", [("extensions/ext", helloC, Executable)]),
            ]),
        ];
    }
}

internal sealed record Measurement(int Requests, long Bytes, TimeSpan Elapsed, long ClientBytes = 0);

internal static class Arguments
{
    public static string Get(string[] args, string name, string fallback)
    {
        var index = Array.IndexOf(args, name);
        return index >= 0 && index + 1 < args.Length ? args[index + 1] : fallback;
    }
}

/// <summary>Serves the benchmark packages over loopback HTTP with Range support, counting requests and bytes.</summary>
internal sealed class PackageServer : IAsyncDisposable
{
    private readonly WebApplication _app;
    private int _requests;
    private int _inFlight;
    private long _bytes;

    private PackageServer(WebApplication app) => _app = app;

    public int Requests => Volatile.Read(ref _requests);
    public long BytesSent => Interlocked.Read(ref _bytes);

    public static async Task<PackageServer> StartAsync(string directory)
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        builder.WebHost.UseKestrel(options => options.Listen(IPAddress.Loopback, 0));
        var app = builder.Build();
        var server = new PackageServer(app);
        // Bytes are counted as written: a response's Content-Length is not always set for ranges.
        app.Use(async (context, next) =>
        {
            Interlocked.Increment(ref server._requests);
            Interlocked.Increment(ref server._inFlight);
            var original = context.Features.Get<IHttpResponseBodyFeature>()!;
            var counting = new CountingStream(original.Stream);
            context.Features.Set<IHttpResponseBodyFeature>(new StreamResponseBodyFeature(counting, original));
            try
            {
                await next(context);
            }
            finally
            {
                Interlocked.Add(ref server._bytes, counting.Written);
                Interlocked.Decrement(ref server._inFlight);
            }
        });
        app.MapGet("/{name}", (string name) => Results.File(Path.Combine(directory, Path.GetFileName(name)), "application/zip", enableRangeProcessing: true));
        await app.StartAsync();
        return server;
    }

    public Uri UriFor(string path) => new(new Uri(_app.Urls.First()), Path.GetFileName(path));

    /// <summary>
    /// Waits until every response has been counted: a client may finish reading a body before the server's
    /// pipeline completes, and those bytes must not land in the next measurement.
    /// </summary>
    public async Task WaitUntilIdleAsync()
    {
        while (Volatile.Read(ref _inFlight) > 0)
        {
            await Task.Delay(1);
        }
    }

    public void ResetCounters()
    {
        Interlocked.Exchange(ref _requests, 0);
        Interlocked.Exchange(ref _bytes, 0);
    }

    public async ValueTask DisposeAsync()
    {
        await _app.StopAsync();
        await _app.DisposeAsync();
    }
}

/// <summary>A write-only pass-through that counts what the server sends.</summary>
internal sealed class CountingStream(Stream inner) : Stream
{
    private long _written;

    public long Written => Interlocked.Read(ref _written);
    public override bool CanRead => false;
    public override bool CanSeek => false;
    public override bool CanWrite => true;
    public override long Length => throw new NotSupportedException();

    public override long Position
    {
        get => throw new NotSupportedException();
        set => throw new NotSupportedException();
    }

    public override void Write(byte[] buffer, int offset, int count)
    {
        inner.Write(buffer, offset, count);
        Interlocked.Add(ref _written, count);
    }

    public override async ValueTask WriteAsync(ReadOnlyMemory<byte> buffer, CancellationToken cancellationToken = default)
    {
        await inner.WriteAsync(buffer, cancellationToken);
        Interlocked.Add(ref _written, buffer.Length);
    }

    public override Task WriteAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken) =>
        WriteAsync(buffer.AsMemory(offset, count), cancellationToken).AsTask();

    public override Task FlushAsync(CancellationToken cancellationToken) => inner.FlushAsync(cancellationToken);
    public override void Flush() => inner.Flush();
    public override int Read(byte[] buffer, int offset, int count) => throw new NotSupportedException();
    public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();
    public override void SetLength(long value) => throw new NotSupportedException();
}

/// <summary>Builds a package of about the asked size: bootstrap first, then incompressible assets, stored.</summary>
internal static class BenchmarkPackage
{
    private const int AssetBytes = 16 * 1024 * 1024;

    public static string Build(string directory, int sizeMb, BenchmarkCase benchmarkCase)
    {
        var path = Path.Combine(directory, $"package-{sizeMb}mb-{benchmarkCase.Kind}.zip");
        if (File.Exists(path))
        {
            return path;
        }

        var random = new Random(20261127);
        using (var archive = ZipFile.Open(path + ".partial", ZipArchiveMode.Create))
        {
            var bootstrap = benchmarkCase.Bootstrap ?? File.ReadAllBytes(DynamicBinaryOnThisMachine());
            // Optimal is zlib's level 6, what zip, Go's archive/zip and SAM use.
            Write(archive, "bootstrap", bootstrap, CompressionLevel.Optimal, mode: 0b111_101_101);
            foreach (var (shippedPath, content, mode) in benchmarkCase.Shipped ?? [])
            {
                Write(archive, shippedPath, content, CompressionLevel.Optimal, mode);
            }

            var buffer = new byte[AssetBytes];
            for (var written = 0L; written + bootstrap.Length < sizeMb * 1000L * 1000L; written += AssetBytes)
            {
                random.NextBytes(buffer);
                Write(archive, $"assets/blob-{written / AssetBytes:D4}.bin", buffer, CompressionLevel.NoCompression, mode: 0b110_100_100);
            }
        }

        File.Move(path + ".partial", path);
        return path;
    }

    /// <summary>The floor of one zip: its central directory, and every ELF file in it up to its deepest needed byte (assets are not read).</summary>
    public static long Floor(string path)
    {
        var bytes = File.ReadAllBytes(path);
        var needs = new Dictionary<string, long>(StringComparer.Ordinal);
        using (var archive = ZipFile.OpenRead(path))
        {
            foreach (var entry in archive.Entries.Where(e => !e.FullName.StartsWith("assets/", StringComparison.Ordinal)))
            {
                using var stream = entry.Open();
                var content = new byte[entry.Length];
                stream.ReadExactly(content);
                needs[entry.FullName] = ReadFloor.DeepestNeededByte(content);
            }
        }

        return ReadFloor.Of(bytes, needs);
    }

    /// <summary>A layer's zip of just its files: layers are read only for /opt/bootstrap, extensions/ and what links to them.</summary>
    public static string Layer(string directory, string name, IReadOnlyList<(string Path, byte[] Content, int Mode)> files)
    {
        var path = Path.Combine(directory, name);
        File.Delete(path);
        using var archive = ZipFile.Open(path, ZipArchiveMode.Create);
        foreach (var (entryPath, content, mode) in files)
        {
            Write(archive, entryPath, content, CompressionLevel.Optimal, mode);
        }

        return path;
    }

    /// <summary>A real dynamic ELF from this machine, as large as can be found, so its dynamic section lies far in.</summary>
    public static string DynamicBinaryOnThisMachine() =>
        new[] { "/usr/bin/gdb", "/usr/bin/cmake", "/usr/bin/perl", "/usr/bin/git" }.FirstOrDefault(File.Exists)
        ?? throw new InvalidOperationException("no dynamic binary found (looked for gdb, cmake, perl, git)");

    private static void Write(ZipArchive archive, string name, byte[] content, CompressionLevel level, int mode)
    {
        var entry = archive.CreateEntry(name, level);
        entry.ExternalAttributes = (0x8000 | mode) << 16;
        using var stream = entry.Open();
        stream.Write(content);
    }
}

/// <summary>Peak resident memory of a whole `guard check` process, by GNU time's %M (KiB).</summary>
internal static class PeakRss
{
    public static long? OfGuardCheck(string guardDll, Uri uri, IReadOnlyList<Uri> layers)
    {
        var start = new ProcessStartInfo("/usr/bin/time", ["-f", "%M", "dotnet", guardDll, "check", uri.ToString(), .. layers.SelectMany(l => new[] { "--layer", l.ToString() }), "--format", "json"])
        {
            RedirectStandardError = true,
            RedirectStandardOutput = true,
        };
        using var process = Process.Start(start)!;
        process.StandardOutput.ReadToEnd();
        var lines = process.StandardError.ReadToEnd().Split('\n', StringSplitOptions.RemoveEmptyEntries);
        process.WaitForExit();
        return lines.Length > 0 && long.TryParse(lines[^1], NumberStyles.Integer, CultureInfo.InvariantCulture, out var kib) ? kib : null;
    }
}

internal static class Table
{
    public static string Header(int runs) =>
        $"Medians of {runs} runs over loopback HTTP. A row with layers counts its package size, requests and bytes over the function zip and its layers. " +
        "guard: bytes is what the server sent; read is what Guard consumed (a streamed response it stops reading still has bytes in flight); " +
        "floor is the central directory plus each needed entry's compressed bytes up to its deepest needed structure.\n\n" +
        "| package | bootstrap | guard: requests | guard: bytes sent | guard: bytes read | floor | read / floor | guard: ms | download+open: bytes | download+open: ms | time ratio | bytes ratio | guard check peak RSS |\n" +
        "|---:|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|";

    public static string Row(long packageBytes, string bootstrap, List<Measurement> guard, List<Measurement> download, long floor, long? peakRssKib)
    {
        var guardMs = Median(guard.Select(m => m.Elapsed.TotalMilliseconds));
        var downloadMs = Median(download.Select(m => m.Elapsed.TotalMilliseconds));
        var guardBytes = Median(guard.Select(m => (double)m.Bytes));
        var readBytes = Median(guard.Select(m => (double)m.ClientBytes));
        var downloadBytes = Median(download.Select(m => (double)m.Bytes));
        return string.Create(CultureInfo.InvariantCulture,
            $"| {packageBytes / 1e6:0} MB | {bootstrap} | {Median(guard.Select(m => (double)m.Requests)):0} | {Kib(guardBytes)} | {Kib(readBytes)} | {Kib(floor)} | {readBytes / floor:0.00} | {guardMs:0.0} | {Kib(downloadBytes)} | {downloadMs:0.0} | {downloadMs / guardMs:0}× | {downloadBytes / guardBytes:0}× | {(peakRssKib is { } kib ? $"{kib / 1024.0:0.0} MiB" : "n/a")} |");
    }

    private static string Kib(double bytes) => string.Create(CultureInfo.InvariantCulture, $"{bytes / 1024:0.#} KiB");

    private static double Median(IEnumerable<double> values)
    {
        var sorted = values.Order().ToArray();
        return sorted.Length % 2 == 1 ? sorted[sorted.Length / 2] : (sorted[sorted.Length / 2 - 1] + sorted[sorted.Length / 2]) / 2;
    }
}
