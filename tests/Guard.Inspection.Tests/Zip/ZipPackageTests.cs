using System.Buffers.Binary;
using System.Text;
using Guard.Inspection.Zip;
using Guard.Testing;
using static Guard.Inspection.Tests.Zip.ZipTestData;

namespace Guard.Inspection.Tests.Zip;

public sealed class ZipPackageTests
{
    private static CancellationToken Cancel => TestContext.Current.CancellationToken;

    [Fact]
    public async Task ReadAsync_SmallPackage_CostsOneRequestIncludingEntryReads()
    {
        var bootstrap = Binary(20_000);
        var bytes = new PackageBuilder()
            .AddFile("bootstrap", bootstrap, mode: PackageBuilder.ExecutableMode)
            .AddFile("config.json", "{}", stored: true)
            .ToArray();
        var source = new RecordingRangeSource(new InMemoryRangeSource(bytes));

        var package = await ReadAllAsync(source);
        var content = await ReadEntryAsync(package, "bootstrap");
        var config = await ReadEntryAsync(package, "config.json");

        Assert.Equal(bootstrap, content);
        Assert.Equal("{}"u8.ToArray(), config);
        var request = Assert.Single(source.Requests);
        Assert.True(request.IsTail);
        Assert.True(ZipPackage.TailReadLength >= 64 * 1024 + 22);
        Assert.Equal(bytes.Length, package.Length);
    }

    [Fact]
    public async Task ReadAsync_Entries_ReportHostModeTypeAndMethod()
    {
        var bytes = new PackageBuilder()
            .AddFile("bootstrap", Binary(1000), mode: PackageBuilder.ExecutableMode)
            .AddFile("private", "x", mode: 0b111_000_000, stored: true)
            .AddDirectory("lib")
            .AddSymlink("run", "bootstrap")
            .AddFile("nomode", "x", mode: null)
            .ToArray();

        var package = await ReadAllAsync(new InMemoryRangeSource(bytes));

        Assert.Equal(5, package.EntryCount);
        Assert.Equal(["bootstrap", "private", "lib/", "run", "nomode"], package.KeptEntries.Select(e => e.Name));
        var bootstrap = Entry(package, "bootstrap");
        Assert.Equal(3, bootstrap.MadeByHost); // .NET on Linux records a Unix host.
        Assert.Equal(0x8000 | PackageBuilder.ExecutableMode, bootstrap.UnixMode);
        Assert.Equal(CentralDirectoryEntry.Deflate, bootstrap.CompressionMethod);
        Assert.Equal(1000, bootstrap.UncompressedSize);
        Assert.Equal(CentralDirectoryEntry.Stored, Entry(package, "private").CompressionMethod);
        Assert.Equal(0x8000 | 0b111_000_000, Entry(package, "private").UnixMode);
        Assert.True(Entry(package, "lib/").IsDirectory);
        Assert.True(Entry(package, "run").IsSymbolicLink);
        Assert.Equal("bootstrap"u8.ToArray(), await ReadEntryAsync(package, "run"));
        Assert.Null(Entry(package, "nomode").UnixMode);
        Assert.Null(package.FirstEncryptedEntry);
        Assert.Null(package.FirstUnsupportedCompressionEntry);
        Assert.False(package.KeptEntriesTruncated);
    }

    [Fact]
    public async Task ReadAsync_MadeOnWindows_RecordsNoUnixMode()
    {
        var bytes = ZipLayout.AsMadeOnWindows(new PackageBuilder().AddFile("bootstrap", Binary(100), mode: PackageBuilder.ExecutableMode).ToArray());

        var package = await ReadAllAsync(new InMemoryRangeSource(bytes));

        var bootstrap = Entry(package, "bootstrap");
        Assert.Equal(0, bootstrap.MadeByHost);
        Assert.Null(bootstrap.UnixMode);
        Assert.Equal(Binary(100), await ReadEntryAsync(package, "bootstrap"));
    }

    [Fact]
    public async Task ReadAsync_InfoZipMadeOnWindows_RecordsNoUnixMode()
    {
        Assert.SkipUnless(InfoZip.IsAvailable, "Info-ZIP zip is not installed");
        var bytes = InfoZip.CreateMadeOnWindows([new InfoZipFile("bootstrap", Binary(100), PackageBuilder.ExecutableMode)]);

        var package = await ReadAllAsync(new InMemoryRangeSource(bytes));

        Assert.Null(Entry(package, "bootstrap").UnixMode);
        Assert.Equal(0, Entry(package, "bootstrap").MadeByHost);
    }

    [Fact]
    public async Task ReadAsync_InfoZipArchive_ReadsModesAndContent()
    {
        Assert.SkipUnless(InfoZip.IsAvailable, "Info-ZIP zip is not installed");
        var bootstrap = Binary(50_000);
        var bytes = InfoZip.Create([new InfoZipFile("bootstrap", bootstrap, PackageBuilder.ExecutableMode), new InfoZipFile("lib/a.txt", "hello"u8.ToArray())]);

        var package = await ReadAllAsync(new InMemoryRangeSource(bytes));

        Assert.Equal(0x8000 | PackageBuilder.ExecutableMode, Entry(package, "bootstrap").UnixMode);
        Assert.Equal(bootstrap, await ReadEntryAsync(package, "bootstrap"));
        Assert.Equal("hello"u8.ToArray(), await ReadEntryAsync(package, "lib/a.txt"));
    }

    [Fact]
    public async Task ReadAsync_InfoZipForcedZip64_ReadsZip64Records()
    {
        Assert.SkipUnless(InfoZip.IsAvailable, "Info-ZIP zip is not installed");
        var bootstrap = Binary(70_000);
        var bytes = InfoZip.Create([new InfoZipFile("bootstrap", bootstrap, PackageBuilder.ExecutableMode), new InfoZipFile("b.txt", "b"u8.ToArray())], "-fz");
        var layout = ZipLayout.Of(bytes);
        Assert.Equal(0x07064b50u, BinaryPrimitives.ReadUInt32LittleEndian(bytes.AsSpan(layout.EndOfCentralDirectory - 20)));

        var package = await ReadAllAsync(new InMemoryRangeSource(bytes));

        Assert.Equal(2, package.EntryCount);
        Assert.Equal(bootstrap, await ReadEntryAsync(package, "bootstrap"));
    }

    [Fact]
    public async Task ReadAsync_Zip64ExtraFieldsInEveryHeader_ReadsSizesAndOffsets()
    {
        var bootstrap = Binary(3000);
        var source = new SparsePackage(forceZip64: true).AddFile("a.txt", "aaa"u8.ToArray()).AddFile("bootstrap", bootstrap, PackageBuilder.ExecutableMode).ToSource();

        var package = await ReadAllAsync(source);

        Assert.Equal(2, package.EntryCount);
        Assert.Equal(3003, package.TotalUncompressedSize);
        Assert.Equal(bootstrap, await ReadEntryAsync(package, "bootstrap"));
        Assert.Equal("aaa"u8.ToArray(), await ReadEntryAsync(package, "a.txt"));
    }

    [Fact]
    public async Task ReadAsync_BootstrapBeyondFourGiB_ReadsThroughZip64()
    {
        var bootstrap = Binary(100_000);
        var source = new RecordingRangeSource(new SparsePackage()
            .AddZeros("huge.bin", 5L << 30)
            .AddFile("bootstrap", bootstrap, PackageBuilder.ExecutableMode)
            .ToSource());

        var package = await ReadAllAsync(source);
        var content = await package.OpenEntryAsync(Entry(package, "bootstrap"), Cancel);
        var head = await ReadAsync(content, 0, 64 * 1024);

        Assert.True(Entry(package, "bootstrap").LocalHeaderOffset > uint.MaxValue);
        Assert.Equal((5L << 30) + bootstrap.Length, package.TotalUncompressedSize);
        Assert.Equal(bootstrap[..(64 * 1024)], head);
        Assert.Equal(2, source.Requests.Count);
    }

    [Fact]
    public async Task ReadAsync_200MBPackage_ReadsBootstrapHeadInTailPlusOneRequest()
    {
        var bootstrap = Binary(400_000);
        var source = new RecordingRangeSource(new SparsePackage()
            .AddFile("bootstrap", bootstrap, PackageBuilder.ExecutableMode)
            .AddZeros("node_modules/big.bin", 100_000_000)
            .AddZeros("lib/other.so", 100_000_000)
            .ToSource());

        var package = await ReadAllAsync(source);
        var content = await package.OpenEntryAsync(Entry(package, "bootstrap"), Cancel);
        var head = await ReadAsync(content, 0, 64 * 1024);
        var again = await ReadAsync(content, 100, 1000);

        Assert.Equal(bootstrap[..(64 * 1024)], head);
        Assert.Equal(bootstrap[100..1100], again);
        Assert.Equal(2, source.Requests.Count);
        Assert.True(source.BytesRead <= 512 * 1024, $"{source.BytesRead} bytes read");
    }

    [Fact]
    public async Task ReadAsync_CentralDirectoryLargerThanTail_StreamsInBoundedChunks()
    {
        var sparse = new SparsePackage();
        for (var i = 0; i < 40_000; i++)
        {
            sparse.AddFile($"node_modules/package-{i:D6}/index.js", []);
        }

        var source = new RecordingRangeSource(sparse.AddFile("bootstrap", Binary(10), PackageBuilder.ExecutableMode).ToSource());

        var package = await ZipPackage.ReadAsync(source, e => !e.Name.Contains('/', StringComparison.Ordinal), 10, Cancel);

        Assert.Equal(40_001, package.EntryCount);
        Assert.Equal("bootstrap", Assert.Single(package.KeptEntries).Name);
        Assert.All(source.Requests, r => Assert.True(r.Length <= 1024 * 1024, $"a request of {r.Length} bytes"));
        Assert.InRange(source.Requests.Count, 3, 6); // ~3.2 MB of headers: the tail plus 1 MiB chunks.
    }

    [Fact]
    public async Task ReadAsync_EntryCountModulo65536WithoutZip64_IsTolerated()
    {
        var sparse = new SparsePackage(legacyEntryCount: true);
        for (var i = 0; i < 65_540; i++)
        {
            sparse.AddFile($"f{i}", []);
        }

        var package = await ZipPackage.ReadAsync(sparse.ToSource(), _ => false, 0, Cancel);

        Assert.Equal(65_540, package.EntryCount);
        Assert.Empty(package.KeptEntries);
    }

    [Fact]
    public async Task ReadAsync_MoreSelectedThanMaxKept_KeepsFirstAndFlagsTruncation()
    {
        var builder = new PackageBuilder();
        for (var i = 0; i < 10; i++)
        {
            builder.AddFile($"f{i}", "x");
        }

        var package = await ZipPackage.ReadAsync(new InMemoryRangeSource(builder.ToArray()), _ => true, 3, Cancel);

        Assert.Equal(["f0", "f1", "f2"], package.KeptEntries.Select(e => e.Name));
        Assert.True(package.KeptEntriesTruncated);
        Assert.Equal(10, package.EntryCount);
        Assert.Equal(10, package.TotalUncompressedSize);
    }

    [Fact]
    public async Task RescanAsync_AfterRead_CostsNoRequestWhenDirectoryIsInTail()
    {
        var source = new RecordingRangeSource(new PackageBuilder().AddFile("a", "1").AddFile("dist/bootstrap", "2").ToSource());
        var package = await ZipPackage.ReadAsync(source, e => e.Name == "a", 10, Cancel);

        var rescan = await package.RescanAsync(e => e.Name.EndsWith("/bootstrap", StringComparison.Ordinal), 1, Cancel);

        Assert.Equal("dist/bootstrap", Assert.Single(rescan.KeptEntries).Name);
        Assert.Single(source.Requests);
    }

    [Fact]
    public async Task ReadAsync_PrependedStub_ShiftsOffsetsLikeInfoZip()
    {
        var bootstrap = Binary(5000);
        var zip = new PackageBuilder().AddFile("bootstrap", bootstrap, mode: PackageBuilder.ExecutableMode).AddFile("b", "b").ToArray();
        var bytes = new byte[10_000].Concat(zip).ToArray();

        var package = await ReadAllAsync(new InMemoryRangeSource(bytes));

        Assert.Equal(bootstrap, await ReadEntryAsync(package, "bootstrap"));
        Assert.Equal("b"u8.ToArray(), await ReadEntryAsync(package, "b"));
    }

    [Fact]
    public async Task ReadAsync_LongestComment_FindsEndRecord()
    {
        var bytes = new PackageBuilder().AddFile("bootstrap", Binary(300), mode: PackageBuilder.ExecutableMode).WithComment(new string('#', 65_535)).ToArray();
        var source = new RecordingRangeSource(new InMemoryRangeSource(bytes));

        var package = await ReadAllAsync(source);

        Assert.Equal(Binary(300), await ReadEntryAsync(package, "bootstrap"));
        Assert.True(source.Requests[0].IsTail);
    }

    [Fact]
    public async Task ReadAsync_Names_DecodeUtf8WhenFlaggedElseLatin1()
    {
        var bytes = new PackageBuilder().AddFile("café/bootstrap", "x").ToArray();
        var package = await ReadAllAsync(new InMemoryRangeSource(bytes));
        Assert.Equal("café/bootstrap", Assert.Single(package.KeptEntries).Name);

        var header = ZipLayout.Of(bytes).CentralDirectoryHeaders[0];
        bytes[header + 9] &= unchecked((byte)~(1 << 3)); // Clear flag bit 11 (bit 3 of the flags' high byte).
        package = await ReadAllAsync(new InMemoryRangeSource(bytes));
        Assert.Equal(Encoding.Latin1.GetString(Encoding.UTF8.GetBytes("café/bootstrap")), Assert.Single(package.KeptEntries).Name);
    }

    [Fact]
    public async Task ReadAsync_EncryptedAndUnsupportedEntries_AreReportedAndRefusedOnOpen()
    {
        var bytes = new PackageBuilder().AddFile("ok", "1").AddFile("secret", "2").AddFile("lzma", "3").AddFile("secret2", "4").ToArray();
        var headers = ZipLayout.Of(bytes).CentralDirectoryHeaders;
        bytes[headers[1] + 8] |= 1;
        bytes[headers[3] + 8] |= 1;
        BinaryPrimitives.WriteUInt16LittleEndian(bytes.AsSpan(headers[2] + 10), 14);

        var package = await ReadAllAsync(new InMemoryRangeSource(bytes));

        Assert.Equal("secret", package.FirstEncryptedEntry?.Name);
        Assert.Equal("lzma", package.FirstUnsupportedCompressionEntry?.Name);
        await Assert.ThrowsAsync<InvalidZipException>(() => package.OpenEntryAsync(Entry(package, "secret"), Cancel));
        await Assert.ThrowsAsync<InvalidZipException>(() => package.OpenEntryAsync(Entry(package, "lzma"), Cancel));
        Assert.Equal("1"u8.ToArray(), await ReadEntryAsync(package, "ok"));
    }

    [Fact]
    public async Task ReadAsync_SizesNearLongMax_SaturateTotal()
    {
        var bytes = new SparsePackage(forceZip64: true).AddFile("a", "a"u8.ToArray()).AddFile("b", "b"u8.ToArray()).ToSource().ToArray();
        var layout = ZipLayout.Of(bytes);
        var directoryStart = BinaryPrimitives.ReadInt64LittleEndian(bytes.AsSpan(layout.EndOfCentralDirectory - 20 - 56 + 48));
        var at = (int)directoryStart;
        for (var i = 0; i < 2; i++)
        {
            // Uncompressed size is the first value of the zip64 extra field, right after the one-byte name.
            BinaryPrimitives.WriteInt64LittleEndian(bytes.AsSpan(at + 46 + 1 + 4), long.MaxValue - 1);
            at += 46 + 1 + 28;
        }

        var package = await ReadAllAsync(new InMemoryRangeSource(bytes));

        Assert.Equal(long.MaxValue, package.TotalUncompressedSize);
        Assert.Equal(long.MaxValue - 1, Entry(package, "a").UncompressedSize);
    }

    [Fact]
    public async Task ReadAsync_EmptyArchive_HasNoEntries()
    {
        var source = new RecordingRangeSource(new PackageBuilder().ToSource());

        var package = await ReadAllAsync(source);

        Assert.Equal(0, package.EntryCount);
        Assert.Empty(package.KeptEntries);
        Assert.Single(source.Requests);
    }
}
