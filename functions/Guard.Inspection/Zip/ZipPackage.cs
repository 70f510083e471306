// Implements, from PKWARE's APPNOTE.TXT 6.3.10: 4.3.6 (overall layout), 4.3.7 (local file header),
// 4.3.12 (central directory header), 4.3.13 (digital signature, skipped), 4.3.14 (zip64 end of central
// directory record), 4.3.15 (zip64 locator), 4.3.16 (end of central directory record), 4.4.2 (version made
// by), 4.4.4 (flags: bit 0 encrypted, bit 11 UTF-8 names), 4.4.5 (methods 0 and 8), 4.5.3 (zip64 extra field)
// and Appendix D (name encoding).
// Not System.IO.Compression.ZipArchive: it hides "version made by" (needed to know whether a Unix mode is
// recorded) and the compression method, and it materialises every entry of the central directory.
using System.Buffers.Binary;
using System.Text;
using Guard.Inspection.Reading;

namespace Guard.Inspection.Zip;

/// <summary>
/// A zip package read through its central directory only. Keeps the entries the caller selected (bounded),
/// plus totals over all of them, so memory stays flat whatever the package holds.
/// Reads go through one block-cached reader per package; not safe for concurrent use.
/// </summary>
public sealed partial class ZipPackage
{
    /// <summary>
    /// The first request: the EOCD with the longest comment the format allows, plus the zip64 locator and
    /// record that precede it, so finding the central directory never takes a second round trip.
    /// </summary>
    internal const int TailReadLength =
        EndOfCentralDirectory.FixedSize + EndOfCentralDirectory.MaxCommentLength +
        Zip64EndOfCentralDirectoryLocator.FixedSize + Zip64EndOfCentralDirectory.FixedSize;

    /// <summary>Central directories beyond the tail are streamed in chunks of this size, never held whole.</summary>
    internal const int CentralDirectoryChunkLength = BlockCachedReader.MaxRequestLength;

    /// <summary>
    /// What OpenEntryAsync fetches beyond the local header, so the analyzer's first 64 KiB read is free. The
    /// slack covers incompressible content, which deflate stores in blocks of at most 65,535 bytes plus a
    /// 5-byte header: 64 KiB of output can need slightly more than 64 KiB of input.
    /// </summary>
    internal const int FirstDataLength = (64 * 1024) + 1024;

    /// <summary>Room left for a local extra field (timestamps, uid/gid: usually under 40 bytes).</summary>
    private const int LocalExtraAllowance = 512;

    private const ushort Utf8NameFlag = 1 << 11;

    private static readonly Encoding Utf8 = new UTF8Encoding(encoderShouldEmitUTF8Identifier: false, throwOnInvalidBytes: false);

    private readonly BlockCachedReader _reader;
    private readonly CentralDirectoryLocation _location;

    private ZipPackage(BlockCachedReader reader, CentralDirectoryLocation location)
    {
        _reader = reader;
        _location = location;
    }

    /// <summary>Number of entries in the central directory.</summary>
    public long EntryCount { get; init; }

    /// <summary>Sum of the recorded uncompressed sizes of all entries (saturating, never overflows).</summary>
    public long TotalUncompressedSize { get; init; }

    /// <summary>The entries <c>keep</c> selected, in central directory order, at most <c>maxKept</c>.</summary>
    public required IReadOnlyList<CentralDirectoryEntry> KeptEntries { get; init; }

    /// <summary>True when more entries matched <c>keep</c> than <c>maxKept</c> allowed.</summary>
    public bool KeptEntriesTruncated { get; init; }

    /// <summary>The first encrypted entry, if any (Lambda cannot extract it).</summary>
    public CentralDirectoryEntry? FirstEncryptedEntry { get; init; }

    /// <summary>The first entry compressed with a method other than stored or deflate, if any.</summary>
    public CentralDirectoryEntry? FirstUnsupportedCompressionEntry { get; init; }

    /// <summary>The package's length in bytes, learnt from the tail read.</summary>
    public long Length => _reader.Length;

    /// <summary>
    /// Reads the end of central directory record (and the zip64 locator and record) from one tail read, then
    /// streams the whole central directory, calling <paramref name="keep"/> for every entry and keeping at most
    /// <paramref name="maxKept"/> of those it selects.
    /// </summary>
    /// <exception cref="InvalidZipException">The records are unreadable or contradict each other.</exception>
    public static async Task<ZipPackage> ReadAsync(
        IRangeSource source, Func<CentralDirectoryEntry, bool> keep, int maxKept, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(source);
        ArgumentNullException.ThrowIfNull(keep);
        ArgumentOutOfRangeException.ThrowIfNegative(maxKept);

        var reader = await BlockCachedReader.OpenAsync(source, TailReadLength, cancellationToken).ConfigureAwait(false);
        var location = await LocateCentralDirectoryAsync(reader, cancellationToken).ConfigureAwait(false);
        return await ScanAsync(reader, location, keep, maxKept, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>
    /// Streams the central directory again with another selection, reusing the tail and blocks already read
    /// (no new tail request; a central directory inside the tail costs nothing).
    /// </summary>
    public Task<ZipPackage> RescanAsync(Func<CentralDirectoryEntry, bool> keep, int maxKept, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(keep);
        ArgumentOutOfRangeException.ThrowIfNegative(maxKept);
        return ScanAsync(_reader, _location, keep, maxKept, cancellationToken);
    }

    /// <summary>
    /// Random access to one entry's uncompressed content (stored or deflate); dispose it when done. A stored entry's local
    /// header and first 64 KiB come in one request, later ranges in small ranged reads; a deflated entry is one streamed
    /// request from its local header, read as far as it is inflated (none when it lies in the tail already read).
    /// </summary>
    /// <exception cref="InvalidZipException">
    /// The local header is missing or inconsistent, the entry is encrypted, or its compression is unsupported.
    /// </exception>
    public async Task<IEntryContent> OpenEntryAsync(CentralDirectoryEntry entry, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(entry);
        if (entry.IsEncrypted)
        {
            throw new InvalidZipException($"'{entry.Name}' is encrypted");
        }

        if (!entry.HasSupportedCompression)
        {
            throw new InvalidZipException($"'{entry.Name}' uses compression method {entry.CompressionMethod}; only stored (0) and deflate (8) can be read");
        }

        var directoryStart = _location.Start;
        var headerOffset = entry.LocalHeaderOffset;
        if (headerOffset < 0 || entry.CompressedSize < 0 || entry.UncompressedSize < 0 || headerOffset > directoryStart - LocalFileHeader.FixedSize)
        {
            throw new InvalidZipException($"the local header of '{entry.Name}' at offset {headerOffset} lies outside the {directoryStart} bytes before the central directory");
        }

        if (entry.CompressionMethod != CentralDirectoryEntry.Stored)
        {
            return await OpenDeflatedAsync(entry, headerOffset, directoryStart, cancellationToken).ConfigureAwait(false);
        }

        var window = LocalFileHeader.FixedSize + Math.Min(entry.Name.Length * 3, ushort.MaxValue) + LocalExtraAllowance + (int)Math.Min(entry.CompressedSize, FirstDataLength);
        await _reader.PrefetchAsync(headerOffset, window, cancellationToken).ConfigureAwait(false);

        var fixedPart = new byte[LocalFileHeader.FixedSize];
        var read = await _reader.ReadAsync(headerOffset, fixedPart, cancellationToken).ConfigureAwait(false);
        var dataStart = DataStart(entry, headerOffset, directoryStart, fixedPart.AsSpan(0, read));
        {
            if (entry.CompressedSize != entry.UncompressedSize)
            {
                throw new InvalidZipException($"stored entry '{entry.Name}' records {entry.CompressedSize} bytes but {entry.UncompressedSize} uncompressed");
            }

            return new StoredEntryContent(_reader, entry.Name, dataStart, entry.UncompressedSize);
        }
    }

    /// <summary>
    /// A deflated entry is read as one stream from its local header on: the header, then the compressed data as far as
    /// the analysis inflates it, in one request (none for what the tail or an earlier read holds).
    /// </summary>
    private async Task<IEntryContent> OpenDeflatedAsync(CentralDirectoryEntry entry, long headerOffset, long directoryStart, CancellationToken cancellationToken)
    {
        // The range asked for ends where the data should: the local name is the central one, and a local extra field
        // longer than the allowance only moves the end out, which the stream then asks for separately. Asking for the
        // 128 KiB the two fields could take at most would have the server send that much past the entry.
        var expected = LocalFileHeader.FixedSize + Utf8.GetByteCount(entry.Name) + LocalExtraAllowance + entry.CompressedSize;
        var stream = _reader.OpenForward(headerOffset, Math.Min(expected, directoryStart - headerOffset));
        try
        {
            var fixedPart = new byte[LocalFileHeader.FixedSize];
            var read = await stream.ReadAtLeastAsync(fixedPart, fixedPart.Length, throwOnEndOfStream: false, cancellationToken).ConfigureAwait(false);
            var dataStart = DataStart(entry, headerOffset, directoryStart, fixedPart.AsSpan(0, read));
            var skip = new byte[(int)(dataStart - headerOffset - LocalFileHeader.FixedSize)];
            if (await stream.ReadAtLeastAsync(skip, skip.Length, throwOnEndOfStream: false, cancellationToken).ConfigureAwait(false) < skip.Length)
            {
                throw new InvalidZipException($"the local header of '{entry.Name}' at offset {headerOffset} is cut short");
            }

            stream.EndAt(dataStart + entry.CompressedSize);
            return new DeflateEntryContent(stream, entry.Name, entry.UncompressedSize);
        }
        catch
        {
            await stream.DisposeAsync().ConfigureAwait(false);
            throw;
        }
    }

    /// <summary>Where the entry's data starts, from its local header (4.3.7); throws when the header is missing or the data cannot fit.</summary>
    private static long DataStart(CentralDirectoryEntry entry, long headerOffset, long directoryStart, ReadOnlySpan<byte> fixedPart)
    {
        if (fixedPart.Length < LocalFileHeader.FixedSize || BinaryPrimitives.ReadUInt32LittleEndian(fixedPart) != LocalFileHeader.LocalHeaderSignature)
        {
            throw new InvalidZipException($"no local header for '{entry.Name}' at offset {headerOffset}");
        }

        var local = LocalFileHeader.Parse(fixedPart);
        var dataStart = headerOffset + LocalFileHeader.FixedSize + local.NameLength + local.ExtraLength;
        if (dataStart > directoryStart || entry.CompressedSize > directoryStart - dataStart)
        {
            throw new InvalidZipException(
                $"the {entry.CompressedSize} bytes of '{entry.Name}' at offset {dataStart} run past the central directory at offset {directoryStart}");
        }

        return dataStart;
    }

    private static async Task<CentralDirectoryLocation> LocateCentralDirectoryAsync(BlockCachedReader reader, CancellationToken cancellationToken)
    {
        if (reader.Length < EndOfCentralDirectory.FixedSize)
        {
            throw new InvalidZipException($"the file is {reader.Length} bytes, too short for a zip (the smallest, an empty one, is 22)");
        }

        var eocdIndex = FindEndOfCentralDirectory(reader.Tail);
        if (eocdIndex < 0)
        {
            throw new InvalidZipException("no end of central directory record: not a zip file, or truncated");
        }

        var eocdOffset = reader.TailStart + eocdIndex;
        var eocd = EndOfCentralDirectory.Parse(reader.Tail[eocdIndex..]);

        // The locator sits right before the EOCD; the tail always holds it when the file is that long.
        var locatorIndex = eocdIndex - Zip64EndOfCentralDirectoryLocator.FixedSize;
        if (locatorIndex >= 0 && BinaryPrimitives.ReadUInt32LittleEndian(reader.Tail[locatorIndex..]) == Zip64EndOfCentralDirectoryLocator.LocatorSignature)
        {
            var locator = Zip64EndOfCentralDirectoryLocator.Parse(reader.Tail[locatorIndex..]);
            return await LocateZip64Async(reader, locator, reader.TailStart + locatorIndex, cancellationToken).ConfigureAwait(false);
        }

        if (eocd.DiskNumber != 0 || eocd.CentralDirectoryDisk != 0)
        {
            throw new InvalidZipException($"a split archive (this is disk {eocd.DiskNumber}); Lambda needs a single-file zip");
        }

        var location = Validate(reader.Length, eocd.CentralDirectoryOffset, eocd.CentralDirectorySize, eocdOffset, "end of central directory record");

        // Self-extracting stubs and `cat stub archive.zip` leave every offset short by the prepended length;
        // like Info-ZIP's unzip ("extra bytes at beginning"), read the directory where it really ends and shift.
        var prepended = eocdOffset - (location.Start + location.Size);
        return location with { Start = location.Start + prepended, Shift = prepended, DeclaredCount = eocd.EntryCount };
    }

    private static async Task<CentralDirectoryLocation> LocateZip64Async(
        BlockCachedReader reader, Zip64EndOfCentralDirectoryLocator locator, long locatorOffset, CancellationToken cancellationToken)
    {
        if (locator.Zip64RecordDisk != 0 || locator.TotalDisks > 1)
        {
            throw new InvalidZipException($"a split archive ({locator.TotalDisks} disks); Lambda needs a single-file zip");
        }

        if (locatorOffset < Zip64EndOfCentralDirectory.FixedSize || locator.Zip64RecordOffset > (ulong)(locatorOffset - Zip64EndOfCentralDirectory.FixedSize))
        {
            throw new InvalidZipException($"the zip64 end record offset {locator.Zip64RecordOffset} does not leave room before its locator at offset {locatorOffset}");
        }

        var recordOffset = (long)locator.Zip64RecordOffset;
        var record = new byte[Zip64EndOfCentralDirectory.FixedSize];
        var read = await reader.ReadAsync(recordOffset, record, cancellationToken).ConfigureAwait(false);
        if (read < record.Length || BinaryPrimitives.ReadUInt32LittleEndian(record) != Zip64EndOfCentralDirectory.Zip64EocdSignature)
        {
            throw new InvalidZipException($"no zip64 end of central directory record at offset {recordOffset}, where its locator points");
        }

        var zip64 = Zip64EndOfCentralDirectory.Parse(record);
        if (zip64.RecordSize < Zip64EndOfCentralDirectory.MinRecordSize || zip64.RecordSize > (ulong)(locatorOffset - recordOffset - 12))
        {
            throw new InvalidZipException($"the zip64 end record at offset {recordOffset} declares a size of {zip64.RecordSize} bytes that does not fit before its locator");
        }

        if (zip64.DiskNumber != 0 || zip64.CentralDirectoryDisk != 0)
        {
            throw new InvalidZipException($"a split archive (this is disk {zip64.DiskNumber}); Lambda needs a single-file zip");
        }

        if (zip64.EntryCount > long.MaxValue)
        {
            throw new InvalidZipException($"the zip64 end record declares {zip64.EntryCount} entries");
        }

        var location = Validate(reader.Length, zip64.CentralDirectoryOffset, zip64.CentralDirectorySize, recordOffset, "zip64 end of central directory record");
        if (location.Start + location.Size != recordOffset)
        {
            throw new InvalidZipException(
                $"the central directory ends at offset {location.Start + location.Size} but the zip64 end record is at offset {recordOffset}");
        }

        return location with { DeclaredCount = (long)zip64.EntryCount, IsZip64 = true };
    }

    /// <summary>The directory must lie inside the file and end no later than the record that describes it.</summary>
    private static CentralDirectoryLocation Validate(long fileLength, ulong offset, ulong size, long recordOffset, string recordName)
    {
        if (offset >= (ulong)fileLength)
        {
            throw new InvalidZipException($"central directory offset {offset} lies past the end of the {fileLength}-byte file");
        }

        if (offset > (ulong)recordOffset || size > (ulong)recordOffset - offset)
        {
            throw new InvalidZipException(
                $"the central directory ({size} bytes at offset {offset}) overlaps the {recordName} at offset {recordOffset}");
        }

        return new CentralDirectoryLocation((long)offset, (long)size, DeclaredCount: 0, Shift: 0, IsZip64: false);
    }

    /// <summary>
    /// The EOCD closest to the end whose comment fits in the file; searching back at most the longest comment,
    /// so the scan is bounded by the tail.
    /// </summary>
    private static int FindEndOfCentralDirectory(ReadOnlySpan<byte> tail)
    {
        var lowest = Math.Max(0, tail.Length - EndOfCentralDirectory.FixedSize - EndOfCentralDirectory.MaxCommentLength);
        for (var i = tail.Length - EndOfCentralDirectory.FixedSize; i >= lowest; i--)
        {
            if (BinaryPrimitives.ReadUInt32LittleEndian(tail[i..]) == EndOfCentralDirectory.EocdSignature &&
                BinaryPrimitives.ReadUInt16LittleEndian(tail[(i + 20)..]) <= tail.Length - i - EndOfCentralDirectory.FixedSize)
            {
                return i;
            }
        }

        return -1;
    }

    private static async Task<ZipPackage> ScanAsync(
        BlockCachedReader reader, CentralDirectoryLocation location, Func<CentralDirectoryEntry, bool> keep, int maxKept, CancellationToken cancellationToken)
    {
        var scan = new CentralDirectoryScan(location, keep, maxKept);
        if (location.Start >= reader.TailStart)
        {
            scan.Parse(reader.Tail.Slice((int)(location.Start - reader.TailStart), (int)location.Size), location.Start, isLast: true);
        }
        else
        {
            await StreamAsync(reader, location, scan, cancellationToken).ConfigureAwait(false);
        }

        return scan.Finish(reader, location);
    }

    /// <summary>Reads the directory in chunks; a header straddling two chunks is carried over to the next.</summary>
    private static async Task StreamAsync(BlockCachedReader reader, CentralDirectoryLocation location, CentralDirectoryScan scan, CancellationToken cancellationToken)
    {
        var end = location.Start + location.Size;
        var buffer = new byte[(int)Math.Min(location.Size, CentralDirectoryChunkLength)];
        var bufferStart = location.Start;
        var filled = 0;
        while (true)
        {
            var wanted = (int)Math.Min(buffer.Length - filled, end - (bufferStart + filled));
            var read = await reader.ReadAsync(bufferStart + filled, buffer.AsMemory(filled, wanted), cancellationToken).ConfigureAwait(false);
            if (read < wanted)
            {
                throw new InvalidZipException($"the central directory is cut short at offset {bufferStart + filled + read}");
            }

            filled += read;
            var isLast = bufferStart + filled == end;
            var consumed = scan.Parse(buffer.AsSpan(0, filled), bufferStart, isLast);
            if (isLast)
            {
                return;
            }

            // A chunk always holds a whole header (MaxSize < chunk), so this only guards against a stall.
            if (consumed == 0)
            {
                throw new InvalidZipException($"a central directory header at offset {bufferStart} is larger than the format allows");
            }

            buffer.AsSpan(consumed, filled - consumed).CopyTo(buffer);
            bufferStart += consumed;
            filled -= consumed;
        }
    }

    /// <param name="Start">Where the directory really begins (after any shift for prepended data).</param>
    /// <param name="Shift">Bytes prepended to the archive, added to every local header offset.</param>
    private readonly record struct CentralDirectoryLocation(long Start, long Size, long DeclaredCount, long Shift, bool IsZip64);

    /// <summary>Totals and selections over the entries, fed one parsed span at a time.</summary>
    private sealed class CentralDirectoryScan(CentralDirectoryLocation location, Func<CentralDirectoryEntry, bool> keep, int maxKept)
    {
        private readonly List<CentralDirectoryEntry> _kept = [];
        private long _count;
        private long _totalUncompressed;
        private bool _truncated;
        private CentralDirectoryEntry? _firstEncrypted;
        private CentralDirectoryEntry? _firstUnsupported;

        /// <summary>Parses the whole headers in <paramref name="span"/>; returns how many bytes they took.</summary>
        public int Parse(ReadOnlySpan<byte> span, long spanOffset, bool isLast)
        {
            var consumed = 0;
            while (consumed < span.Length)
            {
                var rest = span[consumed..];
                var recordOffset = spanOffset + consumed;
                if (rest.Length < 4)
                {
                    return isLast ? throw Truncated(recordOffset) : consumed;
                }

                var signature = BinaryPrimitives.ReadUInt32LittleEndian(rest);
                int size;
                if (signature == CentralDirectoryHeader.CentralHeaderSignature)
                {
                    if (rest.Length < CentralDirectoryHeader.FixedSize)
                    {
                        return isLast ? throw Truncated(recordOffset) : consumed;
                    }

                    var header = CentralDirectoryHeader.Parse(rest);
                    size = header.TotalSize;
                    if (rest.Length < size)
                    {
                        return isLast ? throw Truncated(recordOffset) : consumed;
                    }

                    Add(header, rest[..size], recordOffset);
                }
                else if (signature == DigitalSignature.DigitalSignatureSignature)
                {
                    size = rest.Length < DigitalSignature.FixedSize ? int.MaxValue : DigitalSignature.FixedSize + DigitalSignature.Parse(rest).DataLength;
                    if (rest.Length < size)
                    {
                        return isLast ? throw Truncated(recordOffset) : consumed;
                    }
                }
                else
                {
                    throw new InvalidZipException($"no central directory header at offset {recordOffset} (entry {_count + 1})");
                }

                consumed += size;
            }

            return consumed;
        }

        public ZipPackage Finish(BlockCachedReader reader, CentralDirectoryLocation location)
        {
            // Tools without zip64 wrote the count modulo 65536 into the 16-bit EOCD field; accept exactly that.
            var countMatches = _count == location.DeclaredCount || (!location.IsZip64 && _count % 65536 == location.DeclaredCount);
            if (!countMatches)
            {
                throw new InvalidZipException($"the end record declares {location.DeclaredCount} entries but the central directory holds {_count}");
            }

            return new ZipPackage(reader, location)
            {
                EntryCount = _count,
                TotalUncompressedSize = _totalUncompressed,
                KeptEntries = _kept,
                KeptEntriesTruncated = _truncated,
                FirstEncryptedEntry = _firstEncrypted,
                FirstUnsupportedCompressionEntry = _firstUnsupported,
            };
        }

        private static InvalidZipException Truncated(long offset) =>
            new($"a central directory header at offset {offset} runs past the end of the central directory");

        private void Add(CentralDirectoryHeader header, ReadOnlySpan<byte> record, long recordOffset)
        {
            var nameBytes = record.Slice(CentralDirectoryHeader.FixedSize, header.NameLength);
            var extraField = record.Slice(CentralDirectoryHeader.FixedSize + header.NameLength, header.ExtraLength);

            // APPNOTE Appendix D: UTF-8 when bit 11 is set, else IBM 437. Latin-1 stands in for 437: the two agree
            // on ASCII, which is all a bootstrap path can match, and Latin-1 needs no code page tables.
            var name = (header.Flags & Utf8NameFlag) != 0 ? Utf8.GetString(nameBytes) : Encoding.Latin1.GetString(nameBytes);

            ulong uncompressed = header.UncompressedSize, compressed = header.CompressedSize, localOffset = header.LocalHeaderOffset;
            Zip64ExtendedInformation.Apply(extraField, ref uncompressed, ref compressed, ref localOffset);

            // Every entry's local header and data must fit in the bytes before the directory.
            var room = (ulong)(location.Start - location.Shift);
            if (localOffset > room || compressed > room - localOffset || uncompressed > long.MaxValue)
            {
                throw new InvalidZipException(
                    $"'{name}' (header at offset {recordOffset}) records {compressed} bytes at offset {localOffset} ({uncompressed} uncompressed), past the central directory at offset {location.Start - location.Shift}");
            }

            var entry = new CentralDirectoryEntry(
                name,
                (byte)(header.VersionMadeBy >> 8),
                header.Flags,
                header.CompressionMethod,
                header.Crc32,
                (long)compressed,
                (long)uncompressed,
                (long)localOffset + location.Shift,
                header.ExternalAttributes);

            _count++;
            _totalUncompressed = (long)Math.Min((ulong)_totalUncompressed + uncompressed, long.MaxValue);
            if (entry.IsEncrypted)
            {
                _firstEncrypted ??= entry;
            }

            if (!entry.HasSupportedCompression)
            {
                _firstUnsupported ??= entry;
            }

            if (keep(entry))
            {
                if (_kept.Count < maxKept)
                {
                    _kept.Add(entry);
                }
                else
                {
                    _truncated = true;
                }
            }
        }
    }
}
