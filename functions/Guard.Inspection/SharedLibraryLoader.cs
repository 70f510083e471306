using Guard.Inspection.Executables;
using Guard.Inspection.Rules;
using Guard.Inspection.Zip;

namespace Guard.Inspection;

/// <summary>
/// Resolves a dynamic executable's libraries as glibc's ld.so will on the runtime (<c>elf/dl-load.c</c>,
/// <c>_dl_map_object</c>): breadth first from the executable, each DT_NEEDED soname loaded once, searched in the
/// DT_RPATH of the needing object and of the objects that loaded it (only when the needing object has no DT_RUNPATH),
/// then Lambda's LD_LIBRARY_PATH, then the object's own DT_RUNPATH, then the image (ld.so.cache and /lib64, /usr/lib64).
/// <c>$ORIGIN</c> is the needing object's directory. A file of the right name built for another CPU or class is passed
/// over, as ld.so passes over it. Libraries shipped in the package or a layer are read like the executable and their
/// needs resolved in turn; the image's come from <see cref="RuntimeImage"/>.
/// </summary>
/// <param name="environment">The function's LD_LIBRARY_PATH setting, or null when unknown.</param>
internal sealed class SharedLibraryLoader(RuntimeFileSystem files, RuntimeImage image, Architecture architecture, FunctionEnvironment? environment)
{
    /// <summary>
    /// Lambda's LD_LIBRARY_PATH on the OS-only runtimes ("Defined runtime environment variables"). /lib64 and /usr/lib64
    /// come before /var/task/lib: a library the image has wins over a copy shipped in lib/, unless DT_RPATH names it.
    /// </summary>
    public static IReadOnlyList<string> LambdaLibraryPath { get; } =
        ["/var/lang/lib", "/lib64", "/usr/lib64", "/var/runtime", "/var/runtime/lib", "/var/task", "/var/task/lib", "/opt/lib"];

    /// <summary>Where the image keeps its libraries: Amazon Linux merges /lib64 into /usr/lib64, so both name the same files.</summary>
    private static readonly string[] ImageLibraryDirectories = ["/lib64", "/usr/lib64"];

    /// <summary>Shipped libraries read per executable: real programs load a few dozen; the cap bounds a hostile package.</summary>
    private const int MaxObjects = 64;

    public async Task<LinkMap> LoadAsync(string path, ElfFacts executable, CancellationToken cancellationToken)
    {
        var root = new Loaded(path, executable, null);
        // Whether every directory ld.so searches for the executable's own needs is known; a library's needs also depend on its RPATH.
        var searchPathsKnown = environment is not null && !executable.VersionNeedsFromPrefix;
        var objects = new List<Loaded> { root };
        var libraries = new Dictionary<string, LibraryResolution>(StringComparer.Ordinal);
        var order = new List<LibraryResolution>();
        var queue = new Queue<Loaded>([root]);
        while (queue.TryDequeue(out var needing))
        {
            foreach (var soName in NeedsOf(needing.Facts))
            {
                if (libraries.ContainsKey(soName) || objects.Any(o => o.Facts.SoName == soName))
                {
                    continue;
                }

                var resolution = await ResolveAsync(soName, needing, searchPathsKnown, cancellationToken).ConfigureAwait(false);
                libraries.Add(soName, resolution);
                order.Add(resolution);
                if (resolution is LibraryResolution.Shipped shipped && objects.Count < MaxObjects)
                {
                    var loaded = new Loaded(shipped.Path, shipped.Facts, needing);
                    objects.Add(loaded);
                    queue.Enqueue(loaded);
                }
            }
        }

        return new LinkMap([.. objects.Select(o => new LinkedObject(o.Path, o.Facts))], order, searchPathsKnown);
    }

    /// <summary>DT_NEEDED; when only the version needs were read, the libraries they name (every one a versioned symbol comes from).</summary>
    private static IEnumerable<string> NeedsOf(ElfFacts facts) =>
        facts.VersionNeedsFromPrefix
            ? (facts.VersionNeeds ?? []).Select(n => n.Library).Distinct(StringComparer.Ordinal)
            : facts.NeededLibraries;

    private async Task<LibraryResolution> ResolveAsync(string soName, Loaded needing, bool searchPathsKnown, CancellationToken cancellationToken)
    {
        var unusable = new List<string>();
        var searched = new List<string>();
        var fileName = soName[(soName.LastIndexOf('/') + 1)..];
        foreach (var directory in SearchPath(soName, needing))
        {
            var candidate = RuntimePaths.CollapseDots(directory.TrimEnd('/') + "/" + fileName);
            if (files.IsShipped(candidate))
            {
                searched.Add(candidate[..candidate.LastIndexOf('/')]);
                if (await TryShippedAsync(soName, candidate, needing, unusable, cancellationToken).ConfigureAwait(false) is { } found)
                {
                    return found;
                }
            }
            else if (ImageLibraryDirectories.Contains(candidate[..candidate.LastIndexOf('/')], StringComparer.Ordinal) && image.Find(soName) is { } library)
            {
                return InImage(soName, needing, library);
            }
        }

        if (soName.Contains('/', StringComparison.Ordinal))
        {
            return ResolveAbsolute(soName, needing, searched, unusable);
        }

        // ld.so.cache and the default directories: the image's own libraries.
        if (image.Find(soName) is { } cached)
        {
            return InImage(soName, needing, cached);
        }

        var elsewhere = files.ShippedFilesNamed(fileName).Where(p => !searched.Contains(p[..p.LastIndexOf('/')], StringComparer.Ordinal)).ToArray();

        // The RPATHs that count come from the needing object and those that loaded it: each must have been read.
        for (var loader = needing; loader is not null && searchPathsKnown; loader = loader.LoadedBy)
        {
            searchPathsKnown = !loader.Facts.VersionNeedsFromPrefix;
        }

        // A copy shipped off the searched path is found if an LD_LIBRARY_PATH or DT_RPATH Guard has not read names its
        // folder: with either unknown, only a library shipped nowhere, that the image lacks, is certainly missing.
        return image.FindAbsent(soName) is { } absent && (searchPathsKnown || elsewhere.Length == 0)
            ? new LibraryResolution.Missing(soName, needing.Path, searched.Distinct(StringComparer.Ordinal).ToArray(), unusable, elsewhere, absent)
            : new LibraryResolution.Unknown(soName, needing.Path, unusable, elsewhere);
    }

    /// <summary>
    /// A DT_NEEDED with a slash: ld.so opens that one path (from the working directory /var/task when relative) and
    /// searches nothing else, so no LD_LIBRARY_PATH or RPATH can rescue it. Under /var/task or /opt Guard sees every file;
    /// elsewhere only a complete catalog of the image settles it.
    /// </summary>
    private LibraryResolution ResolveAbsolute(string soName, Loaded needing, List<string> searched, List<string> unusable)
    {
        var path = RuntimePaths.CollapseDots(soName.StartsWith('/') ? soName : "/var/task/" + soName);
        if (!files.IsShipped(path))
        {
            if (image.FindByPath(path) is { } library)
            {
                return InImage(soName, needing, library);
            }

            return image.IsComplete
                ? new LibraryResolution.Missing(soName, needing.Path, [], unusable, [], image.FindAbsent(path[(path.LastIndexOf('/') + 1)..]) is { } absent
                    ? absent with { SoName = soName, Fix = null }
                    : new AbsentLibrary(soName, $"the image has no file at {path}", null))
                : new LibraryResolution.Unknown(soName, needing.Path, unusable, []);
        }

        var elsewhere = files.ShippedFilesNamed(path[(path.LastIndexOf('/') + 1)..]).Where(p => p != path).ToArray();
        var why = unusable.Count > 0 ? $"the file shipped at {path} is one ld.so passes over"
            : path.StartsWith("/opt/", StringComparison.Ordinal) ? $"no layer ships {path}"
            : $"the package does not ship {path["/var/task/".Length..]}";
        return new LibraryResolution.Missing(soName, needing.Path, searched.Distinct(StringComparer.Ordinal).ToArray(), unusable, elsewhere, new AbsentLibrary(soName, why, null))
        {
            OpenedAsIs = path,
        };
    }

    private LibraryResolution.InImage InImage(string soName, Loaded needing, ImageLibrary library) =>
        new(soName, needing.Path, library, [.. files.ShippedFilesNamed(soName[(soName.LastIndexOf('/') + 1)..])]);

    /// <summary>The shipped file at <paramref name="candidate"/>, when ld.so would load it; files it passes over go to <paramref name="unusable"/>.</summary>
    private async Task<LibraryResolution?> TryShippedAsync(string soName, string candidate, Loaded needing, List<string> unusable, CancellationToken cancellationToken)
    {
        if (await files.FindAsync(candidate, cancellationToken).ConfigureAwait(false) is not { } found)
        {
            return null;
        }

        var (owner, entry) = found;
        switch (await files.ResolveAsync(owner, entry, cancellationToken).ConfigureAwait(false))
        {
            case Resolution.File(var fileOwner, var file):
                var facts = await ReadAsync(fileOwner, file, cancellationToken).ConfigureAwait(false);
                if (facts?.Elf is not { } elf)
                {
                    unusable.Add($"{candidate} ({(facts is null ? "unreadable" : "not an ELF file")})");
                    return null;
                }

                if (!architecture.Runs(elf))
                {
                    unusable.Add($"{candidate} (built for {elf.MachineName})");
                    return null;
                }

                if (elf.Problem is { } problem)
                {
                    unusable.Add($"{candidate} ({problem})");
                    return null;
                }

                return new LibraryResolution.Shipped(soName, needing.Path, fileOwner.Root + "/" + OpenedPackage.Normalize(file.Name), elf);
            case Resolution.OnRuntimeImage link when image.Find(link.Path[(link.Path.LastIndexOf('/') + 1)..]) is { } library:
                return InImage(soName, needing, library);
            default:
                return null;
        }
    }

    private static async Task<ExecutableFacts?> ReadAsync(OpenedPackage owner, CentralDirectoryEntry entry, CancellationToken cancellationToken)
    {
        try
        {
            var content = await owner.Zip.OpenEntryAsync(entry, cancellationToken).ConfigureAwait(false);
            return entry.UncompressedSize == 0 ? new ExecutableFacts(ExecutableKind.Empty) : await ExecutableAnalyzer.AnalyzeAsync(content, asLibrary: true, cancellationToken).ConfigureAwait(false);
        }
        catch (InvalidZipException)
        {
            return null;
        }
    }

    /// <summary>The directories ld.so tries for <paramref name="soName"/> needed by <paramref name="needing"/>, before the image's defaults.</summary>
    /// <summary>The function's own LD_LIBRARY_PATH entries; an empty entry is the working directory, /var/task.</summary>
    private IEnumerable<string> FunctionLibraryPath =>
        (environment?.LdLibraryPath?.Split(':') ?? []).Select(entry => entry.Length == 0 ? "/var/task" : entry.StartsWith('/') ? entry : "/var/task/" + entry);

    private List<string> SearchPath(string soName, Loaded needing)
    {
        if (soName.Contains('/', StringComparison.Ordinal))
        {
            // A DT_NEEDED with a slash is opened as given, from the working directory /var/task.
            var path = soName.StartsWith('/') ? soName : "/var/task/" + soName;
            return [path[..path.LastIndexOf('/')]];
        }

        var directories = new List<string>();
        if (needing.Facts.RunPath is null)
        {
            for (var loader = needing; loader is not null; loader = loader.LoadedBy)
            {
                directories.AddRange(Expand(loader.Facts.RPath, loader.Path));
            }
        }

        // A function's own LD_LIBRARY_PATH comes first; Lambda's default directories are kept after it, so a library
        // is never judged missing for a folder the function's value might have replaced.
        directories.AddRange(FunctionLibraryPath);
        directories.AddRange(LambdaLibraryPath);
        directories.AddRange(Expand(needing.Facts.RunPath, needing.Path));
        return directories;
    }

    /// <summary>DT_RPATH/DT_RUNPATH entries with <c>$ORIGIN</c> (or <c>${ORIGIN}</c>) as the object's directory; an empty entry is the working directory.</summary>
    private static IEnumerable<string> Expand(IReadOnlyList<string>? entries, string objectPath)
    {
        var origin = objectPath[..Math.Max(objectPath.LastIndexOf('/'), 1)];
        return (entries ?? []).Select(entry => entry.Replace("${ORIGIN}", origin, StringComparison.Ordinal).Replace("$ORIGIN", origin, StringComparison.Ordinal))
            .Select(entry => entry.Length == 0 ? "/var/task" : entry.StartsWith('/') ? entry : "/var/task/" + entry);
    }

    private sealed record Loaded(string Path, ElfFacts Facts, Loaded? LoadedBy);
}
