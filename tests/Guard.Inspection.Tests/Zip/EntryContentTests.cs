using System.Buffers.Binary;
using System.Diagnostics;
using Guard.Inspection.Zip;
using Guard.Testing;
using static Guard.Inspection.Tests.Zip.ZipTestData;

namespace Guard.Inspection.Tests.Zip;

public sealed class EntryContentTests
{
    private const int MiB = 1024 * 1024;

    private static CancellationToken Cancel => TestContext.Current.CancellationToken;

    [Fact]
    public async Task DeflateContent_FirstRead_ComesWithTheLocalHeaderInOneRequest()
    {
        var binary = Binary(1 * MiB, seed: 11);
        var filler = new byte[2 * MiB];
        new Random(2).NextBytes(filler);
        var source = new RecordingRangeSource(new PackageBuilder()
            .AddFile("bootstrap", binary, mode: PackageBuilder.ExecutableMode)
            .AddFile("assets/random.bin", filler, stored: true)
            .ToSource());
        var package = await ReadAllAsync(source);

        var content = await package.OpenEntryAsync(Entry(package, "bootstrap"), Cancel);
        var head = await ReadAsync(content, 0, 64 * 1024);

        Assert.Equal(binary[..(64 * 1024)], head);
        Assert.Equal(2, source.Requests.Count);
        Assert.True(source.BytesRead <= 512 * 1024, $"{source.BytesRead} bytes read");
    }

    [Fact]
    public async Task DeflateContent_ReadFarIn_IsOneStreamedRequestConsumedOnlyAsFarAsNeeded()
    {
        var binary = Binary(12 * MiB, seed: 7);
        var source = new RecordingRangeSource(new PackageBuilder().AddFile("bootstrap", binary, mode: PackageBuilder.ExecutableMode).ToSource());
        var package = await ReadAllAsync(source);
        var entry = Entry(package, "bootstrap");
        await using var content = await package.OpenEntryAsync(entry, Cancel);

        var far = await ReadAsync(content, 9 * MiB, 64 * 1024);

        Assert.Equal(binary.AsSpan(9 * MiB, 64 * 1024).ToArray(), far);
        Assert.Equal(12L * MiB, content.Length);

        // The tail, then one stream from the local header; it stops about where 9 MiB of output needs it to (the data
        // deflates evenly), never running on to the entry's end.
        Assert.Equal(2, source.Requests.Count);
        Assert.Equal(1, source.StreamsOpened);
        var streamed = source.Requests[1].Length;
        var proportional = entry.CompressedSize * ((9.0 * MiB) + (64 * 1024)) / (12.0 * MiB);
        Assert.InRange(streamed, proportional * 0.95, proportional * 1.05);
    }

    [Fact]
    public async Task DeflateContent_ReadBehindPastTheMemoryCap_IsServedFromWhatWasKeptWithoutRequests()
    {
        var binary = Binary(7 * MiB, seed: 5);
        var source = new RecordingRangeSource(new PackageBuilder().AddFile("bootstrap", binary).ToSource());
        var package = await ReadAllAsync(source);
        await using var content = await package.OpenEntryAsync(Entry(package, "bootstrap"), Cancel);
        await ReadAsync(content, 6 * MiB, 1000);
        var (requests, bytes) = (source.Requests.Count, source.BytesRead);

        // Behind the inflater: first kept on disk (past 4 MiB), then in memory, then straddling the two.
        var spilled = await ReadAsync(content, (5 * MiB) + 17, 100_000);
        var inMemory = await ReadAsync(content, 300_000, 100_000);
        var straddling = await ReadAsync(content, DeflateEntryContent.KeptInMemoryLength - 50_000, 100_000);

        Assert.Equal(binary.AsSpan((5 * MiB) + 17, 100_000).ToArray(), spilled);
        Assert.Equal(binary.AsSpan(300_000, 100_000).ToArray(), inMemory);
        Assert.Equal(binary.AsSpan(DeflateEntryContent.KeptInMemoryLength - 50_000, 100_000).ToArray(), straddling);
        Assert.Equal((requests, bytes), (source.Requests.Count, source.BytesRead));
    }

    [Fact]
    public async Task DeflateContent_WhenTheLocalExtraFieldIsLongerThanTheAllowance_StillReadsTheWholeEntry()
    {
        // The stream asks for the range the central directory predicts; a 4 KiB local extra field (an unknown id, as
        // APPNOTE 4.5 lets any tool add) moves the data's end past it, which costs one more request, not the entry's end.
        var binary = Binary(300_000, seed: 9);
        var padding = new byte[200_000];
        new Random(4).NextBytes(padding);
        var bytes = new PackageBuilder().AddFile("bootstrap", binary, mode: PackageBuilder.ExecutableMode).AddFile("assets/padding.bin", padding, stored: true).ToArray();
        var nameEnd = 30 + "bootstrap".Length;
        var extra = new byte[4096];
        BinaryPrimitives.WriteUInt16LittleEndian(extra, 0xCAFE);
        BinaryPrimitives.WriteUInt16LittleEndian(extra.AsSpan(2), (ushort)(extra.Length - 4));
        var patched = new byte[bytes.Length + extra.Length];
        bytes.AsSpan(0, nameEnd).CopyTo(patched);
        extra.CopyTo(patched, nameEnd);
        bytes.AsSpan(nameEnd).CopyTo(patched.AsSpan(nameEnd + extra.Length));
        var localExtra = BinaryPrimitives.ReadUInt16LittleEndian(patched.AsSpan(28));
        BinaryPrimitives.WriteUInt16LittleEndian(patched.AsSpan(28), (ushort)(localExtra + extra.Length));
        var eocd = ZipLayout.Of(patched).EndOfCentralDirectory;
        BinaryPrimitives.WriteUInt32LittleEndian(patched.AsSpan(eocd + 16), BinaryPrimitives.ReadUInt32LittleEndian(patched.AsSpan(eocd + 16)) + (uint)extra.Length);
        var second = ZipLayout.Of(patched).CentralDirectoryHeaders[1];
        BinaryPrimitives.WriteUInt32LittleEndian(patched.AsSpan(second + 42), BinaryPrimitives.ReadUInt32LittleEndian(patched.AsSpan(second + 42)) + (uint)extra.Length);
        var source = new RecordingRangeSource(new InMemoryRangeSource(patched));
        var package = await ReadAllAsync(source);
        await using var content = await package.OpenEntryAsync(Entry(package, "bootstrap"), Cancel);

        var all = await ReadAsync(content, 0, binary.Length);

        Assert.Equal(binary, all);
        Assert.Equal(2, source.StreamsOpened);
    }

    [Fact]
    public async Task DeflateContent_RereadNearStart_IsServedWithoutRequests()
    {
        var binary = Binary(2 * MiB, seed: 3);
        var source = new RecordingRangeSource(new PackageBuilder().AddFile("bootstrap", binary).ToSource());
        var package = await ReadAllAsync(source);
        var content = await package.OpenEntryAsync(Entry(package, "bootstrap"), Cancel);
        await ReadAsync(content, 0, 4096);
        await ReadAsync(content, 1_500_000, 4096);
        var before = source.Requests.Count;

        var head = await ReadAsync(content, 100_000, 50_000);

        Assert.Equal(binary.AsSpan(100_000, 50_000).ToArray(), head);
        Assert.Equal(before, source.Requests.Count);
    }

    [Fact]
    public async Task DeflateContent_ReadsInAnyOrder_ReturnRightBytes()
    {
        var binary = Binary(3 * MiB, seed: 5);
        var package = await ReadAllAsync(new PackageBuilder().AddFile("bootstrap", binary).ToSource());
        var content = await package.OpenEntryAsync(Entry(package, "bootstrap"), Cancel);

        var far = await ReadAsync(content, 2 * MiB, 1000);
        var behind = await ReadAsync(content, 300_000, 100_000);
        var straddling = await ReadAsync(content, 200_000, 100_000);
        var tail = await ReadAsync(content, 3 * MiB - 10, 100);

        Assert.Equal(binary.AsSpan(2 * MiB, 1000).ToArray(), far);
        Assert.Equal(binary.AsSpan(300_000, 100_000).ToArray(), behind);
        Assert.Equal(binary.AsSpan(200_000, 100_000).ToArray(), straddling);
        Assert.Equal(binary.AsSpan(3 * MiB - 10).ToArray(), tail);
        Assert.Empty(await ReadAsync(content, 3 * MiB, 10));
    }

    [Fact]
    public async Task DeflateContent_DeclaredSmallerThanData_StopsAtDeclaredSize()
    {
        var bytes = new PackageBuilder().AddFile("bomb", new byte[10 * MiB]).ToArray();
        var header = ZipLayout.Of(bytes).CentralDirectoryHeaders[0];
        BinaryPrimitives.WriteUInt32LittleEndian(bytes.AsSpan(header + 24), 1000);
        var package = await ReadAllAsync(new InMemoryRangeSource(bytes));
        var content = await package.OpenEntryAsync(Entry(package, "bomb"), Cancel);

        var all = await ReadAsync(content, 0, 2 * MiB);

        Assert.Equal(1000, content.Length);
        Assert.Equal(1000, all.Length);
        Assert.Empty(await ReadAsync(content, 1000, 100));
    }

    [Fact]
    public async Task DeflateContent_DeclaredLargerThanData_ThrowsInsteadOfInventingBytes()
    {
        var bytes = new PackageBuilder().AddFile("bomb", new byte[4 * MiB]).ToArray();
        var header = ZipLayout.Of(bytes).CentralDirectoryHeaders[0];
        BinaryPrimitives.WriteUInt32LittleEndian(bytes.AsSpan(header + 24), 0xFFFF_FFF0);
        var package = await ReadAllAsync(new InMemoryRangeSource(bytes));
        var content = await package.OpenEntryAsync(Entry(package, "bomb"), Cancel);
        var clock = Stopwatch.StartNew();

        await Assert.ThrowsAsync<InvalidZipException>(async () => await ReadAsync(content, 100L * MiB, 10));

        Assert.Equal(0xFFFF_FFF0, content.Length);
        Assert.True(clock.Elapsed < TimeSpan.FromSeconds(5));
    }

    [Fact]
    public async Task DeflateContent_CorruptData_ThrowsInvalidZip()
    {
        var bytes = new PackageBuilder().AddFile("bootstrap", Binary(200_000)).ToArray();
        var layout = ZipLayout.Of(bytes);
        var dataStart = layout.LocalHeaders[0] + 30 + "bootstrap".Length;
        bytes.AsSpan(dataStart, 64).Fill(0xFF); // Block type 3 is reserved: zlib rejects it.
        var package = await ReadAllAsync(new InMemoryRangeSource(bytes));
        var content = await package.OpenEntryAsync(Entry(package, "bootstrap"), Cancel);

        await Assert.ThrowsAsync<InvalidZipException>(async () => await ReadAsync(content, 0, 100_000));
    }

    [Fact]
    public async Task StoredContent_ReadAnywhere_UsesRangeReads()
    {
        var binary = Binary(3 * MiB);
        var source = new RecordingRangeSource(new PackageBuilder().AddFile("bootstrap", binary, stored: true).ToSource());
        var package = await ReadAllAsync(source);
        var content = await package.OpenEntryAsync(Entry(package, "bootstrap"), Cancel);
        var head = await ReadAsync(content, 0, 64 * 1024);
        var before = source.Requests.Count;

        var far = await ReadAsync(content, 2 * MiB, 10_000);
        var large = await ReadAsync(content, 0, 3 * MiB + 100);

        Assert.Equal(binary[..(64 * 1024)], head);
        Assert.Equal(2, before); // The tail, then the local header with the first 64 KiB.
        Assert.Equal(binary.AsSpan(2 * MiB, 10_000).ToArray(), far);
        Assert.Equal(binary, large);
        Assert.All(source.Requests, r => Assert.True(r.Length <= MiB, $"a request of {r.Length} bytes"));
    }

    [Fact]
    public async Task StoredContent_SizesDisagree_ThrowsOnOpen()
    {
        var bytes = new PackageBuilder().AddFile("bootstrap", Binary(100), stored: true).ToArray();
        var header = ZipLayout.Of(bytes).CentralDirectoryHeaders[0];
        BinaryPrimitives.WriteUInt32LittleEndian(bytes.AsSpan(header + 24), 200);
        var package = await ReadAllAsync(new InMemoryRangeSource(bytes));

        await Assert.ThrowsAsync<InvalidZipException>(() => package.OpenEntryAsync(Entry(package, "bootstrap"), Cancel));
    }
}
