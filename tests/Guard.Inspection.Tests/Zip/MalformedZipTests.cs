using System.Buffers.Binary;
using System.Diagnostics;
using CsCheck;
using Guard.Inspection.Reading;
using Guard.Inspection.Zip;
using Guard.Testing;
using static Guard.Inspection.Tests.Zip.ZipTestData;

namespace Guard.Inspection.Tests.Zip;

/// <summary>Malformed inputs, made by patching bytes of valid archives.</summary>
public sealed class MalformedZipTests
{
    private const int EocdEntryCount = 10;
    private const int EocdDirectorySize = 12;
    private const int EocdDirectoryOffset = 16;

    private static CancellationToken Cancel => TestContext.Current.CancellationToken;

    private static byte[] Valid() => new PackageBuilder()
        .AddFile("bootstrap", Binary(3000), mode: PackageBuilder.ExecutableMode)
        .AddFile("lib/data.txt", "some text to store", stored: true)
        .AddDirectory("lib")
        .ToArray();

    /// <summary>Reads the package and every entry's content to its end; the whole path a check can take.</summary>
    private static async Task ExerciseAsync(IRangeSource source, long farOffset = 10_000_000)
    {
        var package = await ZipPackage.ReadAsync(source, _ => true, 100, Cancel);
        foreach (var entry in package.KeptEntries)
        {
            var content = await package.OpenEntryAsync(entry, Cancel);
            var buffer = new byte[64 * 1024];
            await content.ReadAtAsync(0, buffer, Cancel);
            await content.ReadAtAsync(Math.Min(farOffset, Math.Max(0, content.Length - 10)), buffer.AsMemory(0, 10), Cancel);
        }
    }

    [Fact]
    public async Task ReadAsync_TruncatedAtAnyOffset_ThrowsInvalidZip()
    {
        var bytes = Valid();
        for (var length = 0; length < bytes.Length; length++)
        {
            await Assert.ThrowsAsync<InvalidZipException>(() => ExerciseAsync(new InMemoryRangeSource(bytes.AsMemory(0, length))));
        }
    }

    [Fact]
    public async Task ReadAsync_NotAZip_ThrowsInvalidZip()
    {
        var error = await Assert.ThrowsAsync<InvalidZipException>(() => ExerciseAsync(new InMemoryRangeSource("#!/bin/sh\necho 'a shell script uploaded where the zip should be'\nexit 0\n"u8.ToArray())));
        Assert.Contains("end of central directory", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task ReadAsync_DirectoryOffsetPastEnd_SaysWhere()
    {
        var bytes = Valid();
        BinaryPrimitives.WriteUInt32LittleEndian(bytes.AsSpan(ZipLayout.Of(bytes).EndOfCentralDirectory + EocdDirectoryOffset), 1_000_000);

        var error = await Assert.ThrowsAsync<InvalidZipException>(() => ExerciseAsync(new InMemoryRangeSource(bytes)));

        Assert.Equal($"central directory offset 1000000 lies past the end of the {bytes.Length}-byte file", error.Message);
    }

    [Theory]
    [InlineData(EocdDirectoryOffset, 1)]
    [InlineData(EocdDirectoryOffset, 7)]
    [InlineData(EocdDirectoryOffset, -1)] // Read as one prepended byte, as Info-ZIP would: then no local header fits.
    [InlineData(EocdDirectoryOffset, -46)]
    [InlineData(EocdDirectorySize, 1)]
    [InlineData(EocdDirectorySize, -1)]
    [InlineData(EocdDirectorySize, -10_000)]
    [InlineData(EocdDirectorySize, 0x7FFF_FFFF)]
    public async Task ReadAsync_PatchedDirectoryLocation_ThrowsInvalidZip(int field, int delta)
    {
        var bytes = Valid();
        var at = ZipLayout.Of(bytes).EndOfCentralDirectory + field;
        BinaryPrimitives.WriteUInt32LittleEndian(bytes.AsSpan(at), unchecked((uint)(BinaryPrimitives.ReadUInt32LittleEndian(bytes.AsSpan(at)) + delta)));

        await Assert.ThrowsAsync<InvalidZipException>(() => ExerciseAsync(new InMemoryRangeSource(bytes)));
    }

    [Theory]
    [InlineData(1)]
    [InlineData(-1)]
    [InlineData(100)]
    public async Task ReadAsync_PatchedEntryCount_ThrowsInvalidZip(int delta)
    {
        var bytes = Valid();
        var at = ZipLayout.Of(bytes).EndOfCentralDirectory + EocdEntryCount;
        BinaryPrimitives.WriteUInt16LittleEndian(bytes.AsSpan(at), (ushort)(BinaryPrimitives.ReadUInt16LittleEndian(bytes.AsSpan(at)) + delta));

        var error = await Assert.ThrowsAsync<InvalidZipException>(() => ExerciseAsync(new InMemoryRangeSource(bytes)));

        Assert.Contains("entries", error.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(0, 0x00)]   // Local header signature.
    [InlineData(26, 0xFF)]  // Name length: the data would start past the central directory.
    [InlineData(27, 0xFF)]
    [InlineData(29, 0xFF)]  // Extra field length.
    public async Task OpenEntryAsync_PatchedLocalHeader_ThrowsInvalidZip(int field, byte value)
    {
        var bytes = Valid();
        bytes[ZipLayout.Of(bytes).LocalHeaders[0] + field] = value;
        var package = await ReadAllAsync(new InMemoryRangeSource(bytes));

        await Assert.ThrowsAsync<InvalidZipException>(() => ExerciseAsync(new InMemoryRangeSource(bytes)));
        await Assert.ThrowsAsync<InvalidZipException>(() => package.OpenEntryAsync(Entry(package, "bootstrap"), Cancel));
    }

    [Theory]
    [InlineData(20, 0x7FFF_FFFFu)] // Compressed size past the central directory.
    [InlineData(42, 0x0100_0000u)] // Local header offset past the file.
    [InlineData(42, 0xFFFF_FFFFu)] // Saturated offset without a zip64 extra field.
    [InlineData(0, 0x12345678u)]   // Not a central directory header.
    public async Task ReadAsync_PatchedCentralHeader_ThrowsInvalidZip(int field, uint value)
    {
        var bytes = Valid();
        BinaryPrimitives.WriteUInt32LittleEndian(bytes.AsSpan(ZipLayout.Of(bytes).CentralDirectoryHeaders[1] + field), value);

        await Assert.ThrowsAsync<InvalidZipException>(() => ExerciseAsync(new InMemoryRangeSource(bytes)));
    }

    [Fact]
    public async Task ReadAsync_Zip64LocatorPointingAstray_ThrowsInvalidZip()
    {
        var bytes = new SparsePackage(forceZip64: true).AddFile("bootstrap", Binary(100)).ToSource().ToArray();
        var locator = ZipLayout.Of(bytes).EndOfCentralDirectory - 20;
        BinaryPrimitives.WriteInt64LittleEndian(bytes.AsSpan(locator + 8), 3);

        await Assert.ThrowsAsync<InvalidZipException>(() => ExerciseAsync(new InMemoryRangeSource(bytes)));
    }

    [Theory]
    [InlineData(32, -1L)]            // Declared entry count.
    [InlineData(32, 2L)]
    [InlineData(40, 1_000_000L)]     // Directory size.
    [InlineData(48, long.MaxValue)]  // Directory offset.
    [InlineData(4, 2L)]              // Record size too small.
    public async Task ReadAsync_PatchedZip64Record_ThrowsInvalidZip(int field, long value)
    {
        var bytes = new SparsePackage(forceZip64: true).AddFile("bootstrap", Binary(100)).ToSource().ToArray();
        var record = ZipLayout.Of(bytes).EndOfCentralDirectory - 20 - 56;
        BinaryPrimitives.WriteInt64LittleEndian(bytes.AsSpan(record + field), value);

        await Assert.ThrowsAsync<InvalidZipException>(() => ExerciseAsync(new InMemoryRangeSource(bytes)));
    }

    /// <summary>
    /// Random overwrites, truncations and insertions over real packages (System.IO.Compression, Info-ZIP,
    /// zip64, stored, a long comment): only InvalidZipException escapes, each input finishes quickly, and no
    /// request asks for more than a few MiB.
    /// </summary>
    [Fact]
    public async Task ReadAsync_MutatedPackages_OnlyInvalidZipEscapesWithBoundedRequests()
    {
        var seeds = new List<byte[]>
        {
            Valid(),
            new PackageBuilder().AddFile("bootstrap", Binary(150_000), mode: PackageBuilder.ExecutableMode, stored: true).AddSymlink("run", "bootstrap").ToArray(),
            new PackageBuilder().AddFile("bootstrap", "#!/bin/sh\necho hi\n", mode: PackageBuilder.ExecutableMode).WithComment("built by ci").ToArray(),
            new SparsePackage(forceZip64: true).AddFile("a", Binary(500)).AddFile("bootstrap", Binary(2000)).ToSource().ToArray(),
        };
        if (InfoZip.IsAvailable)
        {
            seeds.Add(InfoZip.Create([new InfoZipFile("bootstrap", Binary(40_000), PackageBuilder.ExecutableMode), new InfoZipFile("x/y.txt", "y"u8.ToArray())]));
            seeds.Add(InfoZip.Create([new InfoZipFile("bootstrap", Binary(5000), PackageBuilder.ExecutableMode)], "-fz"));
        }

        var mutation = Gen.OneOf<Func<byte[], byte[]>>(
            Gen.Select(Gen.Int[0, int.MaxValue], Gen.Byte, (at, value) => (Func<byte[], byte[]>)(b => Overwrite(b, at, value))),
            Gen.Select(Gen.Int[0, 200], Gen.Byte, (fromEnd, value) => (Func<byte[], byte[]>)(b => Overwrite(b, b.Length - 1 - fromEnd, value))),
            Gen.Select(Gen.Int[0, 200], Gen.UInt, (fromEnd, value) => (Func<byte[], byte[]>)(b => OverwriteWord(b, b.Length - 1 - fromEnd, value))),
            Gen.Int[0, int.MaxValue].Select(at => (Func<byte[], byte[]>)(b => b.Length == 0 ? b : b[..(at % b.Length)])),
            Gen.Select(Gen.Int[0, int.MaxValue], Gen.Byte.Array[1, 64], (at, inserted) => (Func<byte[], byte[]>)(b => Insert(b, at, inserted))));
        var input = Gen.Select(Gen.Int[0, seeds.Count - 1], mutation.Array[1, 6], (seed, steps) => steps.Aggregate(seeds[seed], (bytes, step) => step(bytes)));

        var slowest = TimeSpan.Zero;
        var largestRequest = 0;
        await input.SampleAsync(async bytes =>
        {
            var source = new RecordingRangeSource(new InMemoryRangeSource(bytes));
            var clock = Stopwatch.StartNew();
            try
            {
                await ExerciseAsync(source, farOffset: 2_000_000);
            }
            catch (InvalidZipException)
            {
            }

            clock.Stop();
            var largest = source.Requests.Count == 0 ? 0 : source.Requests.Max(r => r.Length);
            Assert.True(clock.Elapsed < TimeSpan.FromSeconds(2), $"took {clock.Elapsed}");
            Assert.True(largest <= 4 * 1024 * 1024, $"a request of {largest} bytes");
            lock (seeds)
            {
                slowest = clock.Elapsed > slowest ? clock.Elapsed : slowest;
                largestRequest = Math.Max(largestRequest, largest);
            }
        }, iter: 5_000, threads: 4);

        Assert.True(largestRequest <= 4 * 1024 * 1024);
    }

    private static byte[] Overwrite(byte[] bytes, int at, byte value)
    {
        if (bytes.Length == 0)
        {
            return bytes;
        }

        var copy = (byte[])bytes.Clone();
        copy[(int)((uint)at % (uint)copy.Length)] = value;
        return copy;
    }

    private static byte[] OverwriteWord(byte[] bytes, int at, uint value)
    {
        if (bytes.Length < 4)
        {
            return bytes;
        }

        var copy = (byte[])bytes.Clone();
        BinaryPrimitives.WriteUInt32LittleEndian(copy.AsSpan((int)((uint)at % (uint)(copy.Length - 3))), value);
        return copy;
    }

    private static byte[] Insert(byte[] bytes, int at, byte[] inserted)
    {
        var position = bytes.Length == 0 ? 0 : at % (bytes.Length + 1);
        return [.. bytes.AsSpan(0, position), .. inserted, .. bytes.AsSpan(position)];
    }
}
