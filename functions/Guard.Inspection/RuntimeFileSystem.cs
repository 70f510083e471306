using Guard.Inspection.Rules;
using Guard.Inspection.Zip;

namespace Guard.Inspection;

/// <summary>What a path on the runtime's file system turns out to be once its symlinks are followed, as stat(2) follows them.</summary>
internal abstract record Resolution
{
    /// <summary>A regular file shipped in the package or a layer.</summary>
    public sealed record File(OpenedPackage Owner, CentralDirectoryEntry Entry) : Resolution;

    /// <summary>A directory (an entry, or a path other entries sit under).</summary>
    public sealed record Directory : Resolution;

    /// <summary>A link into /var/task or /opt, where Guard sees every file, that names none.</summary>
    public sealed record Dangling(string Target) : Resolution;

    /// <summary>A link that leaves the package and its layers, to <paramref name="Path"/> on the runtime's own image.</summary>
    /// <param name="Known">The path is one of the runtime's known files (<see cref="RuntimeFacts.Files"/>).</param>
    /// <param name="Mode">The file's permission bits on the image, when a source settles them (<see cref="RuntimeFacts.FileModes"/>).</param>
    public sealed record OnRuntimeImage(string Target, string Path, bool Known, int? Mode = null) : Resolution
    {
        /// <summary>Whether exec of it certainly fails: Lambda runs bootstrap as a user other than the file's owner, so only the bits for others count.</summary>
        public bool IsCertainlyNotExecutable => Mode is { } mode && (mode & 0b001) == 0;
    }

    /// <summary>A link Guard could not follow: its target is unreadable, or it links on too deep.</summary>
    public sealed record Unresolvable(string Target, string Why) : Resolution;
}

/// <summary>
/// The runtime's file system as far as Guard can see it: <c>/var/task</c> is the function's package, <c>/opt</c> the
/// layers (later layers over earlier ones), everything else the runtime's own image, of which Guard knows only the
/// few files <see cref="RuntimeFacts.Files"/> lists.
/// </summary>
/// <param name="function">The function's package; null when it was not read (<see cref="InspectionRequest.LayersOnly"/>),
/// which leaves /var/task as unknown as the runtime's image: nothing there is settled missing.</param>
internal sealed class RuntimeFileSystem(OpenedPackage? function, IReadOnlyList<OpenedPackage> layers, RuntimeFacts runtime)
{
    private const string TaskRoot = "/var/task";

    /// <summary>How many links deep a symlink is followed (Linux stops at 40; real packages use one).</summary>
    private const int MaxSymlinkHops = 8;

    /// <summary>Follows <paramref name="entry"/> of <paramref name="owner"/> through its symlinks to what it names.</summary>
    public async Task<Resolution> ResolveAsync(OpenedPackage owner, CentralDirectoryEntry entry, CancellationToken cancellationToken)
    {
        for (var hop = 0; entry.IsSymbolicLink; hop++)
        {
            var target = await ReadLinkSafelyAsync(owner, entry, cancellationToken).ConfigureAwait(false);
            if (target is null)
            {
                return new Resolution.Unresolvable("(unreadable)", "cannot be read");
            }

            if (hop >= MaxSymlinkHops)
            {
                return new Resolution.Unresolvable(target, "links on too deep");
            }

            var linkPath = owner.Root + "/" + OpenedPackage.Normalize(entry.Name).TrimEnd('/');
            var path = RuntimePaths.CollapseDots(target.StartsWith('/') ? target : linkPath[..(linkPath.LastIndexOf('/') + 1)] + target);
            if (path == TaskRoot || path == "/opt")
            {
                return new Resolution.Directory();
            }

            if (!IsShipped(path))
            {
                return new Resolution.OnRuntimeImage(target, path, runtime.HasFile(path), runtime.ModeOf(path));
            }

            if (await FindAsync(path, cancellationToken).ConfigureAwait(false) is not { } found)
            {
                return HasDirectory(path) ? new Resolution.Directory() : new Resolution.Dangling(target);
            }

            (owner, entry) = found;
        }

        return entry.IsDirectory ? new Resolution.Directory() : new Resolution.File(owner, entry);
    }

    /// <summary>The entry an absolute path names, when the package (under /var/task) or a layer (under /opt) ships it.</summary>
    public async Task<(OpenedPackage Owner, CentralDirectoryEntry Entry)?> FindAsync(string path, CancellationToken cancellationToken)
    {
        foreach (var candidate in CandidatesFor(path))
        {
            var relative = path[(candidate.Root.Length + 1)..];
            if (await candidate.FindAsync(relative, cancellationToken).ConfigureAwait(false) is { } entry)
            {
                return (candidate, entry);
            }
        }

        return null;
    }

    /// <summary>
    /// The absolute paths of the files named <paramref name="fileName"/> (in any folder) among the entries the package
    /// and layers keep by name, shared libraries among them.
    /// </summary>
    public IEnumerable<string> ShippedFilesNamed(string fileName) =>
        (function is null ? layers : layers.Prepend(function)).SelectMany(package => package.Entries
            .Where(entry => !entry.IsDirectory)
            .Select(entry => OpenedPackage.Normalize(entry.Name))
            .Where(name => name == fileName || name.EndsWith("/" + fileName, StringComparison.Ordinal))
            .Select(name => package.Root + "/" + name))
        .Distinct(StringComparer.Ordinal);

    /// <summary>Whether a path under /var/task or /opt is a directory that only the entries below it imply.</summary>
    private bool HasDirectory(string path) =>
        CandidatesFor(path).Any(candidate => candidate.HasDirectory(path[(candidate.Root.Length + 1)..]));

    /// <summary>Whether Guard sees every file at <paramref name="path"/>: under /var/task (the package, when read) or /opt (the layers).</summary>
    public bool IsShipped(string path) =>
        (function is not null && path.StartsWith(TaskRoot + "/", StringComparison.Ordinal)) || path.StartsWith("/opt/", StringComparison.Ordinal);

    /// <summary>Packages that may hold an absolute path: the function for /var/task, layers (last wins) for /opt.</summary>
    private IEnumerable<OpenedPackage> CandidatesFor(string path)
    {
        if (path.StartsWith(TaskRoot + "/", StringComparison.Ordinal))
        {
            return function is null ? [] : [function];
        }

        return path.StartsWith("/opt/", StringComparison.Ordinal) ? layers.Reverse() : [];
    }

    private static async Task<string?> ReadLinkSafelyAsync(OpenedPackage owner, CentralDirectoryEntry entry, CancellationToken cancellationToken)
    {
        try
        {
            return await owner.ReadSymlinkTargetAsync(entry, cancellationToken).ConfigureAwait(false);
        }
        catch (InvalidZipException)
        {
            return null;
        }
    }
}
