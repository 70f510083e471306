using System.Formats.Tar;
using System.IO.Compression;
using Guard.Inspection.Images;
using Guard.Inspection.Reading;
using Guard.Testing;

namespace Guard.Inspection.Tests.Images;

public sealed class ImageFileSystemTests
{
    private static CancellationToken Cancel => TestContext.Current.CancellationToken;

    [Fact]
    public async Task ReadAll_FourMegabyteGzipLayer_ReadsItsSourceIn64KiBReads()
    {
        // GZipStream and TarReader ask for 8 KiB at a time; each read of a remote source costs its own timeout and
        // async state, the garbage that lifted a lone 400 MB image deploy past the Lambda's 32 MiB goal.
        var layer = GzipLayer("opt/app/assets.bin", 4 * 1024 * 1024);
        var source = new ReadCountingSource(new InMemoryRangeSource(layer, "memory://layer.tar.gz"));
        var files = new ImageFileSystem([new ImageLayer(new ImageDescriptor(ImageMediaTypes.OciLayerGzip, "sha256:" + new string('a', 64), layer.Length), source)]);

        await files.ReadAllAsync(Cancel);

        Assert.True(files.IsComplete);
        Assert.NotNull(await files.LookupAsync("/opt/app/assets.bin", Cancel));
        var largest = layer.Length / (64 * 1024) + 2;
        Assert.True(source.Reads <= largest, $"{source.Reads} reads of a {layer.Length}-byte layer; at most {largest} of 64 KiB expected");
    }

    /// <summary>A gzip tar layer with one file of <paramref name="size"/> incompressible bytes.</summary>
    private static byte[] GzipLayer(string path, int size)
    {
        var content = new byte[size];
        new Random(19).NextBytes(content);
        using var output = new MemoryStream();
        using (var gzip = new GZipStream(output, CompressionLevel.Fastest, leaveOpen: true))
        using (var tar = new TarWriter(gzip, TarEntryFormat.Pax, leaveOpen: true))
        {
            tar.WriteEntry(new PaxTarEntry(TarEntryType.RegularFile, path) { DataStream = new MemoryStream(content) });
        }

        return output.ToArray();
    }

    /// <summary>Counts the reads made of the streams it opens, as a remote source would serve each one.</summary>
    private sealed class ReadCountingSource(IRangeSource inner) : IRangeSource
    {
        public int Reads { get; private set; }

        public string DisplayName => inner.DisplayName;

        public ValueTask<TailRead> ReadTailAsync(Memory<byte> destination, CancellationToken cancellationToken) => inner.ReadTailAsync(destination, cancellationToken);

        public ValueTask<int> ReadAsync(long offset, Memory<byte> destination, CancellationToken cancellationToken) => inner.ReadAsync(offset, destination, cancellationToken);

        public async ValueTask<Stream> OpenReadAsync(long offset, long length, CancellationToken cancellationToken) =>
            new CountedReadStream(await inner.OpenReadAsync(offset, length, cancellationToken), _ => Reads++);

        public ValueTask DisposeAsync() => inner.DisposeAsync();
    }
}
