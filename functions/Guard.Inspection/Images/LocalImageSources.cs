using System.Formats.Tar;
using System.Text;
using System.Text.Json;
using Guard.Inspection.Reading;

namespace Guard.Inspection.Images;

/// <summary>
/// An OCI image layout (image-spec <c>image-layout.md</c>): a folder with <c>oci-layout</c>, <c>index.json</c> and
/// <c>blobs/ALG/HEX</c>, as <c>skopeo copy … oci:DIR</c>, <c>buildah push … oci:DIR</c>, <c>umoci</c> and BuildKit's
/// <c>--output type=oci</c> (untarred) write it.
/// </summary>
public sealed class OciLayoutSource : IImageSource
{
    private readonly string _folder;
    private readonly List<IRangeSource> _opened = [];

    private OciLayoutSource(string folder) => _folder = folder;

    public string DisplayName => _folder;

    public int Requests { get; private set; }

    public long BytesRead { get; private set; }

    /// <summary>Whether <paramref name="folder"/> is an OCI image layout: it has <c>oci-layout</c> and <c>index.json</c>.</summary>
    public static bool IsLayout(string folder) =>
        Directory.Exists(folder) && File.Exists(Path.Combine(folder, "oci-layout")) && File.Exists(Path.Combine(folder, "index.json"));

    public static OciLayoutSource Open(string folder) =>
        IsLayout(folder) ? new OciLayoutSource(folder) : throw new PackageUnavailableException($"{folder} is not an OCI image layout (no oci-layout and index.json)");

    public Task<ImageDocument> ReadTopAsync(CancellationToken cancellationToken) =>
        ReadAsync(Path.Combine(_folder, "index.json"), null, isLayoutIndex: true, cancellationToken);

    public Task<ImageDocument> ReadDocumentAsync(ImageDescriptor descriptor, CancellationToken cancellationToken) =>
        ReadAsync(BlobPath(descriptor), descriptor.MediaType, isLayoutIndex: false, cancellationToken);

    public IRangeSource OpenBlob(ImageDescriptor descriptor)
    {
        var source = LocalFileRangeSource.Open(BlobPath(descriptor));
        _opened.Add(source);
        return source;
    }

    private string BlobPath(ImageDescriptor descriptor) => Path.Combine(_folder, ImageDigest.BlobPath(descriptor.Digest));

    private async Task<ImageDocument> ReadAsync(string path, string? mediaType, bool isLayoutIndex, CancellationToken cancellationToken)
    {
        try
        {
            // As for the archive's members: a FIFO would block the read and a device never end it, and a document is small.
            var relative = Path.GetRelativePath(_folder, path);
            if (LocalFileKind.NotRegular(path) is { } kind)
            {
                throw new InvalidImageException($"{relative} is {kind}, not a file");
            }

            var file = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read, bufferSize: 1, useAsync: true);
            byte[]? bytes;
            await using (file.ConfigureAwait(false))
            {
                // Bounded as it is read, not only by the size seen on opening: a file still being written can grow.
                bytes = file.Length > ImageDigest.MaxDocumentBytes ? null
                    : await BoundedBody.ReadAsync(file, ImageDigest.MaxDocumentBytes, file.Length, cancellationToken).ConfigureAwait(false);
                if (bytes is null)
                {
                    throw new InvalidImageException($"{relative} is {file.Length} bytes: too large for an image document");
                }
            }

            Requests++;
            BytesRead += bytes.Length;
            return new ImageDocument(mediaType, bytes, isLayoutIndex);
        }
        catch (Exception e) when (e is FileNotFoundException or DirectoryNotFoundException)
        {
            throw new InvalidImageException($"{Path.GetRelativePath(_folder, path)} is missing from the layout");
        }
    }

    public async ValueTask DisposeAsync()
    {
        foreach (var source in _opened)
        {
            await source.DisposeAsync().ConfigureAwait(false);
        }
    }
}

/// <summary>
/// An image tar: <c>docker save</c>'s archive (legacy <c>manifest.json</c>, or the OCI layout Docker 25 and later writes
/// inside it) or an OCI archive (<c>skopeo copy … oci-archive:</c>). Only the tar's headers are read to find the
/// members; blobs are read in place.
/// </summary>
public sealed class ImageArchiveSource : IImageSource
{
    private const string LegacyConfigMediaType = ImageMediaTypes.DockerConfig;
    private readonly LocalFileRangeSource _file;
    private readonly Dictionary<string, (long Offset, long Size)> _members;

    private ImageArchiveSource(LocalFileRangeSource file, Dictionary<string, (long, long)> members)
    {
        _file = file;
        _members = members;
    }

    public string DisplayName => _file.DisplayName;

    public int Requests { get; private set; }

    public long BytesRead { get; private set; }

    /// <summary>Whether <paramref name="path"/> is a tar that holds an image: its first member names are read.</summary>
    public static bool IsImageArchive(string path)
    {
        try
        {
            // Opening a FIFO blocks until something writes to it: only regular files are looked into.
            if (LocalFileKind.NotRegular(path) is not null)
            {
                return false;
            }

            using var stream = File.OpenRead(path);
            using var reader = new TarReader(stream);
            for (var i = 0; i < 4096 && reader.GetNextEntry() is { } entry; i++)
            {
                if (entry.Name.TrimStart('.', '/') is "manifest.json" or "index.json" or "oci-layout")
                {
                    return true;
                }
            }
        }
        catch (Exception e) when (e is IOException or InvalidDataException or FormatException or UnauthorizedAccessException or ArgumentException)
        {
        }

        return false;
    }

    public static async Task<ImageArchiveSource> OpenAsync(string path, CancellationToken cancellationToken)
    {
        var file = LocalFileRangeSource.Open(path);
        try
        {
            return new ImageArchiveSource(file, await TarMembers.ListAsync(file, cancellationToken).ConfigureAwait(false));
        }
        catch
        {
            await file.DisposeAsync().ConfigureAwait(false);
            throw;
        }
    }

    private bool IsOciLayout => _members.ContainsKey("index.json") && _members.ContainsKey("oci-layout");

    public async Task<ImageDocument> ReadTopAsync(CancellationToken cancellationToken)
    {
        if (IsOciLayout)
        {
            return new ImageDocument(null, await ReadMemberAsync("index.json", cancellationToken).ConfigureAwait(false), IsLayoutIndex: true);
        }

        // The legacy archive names the config and layer tars by path; an image manifest is made of them so one judge reads both.
        var entries = ImageJson.Parse((await ReadMemberAsync("manifest.json", cancellationToken).ConfigureAwait(false)).Span, ImageJsonContext.Default.DockerArchiveEntryArray, "manifest.json");
        if (entries.Length != 1)
        {
            throw new InvalidImageException($"manifest.json lists {entries.Length} images; save one image per archive (docker save IMAGE -o image.tar)");
        }

        var manifest = new ImageManifest(
            2,
            ImageMediaTypes.DockerManifest,
            Descriptor(entries[0].Config, LegacyConfigMediaType),
            [.. entries[0].Layers.Select(layer => Descriptor(layer, layer.EndsWith(".gz", StringComparison.Ordinal) ? ImageMediaTypes.DockerLayerGzip : ImageMediaTypes.DockerLayer))]);
        return new ImageDocument(ImageMediaTypes.DockerManifest, JsonSerializer.SerializeToUtf8Bytes(manifest, ImageJsonContext.Default.ImageManifest));
    }

    public async Task<ImageDocument> ReadDocumentAsync(ImageDescriptor descriptor, CancellationToken cancellationToken) =>
        new(descriptor.MediaType, await ReadMemberAsync(MemberOf(descriptor), cancellationToken).ConfigureAwait(false));

    public IRangeSource OpenBlob(ImageDescriptor descriptor)
    {
        var member = MemberOf(descriptor);
        var (offset, size) = _members.TryGetValue(member, out var found) ? found : throw new InvalidImageException($"{member} is missing from the archive");
        return new SliceRangeSource(_file, offset, size, $"{DisplayName}:{member}");
    }

    /// <summary>A legacy member is named by its path (kept as the descriptor's digest, prefixed); a layout's blobs by digest.</summary>
    private static string MemberOf(ImageDescriptor descriptor) =>
        descriptor.Digest.StartsWith(MemberPrefix, StringComparison.Ordinal) ? descriptor.Digest[MemberPrefix.Length..] : ImageDigest.BlobPath(descriptor.Digest);

    private const string MemberPrefix = "member:";

    private ImageDescriptor Descriptor(string member, string mediaType) =>
        new(mediaType, MemberPrefix + member, _members.TryGetValue(member, out var found) ? found.Size : throw new InvalidImageException($"manifest.json names {member}, which the archive lacks"));

    private async Task<ReadOnlyMemory<byte>> ReadMemberAsync(string member, CancellationToken cancellationToken)
    {
        if (!_members.TryGetValue(member, out var found))
        {
            throw new InvalidImageException($"{member} is missing from the archive");
        }

        if (found.Size > ImageDigest.MaxDocumentBytes)
        {
            throw new InvalidImageException($"{member} is {found.Size} bytes: too large for an image document");
        }

        var bytes = new byte[found.Size];
        var read = 0;
        while (read < bytes.Length)
        {
            var n = await _file.ReadAsync(found.Offset + read, bytes.AsMemory(read), cancellationToken).ConfigureAwait(false);
            if (n == 0)
            {
                throw new InvalidImageException($"{member} is cut short");
            }

            read += n;
        }

        Requests++;
        BytesRead += bytes.Length;
        return bytes;
    }

    public ValueTask DisposeAsync() => _file.DisposeAsync();
}

/// <summary>
/// Where each regular file of a tar lies, from its headers alone (POSIX ustar, with pax <c>path</c>/<c>size</c> records
/// and GNU long names): the blobs of an image tar are read in place, and only a few hundred headers are read to find them.
/// </summary>
internal static class TarMembers
{
    private const int BlockSize = 512;

    /// <summary>An image tar holds a few files per layer; a bound keeps a hostile archive from being walked forever.</summary>
    private const int MaxMembers = 100_000;

    public static async Task<Dictionary<string, (long Offset, long Size)>> ListAsync(IRangeSource tar, CancellationToken cancellationToken)
    {
        var members = new Dictionary<string, (long, long)>(StringComparer.Ordinal);
        var header = new byte[BlockSize];
        long position = 0;
        string? longName = null;
        long? paxSize = null;
        for (var count = 0; count < MaxMembers; count++)
        {
            if (await tar.ReadAsync(position, header, cancellationToken).ConfigureAwait(false) < BlockSize || header.All(b => b == 0))
            {
                return members;
            }

            var size = paxSize ?? ParseNumber(header.AsSpan(124, 12));
            var type = (char)header[156];
            var name = longName ?? (Text(header.AsSpan(345, 155)) is { Length: > 0 } prefix && header.AsSpan(257, 5).SequenceEqual("ustar"u8) ? prefix + "/" : string.Empty) + Text(header.AsSpan(0, 100));
            var data = position + BlockSize;
            longName = null;
            paxSize = null;
            switch (type)
            {
                case 'x' or 'L':
                    var extended = new byte[(int)Math.Min(size, 1024 * 1024)];
                    await tar.ReadAsync(data, extended, cancellationToken).ConfigureAwait(false);
                    if (type == 'L')
                    {
                        longName = Text(extended);
                    }
                    else
                    {
                        foreach (var record in Encoding.UTF8.GetString(extended).Split('\n', StringSplitOptions.RemoveEmptyEntries))
                        {
                            var space = record.IndexOf(' ', StringComparison.Ordinal);
                            var equals = record.IndexOf('=', StringComparison.Ordinal);
                            if (space < 0 || equals < space)
                            {
                                continue;
                            }

                            var key = record[(space + 1)..equals];
                            var value = record[(equals + 1)..];
                            if (key == "path")
                            {
                                longName = value;
                            }
                            else if (key == "size" && long.TryParse(value, System.Globalization.CultureInfo.InvariantCulture, out var parsed))
                            {
                                paxSize = parsed;
                            }
                        }
                    }

                    break;
                case '0' or '\0' or '7':
                    members[name.TrimStart('.', '/')] = (data, size);
                    break;
            }

            position = data + (size + BlockSize - 1) / BlockSize * BlockSize;
        }

        throw new InvalidImageException($"{tar.DisplayName} has more than {MaxMembers} members: not an image tar");
    }

    private static string Text(ReadOnlySpan<byte> field)
    {
        var end = field.IndexOf((byte)0);
        return Encoding.UTF8.GetString(end < 0 ? field : field[..end]);
    }

    /// <summary>An octal field, or base-256 when its first byte has the high bit set (GNU, for sizes of 8 GiB and more).</summary>
    private static long ParseNumber(ReadOnlySpan<byte> field)
    {
        if ((field[0] & 0x80) != 0)
        {
            long value = field[0] & 0x7F;
            foreach (var b in field[1..])
            {
                value = (value << 8) | b;
            }

            return value;
        }

        var text = Text(field).Trim(' ', '\0');
        try
        {
            return text.Length == 0 ? 0 : Convert.ToInt64(text, 8);
        }
        catch (FormatException)
        {
            throw new InvalidImageException($"a tar header has the size '{text}', which is not octal");
        }
    }
}

/// <summary>Digests as image-spec <c>descriptor.md</c> writes them: <c>ALGORITHM:ENCODED</c>.</summary>
internal static class ImageDigest
{
    /// <summary>See <see cref="ImageDocument.MaxBytes"/>.</summary>
    public const int MaxDocumentBytes = ImageDocument.MaxBytes;

    /// <summary><c>blobs/sha256/HEX</c>; a digest that could step out of the folder is refused.</summary>
    public static string BlobPath(string digest)
    {
        var colon = digest.IndexOf(':', StringComparison.Ordinal);
        if (colon <= 0 || !IsSafe(digest[..colon]) || !IsSafe(digest[(colon + 1)..]))
        {
            throw new InvalidImageException($"'{digest}' is not a digest");
        }

        return $"blobs/{digest[..colon]}/{digest[(colon + 1)..]}";
    }

    private static bool IsSafe(string part) => part.Length > 0 && part.All(c => char.IsAsciiLetterOrDigit(c) || c is '+' or '.' or '_' or '-') && part is not ("." or "..");

    public static string Short(string digest) => digest.Length > 19 && digest.StartsWith("sha256:", StringComparison.Ordinal) ? digest[..19] : digest;

    internal static string Utf8(ReadOnlyMemory<byte> bytes) => Encoding.UTF8.GetString(bytes.Span);
}
