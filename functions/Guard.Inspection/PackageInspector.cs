using System.Diagnostics;
using Guard.Inspection.Executables;
using Guard.Inspection.Reading;
using Guard.Inspection.Reporting;
using Guard.Inspection.Rules;
using Guard.Inspection.Zip;

namespace Guard.Inspection;

/// <summary>
/// The engine: judges a package the way Lambda will see it and returns a <see cref="Report"/>. Pure apart from
/// the range sources it is handed; it does not log, and it throws only <see cref="PackageUnavailableException"/>
/// (the package could not be fetched) and <see cref="OperationCanceledException"/>.
/// </summary>
public sealed class PackageInspector(RuntimeCatalog runtimes, PlaceholderCatalog placeholders, TimeProvider time)
{
    /// <summary>Entries kept per package for lookups by name; the rest are only counted.</summary>
    private const int MaxKeptEntries = 4096;

    private const string Bootstrap = "bootstrap";

    /// <summary>Where a layer's extensions sit; they land at <c>/opt/extensions</c>.</summary>
    private const string ExtensionsFolder = "extensions";

    /// <summary>Lambda allows 10 extensions per function; a few more are judged so a layer that ships too many is still read, never unbounded.</summary>
    private const int MaxExtensionsJudged = 16;

    public PackageInspector() : this(RuntimeCatalog.Default, PlaceholderCatalog.Default, TimeProvider.System)
    {
    }

    public async Task<Report> InspectAsync(InspectionRequest request, CancellationToken cancellationToken)
    {
        var started = Stopwatch.GetTimestamp();
        var runtime = runtimes.Find(request.Runtime);
        if (request.LayersOnly && !runtime.IsManaged)
        {
            throw new ArgumentException($"only a managed runtime's function is judged by its layers alone; {runtime.Name} runs the package's own bootstrap", nameof(request));
        }

        var entrypoint = request.Entrypoint is { Length: > 0 } asked ? OpenedPackage.Normalize(asked)
            : runtime.EntrypointIsHandler ? OpenedPackage.Normalize(request.Handler ?? "main")
            : Bootstrap;
        var package = new CountingRangeSource(request.Package);
        var layers = (request.Layers ?? []).Select(layer => new CountingRangeSource(layer)).ToArray();
        var findings = new List<Finding>();

        if (runtime.IsDeprecatedOn(DateOnly.FromDateTime(time.GetUtcNow().UtcDateTime)))
        {
            findings.Add(Findings.RuntimeDeprecated(runtime, request.Architecture.ToApiName()));
        }

        var judged = await JudgeAsync(request, runtime, entrypoint, package, layers, findings, cancellationToken).ConfigureAwait(false);
        var verdict = findings.Any(f => f.Severity == Severity.Error) ? Verdict.Broken
            : judged.IsPlaceholder ? Verdict.Placeholder
            : Verdict.Ok;
        var sources = layers.Prepend(package).ToArray();
        return new Report(
            Report.CurrentSchemaVersion,
            request.Package.DisplayName,
            verdict,
            runtime.Name,
            request.Architecture.ToApiName(),
            judged.Bootstrap,
            findings.OrderBy(f => f.Severity).ToArray(),
            new ReadStats(
                sources.Sum(s => s.Requests),
                sources.Sum(s => s.BytesRead),
                (long)Stopwatch.GetElapsedTime(started).TotalMilliseconds));
    }

    private async Task<Judgement> JudgeAsync(
        InspectionRequest request,
        RuntimeFacts runtime,
        string entrypoint,
        CountingRangeSource package,
        CountingRangeSource[] layers,
        List<Finding> findings,
        CancellationToken cancellationToken)
    {
        var function = request.LayersOnly
            ? null
            : await OpenAsync("the package", "/var/task", package, KeepFor(entrypoint, request.Handler), findings, cancellationToken).ConfigureAwait(false);
        if (function is null && !request.LayersOnly)
        {
            return Judgement.None;
        }

        if (function is not null && !runtime.IsManaged && await RecognizePlaceholderAsync(function, request, cancellationToken).ConfigureAwait(false) is { } placeholder)
        {
            findings.Add(Findings.Placeholder(placeholder));
            return new Judgement(null, IsPlaceholder: true);
        }

        var openedLayers = new List<OpenedPackage>();
        for (var i = 0; i < layers.Length; i++)
        {
            var label = $"layer {i + 1} ({layers[i].DisplayName})";
            if (await OpenAsync(label, "/opt", layers[i], KeepFor(Bootstrap, null), findings, cancellationToken).ConfigureAwait(false) is { } layer)
            {
                openedLayers.Add(layer);
            }
        }

        var total = openedLayers.Aggregate(function?.Zip.TotalUncompressedSize ?? 0, (sum, layer) => SaturatingAdd(sum, layer.Zip.TotalUncompressedSize));
        if (total > runtimes.UnzippedSizeLimit)
        {
            findings.Add(Findings.PackageTooLarge(total, runtimes.UnzippedSizeLimit));
        }

        if (!runtime.EntrypointIsHandler && !runtime.IsManaged && request.Handler is { Length: > 0 } handler && handler != Bootstrap)
        {
            findings.Add(Findings.HandlerIgnored(runtime.Name, handler));
        }

        var files = new RuntimeFileSystem(function, openedLayers, runtime);
        await JudgeExtensionsAsync(openedLayers, runtime, request.Architecture, files, request.Environment, findings, cancellationToken).ConfigureAwait(false);

        // Lambda supplies a managed runtime's bootstrap, and the function's code is the language's to load, not exec'd:
        // extensions are all that can fail to launch.
        if (runtime.IsManaged || function is null)
        {
            return Judgement.None;
        }

        var locator = new EntrypointLocator(function, openedLayers, files, entrypoint, runtime, request.Handler, request.Architecture);
        var located = await locator.LocateAsync(findings, cancellationToken).ConfigureAwait(false);
        if (located is null)
        {
            return Judgement.None;
        }

        var summary = await JudgeEntrypointAsync(located, runtime, request, function, files, findings, cancellationToken).ConfigureAwait(false);
        return new Judgement(summary, IsPlaceholder: false);
    }

    private static async Task<OpenedPackage?> OpenAsync(
        string label, string root, IRangeSource source, Func<string, bool> keep, List<Finding> findings, CancellationToken cancellationToken)
    {
        ZipPackage zip;
        try
        {
            zip = await ZipPackage.ReadAsync(source, entry => keep(OpenedPackage.Normalize(entry.Name).TrimEnd('/')), MaxKeptEntries, cancellationToken).ConfigureAwait(false);
        }
        catch (InvalidZipException e)
        {
            findings.Add(Findings.ZipInvalid(label, e.Message));
            return null;
        }

        if (zip.FirstEncryptedEntry is { } encrypted)
        {
            findings.Add(Findings.ZipEncrypted(label, encrypted.Name));
        }

        if (zip.FirstUnsupportedCompressionEntry is { } unsupported)
        {
            findings.Add(Findings.ZipUnsupportedCompression(label, unsupported.Name, unsupported.CompressionMethod));
        }

        return new OpenedPackage(label, root, source, zip, keep);
    }

    /// <summary>
    /// Which entries (by normalized name) are worth remembering: everything at the root (bootstrap, the old go1.x
    /// binary, placeholder stubs), nested bootstraps, the Handler's file, layer extensions, bundled program loaders and
    /// shared libraries (a name with <c>.so</c> in it), which the loader looks for folder by folder.
    /// </summary>
    private static Func<string, bool> KeepFor(string entrypoint, string? handler)
    {
        var handlerPath = handler is null ? null : OpenedPackage.Normalize(handler);
        return name =>
        {
            var slash = name.IndexOf('/', StringComparison.Ordinal);
            var fileName = name[(name.LastIndexOf('/') + 1)..];
            return slash < 0
                || name == entrypoint
                || name == handlerPath
                || name.EndsWith("/" + Bootstrap, StringComparison.Ordinal)
                || name.StartsWith(Bootstrap + "/", StringComparison.Ordinal) && name.IndexOf('/', Bootstrap.Length + 1) < 0
                || name.StartsWith("extensions/", StringComparison.Ordinal)
                || fileName.StartsWith("ld-", StringComparison.Ordinal)
                || fileName.Contains(".so", StringComparison.Ordinal);
        };
    }

    private async Task<string?> RecognizePlaceholderAsync(OpenedPackage function, InspectionRequest request, CancellationToken cancellationToken)
    {
        if (function.Zip.EntryCount == 0)
        {
            return "an empty archive";
        }

        if (request.PackageSha256 is { } digest && request.PlaceholderSha256 is { } known && known.Contains(digest))
        {
            return $"CodeSha256 {digest} is listed as a placeholder";
        }

        var files = function.Entries.Where(e => !e.IsDirectory).ToArray();
        if (!function.IsComplete || files.Length > placeholders.MaxFiles || files.Any(f => f.UncompressedSize > placeholders.MaxFileBytes) ||
            function.Zip.FirstEncryptedEntry is not null || function.Zip.FirstUnsupportedCompressionEntry is not null)
        {
            return null;
        }

        var contents = new List<(string, ReadOnlyMemory<byte>)>(files.Length);
        foreach (var file in files)
        {
            try
            {
                contents.Add((OpenedPackage.Normalize(file.Name), await function.ReadSmallFileAsync(file, placeholders.MaxFileBytes, cancellationToken).ConfigureAwait(false)));
            }
            catch (InvalidZipException)
            {
                return null;
            }
        }

        return placeholders.Recognize(contents) is { } tool ? $"the stub {tool} deploys before the real code" : null;
    }

    private async Task<BootstrapSummary?> JudgeEntrypointAsync(
        LocatedEntrypoint located,
        RuntimeFacts runtime,
        InspectionRequest request,
        OpenedPackage function,
        RuntimeFileSystem files,
        List<Finding> findings,
        CancellationToken cancellationToken)
    {
        var path = located.Path;
        var origin = ReferenceEquals(located.Owner, function) ? "function" : "layer";
        var layerName = ReferenceEquals(located.Owner, function) ? null : located.Owner.Source.DisplayName;

        // The locator has said what a link, a directory or a file of the runtime's own image means; only a file is read.
        if (located.Resolved is not Resolution.File(var owner, var entry))
        {
            var kind = located.Resolved is Resolution.Directory && !located.Entry.IsSymbolicLink ? "directory" : "symlink";
            return Summary(path, origin, kind, located.Entry, layerName, null);
        }

        var facts = await JudgeFileAsync(
            path, owner, entry, runtime, request.Architecture, files, request.Environment, findings, cancellationToken, request.IdentifyToolchain).ConfigureAwait(false);
        return Summary(path, origin, facts is null ? "unknown" : KindName(facts.Kind), entry, layerName, facts);
    }

    /// <summary>
    /// Judges the file Lambda will exec at <paramref name="path"/>: its mode, then what its bytes are, against the
    /// runtime and architecture. Bootstrap and extensions share it, so both get the same rules. Null when its content
    /// could not be read (the zip finding says why).
    /// </summary>
    private async Task<ExecutableFacts?> JudgeFileAsync(
        string path,
        OpenedPackage owner,
        CentralDirectoryEntry entry,
        RuntimeFacts runtime,
        Architecture architecture,
        RuntimeFileSystem files,
        FunctionEnvironment? environment,
        List<Finding> findings,
        CancellationToken cancellationToken,
        bool identifyToolchain = false)
    {
        var permissionProblem = entry.UnixMode switch
        {
            null => Findings.BootstrapNoUnixMode(path),
            { } mode when (mode & 0b001) == 0 => Findings.BootstrapNotExecutable(path, mode, needsRead: false),
            _ => null,
        };

        ExecutableFacts facts;
        try
        {
            var content = await owner.Zip.OpenEntryAsync(entry, cancellationToken).ConfigureAwait(false);
            await using var disposeContent = content.ConfigureAwait(false);
            facts = entry.UncompressedSize == 0
                ? new ExecutableFacts(ExecutableKind.Empty)
                : await ExecutableAnalyzer.AnalyzeAsync(content, asLibrary: false, identifyToolchain, cancellationToken).ConfigureAwait(false);
        }
        catch (InvalidZipException e)
        {
            if (permissionProblem is not null)
            {
                findings.Add(permissionProblem);
            }

            findings.Add(Findings.ZipInvalid(owner.Label, e.Message));
            return null;
        }

        // A script is read by its interpreter, so others need read permission as well as execute.
        if (permissionProblem is null && facts.Kind == ExecutableKind.Script && entry.UnixMode is { } scriptMode && (scriptMode & 0b100) == 0)
        {
            permissionProblem = Findings.BootstrapNotExecutable(path, scriptMode, needsRead: true);
        }

        if (permissionProblem is not null)
        {
            findings.Add(permissionProblem);
        }

        // The rules are pure: the paths they will ask about are looked up first (an entry not kept by name costs a rescan).
        var shipped = new HashSet<string>(StringComparer.Ordinal);
        foreach (var asked in ExecutableRules.ShippedPathsAskedAbout(facts))
        {
            if (await files.FindAsync(asked, cancellationToken).ConfigureAwait(false) is not null)
            {
                shipped.Add(asked);
            }
        }

        // Unread function code (LayersOnly) settles nothing under /var/task.
        var judged = ExecutableRules.Judge(path, facts, runtime, architecture, runtimes, p => shipped.Contains(p) ? true : files.IsShipped(p) ? false : null);
        findings.AddRange(judged);

        // ld.so runs only for a dynamic file of the right machine whose program interpreter exists.
        if (facts.Elf is { Linkage: ElfLinkage.Dynamic, Problem: null } elf && runtime.ImageFor(architecture) is { IsCatalogued: true } image &&
            !judged.Any(f => f.Code is FindingCodes.BootstrapWrongArch or FindingCodes.BootstrapInterpreterMissing))
        {
            var loader = new SharedLibraryLoader(files, image, architecture, environment);
            var map = await loader.LoadAsync(owner.Root + "/" + OpenedPackage.Normalize(entry.Name), elf, cancellationToken).ConfigureAwait(false);
            findings.AddRange(LibraryRules.Judge(path, map, runtime));
        }

        return facts;
    }

    /// <summary>
    /// Judges every extension the layers put in <c>/opt/extensions</c>. Lambda lists that folder and execs each entry
    /// that is not a directory (the Runtime Interface Emulator's <c>ListExternalAgentPaths</c>: <c>os.ReadDir</c>,
    /// skipping <c>IsDir()</c>, which does not follow links), before the runtime starts: one that cannot start fails
    /// init however good bootstrap is. A later layer's file replaces an earlier one's at the same path. Only the
    /// central directories already read say which files exist; an extension's content is read only when there is one.
    /// </summary>
    private async Task JudgeExtensionsAsync(
        IReadOnlyList<OpenedPackage> layers,
        RuntimeFacts runtime,
        Architecture architecture,
        RuntimeFileSystem files,
        FunctionEnvironment? environment,
        List<Finding> findings,
        CancellationToken cancellationToken)
    {
        var effective = new SortedDictionary<string, (OpenedPackage Layer, CentralDirectoryEntry Entry)>(StringComparer.Ordinal);
        foreach (var layer in layers)
        {
            foreach (var entry in layer.Entries)
            {
                var name = OpenedPackage.Normalize(entry.Name).TrimEnd('/');
                if (!name.StartsWith(ExtensionsFolder + "/", StringComparison.Ordinal))
                {
                    continue;
                }

                var relative = name[(ExtensionsFolder.Length + 1)..];
                var slash = relative.IndexOf('/', StringComparison.Ordinal);
                if (slash >= 0 || entry.IsDirectory)
                {
                    // A subfolder of extensions/ is not exec'd, and it replaces an earlier layer's file of that name.
                    effective.Remove(slash >= 0 ? relative[..slash] : relative);
                    continue;
                }

                if (relative.Length > 0)
                {
                    effective[relative] = (layer, entry);
                }
            }
        }

        foreach (var (name, (layer, entry)) in effective.Take(MaxExtensionsJudged))
        {
            var path = "/opt/" + ExtensionsFolder + "/" + name;
            var judged = new List<Finding>();
            switch (await files.ResolveAsync(layer, entry, cancellationToken).ConfigureAwait(false))
            {
                case Resolution.File(var owner, var file):
                    await JudgeFileAsync(path, owner, file, runtime, architecture, files, environment, judged, cancellationToken).ConfigureAwait(false);
                    break;
                case Resolution.Directory:
                    // A link to a directory is not IsDir() to os.ReadDir, so Lambda execs it and fails.
                    judged.Add(Findings.BootstrapIsDirectory(path));
                    break;
                case Resolution.Dangling dangling:
                    judged.Add(Findings.BootstrapSymlinkUnresolved(path, dangling.Target, "is not in the package or its layers"));
                    break;
                case Resolution.Unresolvable link:
                    judged.Add(Findings.BootstrapSymlinkUnresolved(path, link.Target, link.Why));
                    break;
                case Resolution.OnRuntimeImage { IsCertainlyNotExecutable: true } link:
                    judged.Add(Findings.BootstrapLinksToNonExecutable(path, link.Target, link.Path, runtime.Name, link.Mode!.Value));
                    break;
            }

            foreach (var finding in judged)
            {
                if (Findings.ForExtension(finding, layer.Source.DisplayName, path) is { } extensionFinding)
                {
                    findings.Add(extensionFinding);
                }
            }
        }
    }

    private static BootstrapSummary Summary(string path, string origin, string kind, CentralDirectoryEntry entry, string? layer, ExecutableFacts? facts) => new(
        path,
        origin,
        kind,
        facts?.Elf?.MachineName,
        facts?.Elf?.Linkage.Name(),
        facts?.Elf?.Interpreter ?? facts?.Script?.Interpreter,
        facts?.Elf?.GlibcRequired?.ToString(),
        entry.UnixMode is { } mode ? Findings.Octal(mode) : null,
        entry.UncompressedSize,
        layer,
        facts?.Elf?.Toolchain?.Name ?? (facts?.Elf?.IsGo == true ? "go" : null),
        facts?.Elf?.GoBuild?.GoVersion,
        facts?.Elf?.GoBuild?.Dependency(ExecutableRules.AwsLambdaGo)?.Version,
        facts?.Elf?.Toolchain is { Name: not "go" } toolchain ? toolchain.Compiler : null);

    private static string KindName(ExecutableKind kind) => kind switch
    {
        ExecutableKind.Elf => "elf",
        ExecutableKind.Script => "script",
        ExecutableKind.MachO => "macho",
        ExecutableKind.PortableExecutable => "pe",
        ExecutableKind.Text => "text",
        ExecutableKind.Empty => "empty",
        _ => "unknown",
    };

    private static long SaturatingAdd(long a, long b) => a > long.MaxValue - b ? long.MaxValue : a + b;

    private sealed record Judgement(BootstrapSummary? Bootstrap, bool IsPlaceholder)
    {
        public static Judgement None { get; } = new(null, false);
    }
}
