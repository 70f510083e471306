// Lays out, from PKWARE's APPNOTE.TXT 6.3.10: 4.3.7 (local file header), 4.3.12 (central directory header),
// 4.3.14/4.3.15 (zip64 end record and locator), 4.3.16 (end of central directory record), 4.4.2 (version made
// by: 3 = Unix), 4.4.4 (bit 11: UTF-8 names), 4.4.15 (external attributes: Unix mode in the high 16 bits), 4.5.3
// (zip64 extended information).
using System.Buffers.Binary;
using System.Text;
using Guard.Inspection.Reading;
using Microsoft.Win32.SafeHandles;

namespace Guard.Cli.Apps;

/// <summary>
/// A folder seen as the zip a packager would make of it, served through <see cref="IRangeSource"/> so the engine
/// judges it unchanged. Why not a real abstraction over the engine's package reading: <c>OpenedPackage</c>,
/// <c>EntrypointLocator</c> and the inspector are bound to <c>ZipPackage</c> and its central directory entries,
/// and those files are being reworked elsewhere; a virtual archive needs no engine change. Why not a temporary
/// zip: that reads and compresses every byte of the folder, where this reads only what the engine asks for
/// (the bootstrap's first bytes), exactly as it does on a real zip.
/// </summary>
/// <remarks>
/// What goes in is what <c>aws cloudformation package</c> and <c>sam deploy</c> put in their zips: every file
/// under the folder (hidden ones too), named relative to it, with its own Unix mode; symlinks are followed (both
/// walk with <c>followlinks=True</c> and store the target's content and mode), symlinked folders descended once
/// (a loop is cut). A symlink whose target does not exist here is stored as a link, so the engine judges where
/// it points on Lambda (a layer's <c>/opt</c>, say) instead of failing the whole folder. Entries are stored, not
/// deflated, and carry a CRC-32 of 0: the engine never checks CRCs (it reads prefixes), and this archive is never
/// written anywhere, so computing one would read every byte of the folder for nothing.
/// </remarks>
internal sealed class FolderPackageSource : IRangeSource
{
    private const uint LocalHeaderSignature = 0x04034b50;
    private const uint CentralHeaderSignature = 0x02014b50;
    private const uint EocdSignature = 0x06054b50;
    private const uint Zip64EocdSignature = 0x06064b50;
    private const uint Zip64LocatorSignature = 0x07064b50;
    private const int LocalHeaderSize = 30;
    private const int CentralHeaderSize = 46;
    private const int EocdSize = 22;
    private const int Zip64EocdSize = 56;
    private const int Zip64LocatorSize = 20;
    private const int Zip64ExtraSize = 4 + 8 + 8 + 8;
    private const ushort VersionMadeByUnix = (3 << 8) | 45;
    private const ushort VersionNeeded = 45;
    private const ushort Utf8Names = 1 << 11;
    private const int RegularFile = 0x8000;
    private const int SymbolicLink = 0xA000;

    /// <summary>How deep symlinked folders are followed; a real build never comes close.</summary>
    private const int MaxDepth = 64;

    private static readonly UTF8Encoding Utf8 = new(encoderShouldEmitUTF8Identifier: false);

    private readonly Entry[] _entries;
    private readonly long _centralDirectoryStart;
    private readonly byte[] _centralDirectoryAndEnd;

    private FolderPackageSource(string displayName, List<Entry> entries)
    {
        DisplayName = displayName;
        _entries = [.. entries];
        long offset = 0;
        foreach (var entry in _entries)
        {
            entry.LocalHeaderOffset = offset;
            offset += LocalHeaderSize + entry.Name.Length + entry.Size;
        }

        _centralDirectoryStart = offset;
        _centralDirectoryAndEnd = BuildCentralDirectoryAndEnd(_entries, offset);
        Length = offset + _centralDirectoryAndEnd.Length;
    }

    public string DisplayName { get; }

    public long Length { get; }

    public int EntryCount => _entries.Length;

    /// <summary>Walks <paramref name="folder"/> now; reads of file content happen later, on demand.</summary>
    /// <exception cref="PackageUnavailableException">The folder is missing or cannot be listed.</exception>
    public static FolderPackageSource Open(string folder)
    {
        var root = new DirectoryInfo(folder);
        if (!root.Exists)
        {
            throw new PackageUnavailableException($"{folder}: no such folder");
        }

        var entries = new List<Entry>();
        try
        {
            var visited = new HashSet<string>(StringComparer.Ordinal) { root.ResolveLinkTarget(returnFinalTarget: true)?.FullName ?? root.FullName };
            Walk(root, "", entries, visited, 0);
        }
        catch (UnauthorizedAccessException e)
        {
            throw new PackageUnavailableException($"{folder}: permission denied: {e.Message.ReplaceLineEndings(" ")}", e);
        }
        catch (IOException e)
        {
            throw new PackageUnavailableException($"{folder}: {e.Message.ReplaceLineEndings(" ")}", e);
        }

        if (entries.Count == 0)
        {
            // Not a placeholder upload: a build that produced nothing (and Lambda rejects an empty zip at upload).
            throw new PackageUnavailableException($"{folder}: the folder is empty: nothing was built into it");
        }

        return new FolderPackageSource(folder.TrimEnd('/') + "/", entries);
    }

    public ValueTask<TailRead> ReadTailAsync(Memory<byte> destination, CancellationToken cancellationToken)
    {
        var count = (int)Math.Min(destination.Length, Length);
        var read = Fill(Length - count, destination[..count]);
        return ValueTask.FromResult(new TailRead(Length, read));
    }

    public ValueTask<int> ReadAsync(long offset, Memory<byte> destination, CancellationToken cancellationToken)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(offset);
        if (offset >= Length)
        {
            return ValueTask.FromResult(0);
        }

        var count = (int)Math.Min(destination.Length, Length - offset);
        return ValueTask.FromResult(Fill(offset, destination[..count]));
    }

    public ValueTask DisposeAsync() => ValueTask.CompletedTask;

    private static void Walk(DirectoryInfo directory, string prefix, List<Entry> entries, HashSet<string> visited, int depth)
    {
        // Ordinal order: the same folder always makes the same archive (and the same report).
        foreach (var child in directory.EnumerateFileSystemInfos().OrderBy(c => c.Name, StringComparer.Ordinal))
        {
            var name = prefix + child.Name;
            if (child.LinkTarget is { } linkText)
            {
                var target = child.ResolveLinkTarget(returnFinalTarget: true);
                switch (target)
                {
                    case DirectoryInfo { Exists: true } folder when depth < MaxDepth && visited.Add(folder.FullName):
                        Walk(folder, name + "/", entries, visited, depth + 1);
                        continue;
                    case DirectoryInfo { Exists: true }:
                        continue; // a loop, or absurdly deep: os.walk would loop; the packagers' zip would never finish
                    case FileInfo { Exists: true } file when !LocalFileKind.IsSpecial(file.FullName):
                        entries.Add(Entry.ForFile(name, child.FullName, ModeOf(file.FullName), file.Length));
                        continue;
                    case FileInfo { Exists: true }:
                        continue; // a FIFO, device or socket: zip skips them, and reading one would block or never end
                    default:
                        entries.Add(Entry.ForLink(name, linkText));
                        continue;
                }
            }

            switch (child)
            {
                case DirectoryInfo folder when depth < MaxDepth && visited.Add(folder.FullName):
                    Walk(folder, name + "/", entries, visited, depth + 1);
                    break;
                case FileInfo file when (File.GetAttributes(file.FullName) & (FileAttributes.Device | FileAttributes.ReparsePoint)) == 0 && !LocalFileKind.IsSpecial(file.FullName):
                    entries.Add(Entry.ForFile(name, file.FullName, ModeOf(file.FullName), file.Length));
                    break;
            }
        }
    }

    private static int ModeOf(string path) => OperatingSystem.IsWindows()
        ? RegularFile | 0b110_100_100 // Windows has no mode to read; what Python's zipfile records there
        : RegularFile | (int)File.GetUnixFileMode(path);

    /// <summary>Copies the archive's bytes at <paramref name="offset"/>: headers are made on the fly, file data read from disk.</summary>
    private int Fill(long offset, Memory<byte> destination)
    {
        var written = 0;
        while (written < destination.Length)
        {
            var position = offset + written;
            var span = destination[written..];
            if (position >= _centralDirectoryStart)
            {
                var start = (int)(position - _centralDirectoryStart);
                var count = Math.Min(span.Length, _centralDirectoryAndEnd.Length - start);
                _centralDirectoryAndEnd.AsSpan(start, count).CopyTo(span.Span);
                written += count;
                break;
            }

            var entry = _entries[EntryAt(position)];
            var headerLength = LocalHeaderSize + entry.Name.Length;
            var within = position - entry.LocalHeaderOffset;
            if (within < headerLength)
            {
                var header = LocalHeader(entry);
                var count = (int)Math.Min(span.Length, headerLength - within);
                header.AsSpan((int)within, count).CopyTo(span.Span);
                written += count;
                continue;
            }

            var dataOffset = within - headerLength;
            var dataCount = (int)Math.Min(span.Length, entry.Size - dataOffset);
            entry.ReadData(dataOffset, span[..dataCount]);
            written += dataCount;
        }

        return written;
    }

    private int EntryAt(long position)
    {
        int low = 0, high = _entries.Length - 1;
        while (low < high)
        {
            var middle = (low + high + 1) / 2;
            if (_entries[middle].LocalHeaderOffset <= position)
            {
                low = middle;
            }
            else
            {
                high = middle - 1;
            }
        }

        return low;
    }

    private static byte[] LocalHeader(Entry entry)
    {
        // The sizes are the central directory's job; a 32-bit field saturates as zip64 has it (the engine reads
        // the sizes from the central directory and only the name and extra lengths from here).
        var header = new byte[LocalHeaderSize + entry.Name.Length];
        var span = header.AsSpan();
        BinaryPrimitives.WriteUInt32LittleEndian(span, LocalHeaderSignature);
        BinaryPrimitives.WriteUInt16LittleEndian(span[4..], VersionNeeded);
        BinaryPrimitives.WriteUInt16LittleEndian(span[6..], Utf8Names);
        BinaryPrimitives.WriteUInt16LittleEndian(span[8..], 0);
        BinaryPrimitives.WriteUInt32LittleEndian(span[18..], Saturated(entry.Size));
        BinaryPrimitives.WriteUInt32LittleEndian(span[22..], Saturated(entry.Size));
        BinaryPrimitives.WriteUInt16LittleEndian(span[26..], (ushort)entry.Name.Length);
        BinaryPrimitives.WriteUInt16LittleEndian(span[28..], 0);
        entry.Name.CopyTo(span[LocalHeaderSize..]);
        return header;
    }

    private static byte[] BuildCentralDirectoryAndEnd(Entry[] entries, long start)
    {
        using var buffer = new MemoryStream();
        foreach (var entry in entries)
        {
            var zip64 = entry.Size >= uint.MaxValue || entry.LocalHeaderOffset >= uint.MaxValue;
            var header = new byte[CentralHeaderSize + entry.Name.Length + (zip64 ? Zip64ExtraSize : 0)];
            var span = header.AsSpan();
            BinaryPrimitives.WriteUInt32LittleEndian(span, CentralHeaderSignature);
            BinaryPrimitives.WriteUInt16LittleEndian(span[4..], VersionMadeByUnix);
            BinaryPrimitives.WriteUInt16LittleEndian(span[6..], VersionNeeded);
            BinaryPrimitives.WriteUInt16LittleEndian(span[8..], Utf8Names);
            BinaryPrimitives.WriteUInt16LittleEndian(span[10..], 0);
            BinaryPrimitives.WriteUInt32LittleEndian(span[20..], zip64 ? uint.MaxValue : (uint)entry.Size);
            BinaryPrimitives.WriteUInt32LittleEndian(span[24..], zip64 ? uint.MaxValue : (uint)entry.Size);
            BinaryPrimitives.WriteUInt16LittleEndian(span[28..], (ushort)entry.Name.Length);
            BinaryPrimitives.WriteUInt16LittleEndian(span[30..], (ushort)(zip64 ? Zip64ExtraSize : 0));
            BinaryPrimitives.WriteUInt32LittleEndian(span[38..], (uint)entry.Mode << 16);
            BinaryPrimitives.WriteUInt32LittleEndian(span[42..], zip64 ? uint.MaxValue : (uint)entry.LocalHeaderOffset);
            entry.Name.CopyTo(span[CentralHeaderSize..]);
            if (zip64)
            {
                var extra = span[(CentralHeaderSize + entry.Name.Length)..];
                BinaryPrimitives.WriteUInt16LittleEndian(extra, 0x0001);
                BinaryPrimitives.WriteUInt16LittleEndian(extra[2..], Zip64ExtraSize - 4);
                BinaryPrimitives.WriteUInt64LittleEndian(extra[4..], (ulong)entry.Size);
                BinaryPrimitives.WriteUInt64LittleEndian(extra[12..], (ulong)entry.Size);
                BinaryPrimitives.WriteUInt64LittleEndian(extra[20..], (ulong)entry.LocalHeaderOffset);
            }

            buffer.Write(header);
        }

        var size = buffer.Length;
        var needsZip64 = entries.Length >= ushort.MaxValue || start >= uint.MaxValue || size >= uint.MaxValue;
        if (needsZip64)
        {
            var record = new byte[Zip64EocdSize + Zip64LocatorSize];
            var span = record.AsSpan();
            BinaryPrimitives.WriteUInt32LittleEndian(span, Zip64EocdSignature);
            BinaryPrimitives.WriteUInt64LittleEndian(span[4..], Zip64EocdSize - 12);
            BinaryPrimitives.WriteUInt16LittleEndian(span[12..], VersionMadeByUnix);
            BinaryPrimitives.WriteUInt16LittleEndian(span[14..], VersionNeeded);
            BinaryPrimitives.WriteUInt64LittleEndian(span[24..], (ulong)entries.Length);
            BinaryPrimitives.WriteUInt64LittleEndian(span[32..], (ulong)entries.Length);
            BinaryPrimitives.WriteUInt64LittleEndian(span[40..], (ulong)size);
            BinaryPrimitives.WriteUInt64LittleEndian(span[48..], (ulong)start);
            var locator = span[Zip64EocdSize..];
            BinaryPrimitives.WriteUInt32LittleEndian(locator, Zip64LocatorSignature);
            BinaryPrimitives.WriteUInt64LittleEndian(locator[8..], (ulong)(start + size));
            BinaryPrimitives.WriteUInt32LittleEndian(locator[16..], 1);
            buffer.Write(record);
        }

        var end = new byte[EocdSize];
        var eocd = end.AsSpan();
        BinaryPrimitives.WriteUInt32LittleEndian(eocd, EocdSignature);
        BinaryPrimitives.WriteUInt16LittleEndian(eocd[8..], needsZip64 ? ushort.MaxValue : (ushort)entries.Length);
        BinaryPrimitives.WriteUInt16LittleEndian(eocd[10..], needsZip64 ? ushort.MaxValue : (ushort)entries.Length);
        BinaryPrimitives.WriteUInt32LittleEndian(eocd[12..], needsZip64 ? uint.MaxValue : (uint)size);
        BinaryPrimitives.WriteUInt32LittleEndian(eocd[16..], needsZip64 ? uint.MaxValue : (uint)start);
        buffer.Write(end);
        return buffer.ToArray();
    }

    private static uint Saturated(long value) => value >= uint.MaxValue ? uint.MaxValue : (uint)value;

    private sealed class Entry
    {
        private readonly string? _path;
        private readonly byte[]? _linkTarget;

        private Entry(byte[] name, int mode, long size, string? path, byte[]? linkTarget)
        {
            Name = name;
            Mode = mode;
            Size = size;
            _path = path;
            _linkTarget = linkTarget;
        }

        public byte[] Name { get; }
        public int Mode { get; }
        public long Size { get; }
        public long LocalHeaderOffset { get; set; }

        public static Entry ForFile(string name, string path, int mode, long size) => new(Utf8.GetBytes(name), mode, size, path, null);

        public static Entry ForLink(string name, string target)
        {
            var bytes = Utf8.GetBytes(target);
            return new(Utf8.GetBytes(name), SymbolicLink | 0b111_111_111, bytes.Length, null, bytes);
        }

        public void ReadData(long offset, Memory<byte> destination)
        {
            if (_linkTarget is not null)
            {
                _linkTarget.AsSpan((int)offset, destination.Length).CopyTo(destination.Span);
                return;
            }

            // A file that shrank since the walk reads as zeros past its new end: the archive's layout is fixed.
            destination.Span.Clear();
            try
            {
                using SafeFileHandle handle = File.OpenHandle(_path!, FileMode.Open, FileAccess.Read, FileShare.ReadWrite, FileOptions.RandomAccess);
                var total = 0;
                while (total < destination.Length)
                {
                    var read = RandomAccess.Read(handle, destination.Span[total..], offset + total);
                    if (read == 0)
                    {
                        break;
                    }

                    total += read;
                }
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException)
            {
                throw new PackageUnavailableException($"{_path}: {e.Message.ReplaceLineEndings(" ")}", e);
            }
        }
    }
}
