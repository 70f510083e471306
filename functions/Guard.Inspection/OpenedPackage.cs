using Guard.Inspection.Reading;
using Guard.Inspection.Zip;

namespace Guard.Inspection;

/// <summary>
/// A package whose central directory has been read, with the entries the rules may ask about by name.
/// </summary>
/// <param name="Label">How findings name it: "the package", "layer 2 (…)".</param>
/// <param name="Root">Where Lambda extracts it: <c>/var/task</c> for the function, <c>/opt</c> for layers.</param>
/// <param name="Keeps">Which normalized names the central-directory pass kept: a miss for one of them is a real miss.</param>
internal sealed class OpenedPackage(string label, string root, IRangeSource source, ZipPackage zip, Func<string, bool> keeps)
{
    /// <summary>Longest symlink target Guard reads; Linux's PATH_MAX.</summary>
    private const int MaxSymlinkTarget = 4096;

    private readonly Dictionary<string, CentralDirectoryEntry> _byName = Index(zip.KeptEntries);

    public string Label { get; } = label;
    public string Root { get; } = root;
    public ZipPackage Zip { get; } = zip;
    public IRangeSource Source { get; } = source;

    /// <summary>True when every entry of the archive was kept, so a miss in the index is a real miss.</summary>
    public bool IsComplete => !Zip.KeptEntriesTruncated && Zip.KeptEntries.Count == Zip.EntryCount;

    public IEnumerable<CentralDirectoryEntry> Entries => _byName.Values;

    /// <summary>The path unzip extracts an entry to, relative to the root: leading "/" and "./" dropped.</summary>
    public static string Normalize(string name)
    {
        var path = name.TrimStart('/');
        while (path.StartsWith("./", StringComparison.Ordinal))
        {
            path = path[2..].TrimStart('/');
        }

        return path;
    }

    /// <summary>
    /// The entry at <paramref name="name"/> (no trailing slash), looked up in the kept entries and, when they do
    /// not cover the name, by one more pass over the central directory.
    /// </summary>
    public async Task<CentralDirectoryEntry?> FindAsync(string name, CancellationToken cancellationToken)
    {
        if (_byName.TryGetValue(name, out var entry))
        {
            return entry;
        }

        if (IsComplete || !Zip.KeptEntriesTruncated && keeps(name))
        {
            return null;
        }

        var rescan = await Zip.RescanAsync(e => Normalize(e.Name).TrimEnd('/') == name, 1, cancellationToken).ConfigureAwait(false);
        return rescan.KeptEntries.Count > 0 ? rescan.KeptEntries[0] : null;
    }

    public bool HasDirectory(string name) =>
        _byName.TryGetValue(name, out var entry) && entry.IsDirectory ||
        _byName.Keys.Any(key => key.StartsWith(name + "/", StringComparison.Ordinal));

    public async Task<string> ReadSymlinkTargetAsync(CentralDirectoryEntry entry, CancellationToken cancellationToken)
    {
        var content = await Zip.OpenEntryAsync(entry, cancellationToken).ConfigureAwait(false);
        await using var disposeContent = content.ConfigureAwait(false);
        var buffer = new byte[(int)Math.Min(content.Length, MaxSymlinkTarget)];
        var read = await content.ReadAtAsync(0, buffer, cancellationToken).ConfigureAwait(false);
        return System.Text.Encoding.UTF8.GetString(buffer, 0, read);
    }

    public async Task<ReadOnlyMemory<byte>> ReadSmallFileAsync(CentralDirectoryEntry entry, int maxBytes, CancellationToken cancellationToken)
    {
        var content = await Zip.OpenEntryAsync(entry, cancellationToken).ConfigureAwait(false);
        await using var disposeContent = content.ConfigureAwait(false);
        var buffer = new byte[(int)Math.Min(content.Length, maxBytes)];
        var read = await content.ReadAtAsync(0, buffer, cancellationToken).ConfigureAwait(false);
        return buffer.AsMemory(0, read);
    }

    private static Dictionary<string, CentralDirectoryEntry> Index(IReadOnlyList<CentralDirectoryEntry> entries)
    {
        // Later duplicates win, as they do when unzip extracts over the earlier file.
        var index = new Dictionary<string, CentralDirectoryEntry>(StringComparer.Ordinal);
        foreach (var entry in entries)
        {
            index[Normalize(entry.Name).TrimEnd('/')] = entry;
        }

        return index;
    }
}
