using System.Formats.Tar;
using System.IO.Compression;
using Guard.Inspection.Reading;

namespace Guard.Inspection.Images;

internal enum ImageEntryKind
{
    File,
    Directory,
    Symlink,
    Hardlink,
    Other,
}

/// <summary>One path of the image's merged root file system, from the topmost layer that has it.</summary>
/// <param name="Layer">Index in the manifest's layer list (0 is the bottom layer).</param>
internal sealed record ImageEntry(string Path, ImageEntryKind Kind, int Mode, long Size, string? LinkTarget, int Layer);

/// <summary>The bytes of one file, whole when small enough, else its first <see cref="ImageFileSystem.MaxCapturedBytes"/>.</summary>
internal sealed class CapturedContent(long length, byte[] bytes) : IEntryContent
{
    public long Length => length;

    public ValueTask<int> ReadAtAsync(long offset, Memory<byte> destination, CancellationToken cancellationToken)
    {
        if (offset >= bytes.Length)
        {
            return ValueTask.FromResult(0);
        }

        var count = (int)Math.Min(destination.Length, bytes.Length - offset);
        bytes.AsSpan((int)offset, count).CopyTo(destination.Span);
        return ValueTask.FromResult(count);
    }

    public bool IsReachable(long offset, int count) => offset + count <= bytes.Length;
}

/// <summary>What <see cref="ImageFileSystem.ResolveAsync"/> found at a path once every symlink on the way was followed.</summary>
internal abstract record ImagePath
{
    public sealed record Found(string Path, ImageEntry Entry) : ImagePath;

    /// <summary>No layer has it, or an upper layer's whiteout deleted it.</summary>
    public sealed record Missing(string Path, bool DeletedByWhiteout) : ImagePath;

    public sealed record Unresolvable(string Path, string Why) : ImagePath;
}

/// <summary>
/// The image's root file system as the container sees it: layers applied bottom to top, each hiding what the ones below
/// have at a path it also has, with the whiteouts of image-spec <c>layer.md</c> (<c>.wh.NAME</c> deletes NAME below,
/// <c>.wh..wh..opq</c> hides everything below in its directory). Read lazily from the top: a layer is streamed (gzip
/// inflated on the way, never held) only when a path asked for is not settled by the layers above, so a check stops
/// at the layer that has its entrypoint. Only the contents of files asked for by name are kept.
/// </summary>
internal sealed class ImageFileSystem(IReadOnlyList<ImageLayer> layers)
{
    /// <summary>A file's bytes kept: the executable analyzer reads 64 KiB and at most 1 MiB beyond; a Go binary's build information sits at the start of its data segment, tens of MiB in for the largest.</summary>
    public const int MaxCapturedBytes = 48 * 1024 * 1024;

    private const string WhiteoutPrefix = ".wh.";
    private const string OpaqueWhiteout = ".wh..wh..opq";
    private const int MaxSymlinkHops = 40;

    /// <summary>
    /// What a layer is read from its source in: GZipStream and TarReader ask for 8 KiB at a time, and each read of a
    /// remote source costs its own timeout and async state, garbage that lifted a lone 400 MB image deploy's peak memory
    /// past 32 MiB (docs/performance.md). Eight times fewer reads of the source; 64 KiB held while a layer is read.
    /// </summary>
    private const int LayerReadBuffer = 64 * 1024;

    private readonly Dictionary<string, ImageEntry> _entries = new(StringComparer.Ordinal);
    private readonly HashSet<string> _impliedDirectories = new(StringComparer.Ordinal) { "/" };
    private readonly HashSet<string> _deleted = new(StringComparer.Ordinal);
    private readonly HashSet<string> _opaque = new(StringComparer.Ordinal);
    private readonly HashSet<string> _wanted = new(StringComparer.Ordinal);
    private readonly Dictionary<string, CapturedContent> _captured = new(StringComparer.Ordinal);
    private int _nextLayer = layers.Count - 1;

    /// <summary>How many layer reads were made (a layer read again for a file's content counts again).</summary>
    public int LayerReads { get; private set; }

    public int LayerCount => layers.Count;

    /// <summary>Whether every layer has been read: a path not found is then certainly absent.</summary>
    public bool IsComplete => _nextLayer < 0;

    /// <summary>Asks that the content of <paramref name="path"/> be kept when the layer that has it is read.</summary>
    public void Want(string path) => _wanted.Add(Normalize(path));

    /// <summary>The entry at <paramref name="path"/> itself (a symlink is not followed); null when no layer has it.</summary>
    public async Task<ImageEntry?> LookupAsync(string path, CancellationToken cancellationToken)
    {
        path = Normalize(path);
        while (true)
        {
            if (_entries.TryGetValue(path, out var entry))
            {
                return entry;
            }

            if (_impliedDirectories.Contains(path))
            {
                return new ImageEntry(path, ImageEntryKind.Directory, 0b111_101_101, 0, null, _nextLayer + 1);
            }

            if (IsHiddenBelow(path) || IsComplete)
            {
                return null;
            }

            await ReadNextLayerAsync(cancellationToken).ConfigureAwait(false);
        }
    }

    /// <summary>Whether an upper layer's whiteout deleted <paramref name="path"/> (or a folder above it).</summary>
    public bool IsDeleted(string path) => Ancestry(Normalize(path)).Any(_deleted.Contains);

    /// <summary>Follows <paramref name="path"/> component by component, through symlinks in its folders too (/lib64 → usr/lib64), as the kernel does.</summary>
    public async Task<ImagePath> ResolveAsync(string path, CancellationToken cancellationToken)
    {
        var pending = new Queue<string>(Normalize(path).Split('/', StringSplitOptions.RemoveEmptyEntries));
        var current = string.Empty;
        for (var hops = 0; pending.TryDequeue(out var component);)
        {
            if (component == ".")
            {
                continue;
            }

            if (component == "..")
            {
                current = current.Length == 0 ? string.Empty : current[..current.LastIndexOf('/')];
                continue;
            }

            var candidate = current + "/" + component;
            var entry = await LookupAsync(candidate, cancellationToken).ConfigureAwait(false);
            if (entry is null)
            {
                return new ImagePath.Missing(candidate, IsDeleted(candidate));
            }

            if (entry.Kind == ImageEntryKind.Symlink)
            {
                if (++hops > MaxSymlinkHops)
                {
                    return new ImagePath.Unresolvable(candidate, "links on too deep");
                }

                var target = entry.LinkTarget ?? string.Empty;
                var rest = pending.ToArray();
                pending = new Queue<string>(target.Split('/', StringSplitOptions.RemoveEmptyEntries).Concat(rest));
                current = target.StartsWith('/') ? string.Empty : current;
                continue;
            }

            if (entry.Kind == ImageEntryKind.Hardlink && entry.LinkTarget is { } linked && await LookupAsync(linked, cancellationToken).ConfigureAwait(false) is { } original)
            {
                entry = original with { Path = candidate, Mode = entry.Mode };
            }

            if (pending.Count > 0 && entry.Kind != ImageEntryKind.Directory)
            {
                return new ImagePath.Missing(candidate + "/" + string.Join('/', pending), DeletedByWhiteout: false);
            }

            current = candidate;
            if (pending.Count == 0)
            {
                return new ImagePath.Found(candidate, entry);
            }
        }

        return new ImagePath.Found("/", new ImageEntry("/", ImageEntryKind.Directory, 0b111_101_101, 0, null, 0));
    }

    /// <summary>The bytes of a regular file: kept when its layer was read, else read again from that layer.</summary>
    public async Task<CapturedContent> ReadAsync(ImageEntry entry, CancellationToken cancellationToken)
    {
        var path = entry.Kind == ImageEntryKind.Hardlink && entry.LinkTarget is { } target ? Normalize(target) : entry.Path;
        if (_captured.TryGetValue(path, out var content))
        {
            return content;
        }

        _wanted.Add(path);
        await ReadLayerAsync(entry.Layer, merge: false, cancellationToken).ConfigureAwait(false);
        return _captured.TryGetValue(path, out content)
            ? content
            : throw new InvalidImageException($"layer {entry.Layer + 1} no longer has {path} when read again");
    }

    /// <summary>Paths of the layers read so far whose file name is <paramref name="fileName"/>.</summary>
    public IEnumerable<ImageEntry> EntriesNamed(string fileName) =>
        _entries.Values.Where(e => e.Path.EndsWith("/" + fileName, StringComparison.Ordinal));

    /// <summary>Reads every layer not read yet.</summary>
    public async Task ReadAllAsync(CancellationToken cancellationToken)
    {
        while (!IsComplete)
        {
            await ReadNextLayerAsync(cancellationToken).ConfigureAwait(false);
        }
    }

    private async Task ReadNextLayerAsync(CancellationToken cancellationToken)
    {
        var index = _nextLayer--;
        await ReadLayerAsync(index, merge: true, cancellationToken).ConfigureAwait(false);
    }

    private bool IsHiddenBelow(string path) =>
        Ancestry(path).Any(_deleted.Contains) || Ancestry(path).Skip(1).Any(_opaque.Contains) ||
        Ancestry(path).Skip(1).Any(a => _entries.TryGetValue(a, out var upper) && upper.Kind != ImageEntryKind.Directory);

    /// <summary>The path itself, then each folder above it up to (not including) the root.</summary>
    private static IEnumerable<string> Ancestry(string path)
    {
        for (var p = path; p.Length > 1; p = p[..Math.Max(p.LastIndexOf('/'), 0)])
        {
            yield return p;
            if (p.LastIndexOf('/') == 0)
            {
                yield break;
            }
        }
    }

    private async Task ReadLayerAsync(int index, bool merge, CancellationToken cancellationToken)
    {
        var layer = layers[index];
        LayerReads++;
        var deleted = new List<string>();
        var opaque = new List<string>();
        var stream = new BufferedStream(await layer.Source.OpenReadAsync(0, layer.Descriptor.Size, cancellationToken).ConfigureAwait(false), LayerReadBuffer);
        await using var disposeStream = stream.ConfigureAwait(false);
        Stream tar = layer.IsGzip ? new GZipStream(stream, CompressionMode.Decompress, leaveOpen: true) : stream;
        await using var disposeTar = (tar == stream ? Stream.Null : tar).ConfigureAwait(false);
        var reader = new TarReader(tar, leaveOpen: true);
        await using var disposeReader = reader.ConfigureAwait(false);
        try
        {
            while (await NextEntryAsync(reader, cancellationToken).ConfigureAwait(false) is { } tarEntry)
            {
                var path = Normalize(tarEntry.Name);
                var name = path[(path.LastIndexOf('/') + 1)..];
                var folder = path[..Math.Max(path.LastIndexOf('/'), 0)];
                if (name == OpaqueWhiteout)
                {
                    opaque.Add(folder.Length == 0 ? "/" : folder);
                    continue;
                }

                if (name.StartsWith(WhiteoutPrefix, StringComparison.Ordinal))
                {
                    deleted.Add(folder + "/" + name[WhiteoutPrefix.Length..]);
                    if (merge && !IsHiddenBelow(folder.Length == 0 ? "/" : folder))
                    {
                        // The whiteout's folder exists in this layer even when the tar has no entry of its own for it.
                        _impliedDirectories.UnionWith(Ancestry(folder));
                    }

                    continue;
                }

                var kind = tarEntry.EntryType switch
                {
                    TarEntryType.Directory => ImageEntryKind.Directory,
                    TarEntryType.SymbolicLink => ImageEntryKind.Symlink,
                    TarEntryType.HardLink => ImageEntryKind.Hardlink,
                    TarEntryType.RegularFile or TarEntryType.V7RegularFile or TarEntryType.ContiguousFile => ImageEntryKind.File,
                    _ => ImageEntryKind.Other,
                };
                var linkTarget = kind switch
                {
                    ImageEntryKind.Symlink => tarEntry.LinkName,
                    ImageEntryKind.Hardlink => Normalize(tarEntry.LinkName),
                    _ => null,
                };
                var entry = new ImageEntry(path, kind, (int)tarEntry.Mode, tarEntry.Length, linkTarget, index);

                if (kind == ImageEntryKind.File && tarEntry.DataStream is { } data && (_wanted.Contains(path) || IsLoaderFile(name)) && !_captured.ContainsKey(path))
                {
                    _captured[path] = await CaptureAsync(data, tarEntry.Length, cancellationToken).ConfigureAwait(false);
                }

                if (merge && path != "/" && !_entries.ContainsKey(path) && !IsHiddenBelow(path))
                {
                    _entries[path] = entry;
                    foreach (var folderAbove in Ancestry(path).Skip(1))
                    {
                        _impliedDirectories.Add(folderAbove);
                    }
                }
            }
        }
        catch (Exception e) when (e is InvalidDataException or FormatException or EndOfStreamException)
        {
            throw new InvalidImageException($"layer {index + 1} ({layer.Descriptor.Digest}) is not a readable {(layer.IsGzip ? "gzip " : string.Empty)}tar: {e.Message}");
        }

        if (merge)
        {
            _deleted.UnionWith(deleted);
            _opaque.UnionWith(opaque);
        }
    }

    /// <summary>
    /// The next member, or null at the end. A layer that stops right after its last member's data, without the padding
    /// to 512 bytes or the two zero blocks (umoci 0.4 writes them so), ends there: the runtimes' Go archive/tar reads it.
    /// </summary>
    private static async Task<TarEntry?> NextEntryAsync(TarReader reader, CancellationToken cancellationToken)
    {
        try
        {
            return await reader.GetNextEntryAsync(copyData: false, cancellationToken).ConfigureAwait(false);
        }
        catch (EndOfStreamException)
        {
            return null;
        }
    }

    /// <summary>The C library and the program loader are read for every dynamic executable: kept on the first pass so no layer is read twice for them.</summary>
    private static bool IsLoaderFile(string name) => name is "libc.so.6" || name.StartsWith("libc-2.", StringComparison.Ordinal) || name.StartsWith("ld-linux", StringComparison.Ordinal);

    private static async Task<CapturedContent> CaptureAsync(Stream data, long length, CancellationToken cancellationToken)
    {
        var bytes = new byte[(int)Math.Min(length, MaxCapturedBytes)];
        var read = 0;
        while (read < bytes.Length)
        {
            var n = await data.ReadAsync(bytes.AsMemory(read), cancellationToken).ConfigureAwait(false);
            if (n == 0)
            {
                break;
            }

            read += n;
        }

        return new CapturedContent(length, read == bytes.Length ? bytes : bytes[..read]);
    }

    /// <summary>A tar name as an absolute path: <c>./usr/bin/</c> is <c>/usr/bin</c>.</summary>
    public static string Normalize(string name)
    {
        var trimmed = name.Replace('\\', '/').TrimEnd('/');
        while (trimmed.StartsWith("./", StringComparison.Ordinal))
        {
            trimmed = trimmed[2..];
        }

        if (trimmed is "." or "")
        {
            return "/";
        }

        return RuntimePaths.CollapseDots(trimmed.StartsWith('/') ? trimmed : "/" + trimmed);
    }
}

/// <summary>One layer of the manifest and where its blob is read from.</summary>
internal sealed record ImageLayer(ImageDescriptor Descriptor, IRangeSource Source)
{
    public bool IsGzip => Descriptor.MediaType is ImageMediaTypes.OciLayerGzip or ImageMediaTypes.DockerLayerGzip;
}
