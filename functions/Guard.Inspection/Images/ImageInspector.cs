using System.Diagnostics;
using Guard.Inspection.Executables;
using Guard.Inspection.Executables.Elf;
using Guard.Inspection.Reading;
using Guard.Inspection.Reporting;
using Guard.Inspection.Rules;

namespace Guard.Inspection.Images;

/// <summary>A container image to judge and the function facts to judge it against.</summary>
/// <param name="ImageConfig">The function's ImageConfig overrides; null when the image is checked on its own.</param>
public sealed record ImageInspectionRequest(IImageSource Image, Architecture Architecture = Architecture.X8664, FunctionImageConfig? ImageConfig = null);

/// <summary>
/// The engine for <c>PackageType: Image</c>: reads the manifest (picking the function's platform from an index), the
/// config, then the layers from the top only until the file the start command execs, and what its loader needs, are
/// settled. That file is judged by the same rules as a zip's bootstrap, with the image's own files (its interpreter,
/// its libc, its libraries) standing where the runtime's catalogued image stands for a zip. A wrong CPU or OS is
/// settled by the config alone: no layer is read. Throws only <see cref="PackageUnavailableException"/> and
/// <see cref="OperationCanceledException"/>.
/// </summary>
public static class ImageInspector
{
    /// <summary>How the report names the runtime of an image function: the image brings its own.</summary>
    public const string RuntimeName = "image";

    /// <summary>Where glibc-based distributions keep libc.so.6 and their libraries, per CPU (Amazon Linux: lib64; Debian: the multiarch triplet).</summary>
    private static readonly Dictionary<Architecture, string[]> LibraryDirectories = new()
    {
        [Architecture.X8664] = ["/lib64", "/usr/lib64", "/lib/x86_64-linux-gnu", "/usr/lib/x86_64-linux-gnu", "/lib", "/usr/lib", "/usr/local/lib", "/usr/local/lib64"],
        [Architecture.Arm64] = ["/lib64", "/usr/lib64", "/lib/aarch64-linux-gnu", "/usr/lib/aarch64-linux-gnu", "/lib", "/usr/lib", "/usr/local/lib", "/usr/local/lib64"],
    };

    public static async Task<Report> InspectAsync(ImageInspectionRequest request, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(request);
        var started = Stopwatch.GetTimestamp();
        var findings = new List<Finding>();
        var layerSources = new List<CountingRangeSource>();
        BootstrapSummary? summary = null;
        try
        {
            summary = await JudgeAsync(request, findings, layerSources, cancellationToken).ConfigureAwait(false);
        }
        catch (InvalidImageException e)
        {
            findings.Add(Findings.ImageInvalid(e.Message));
        }

        var verdict = findings.Any(f => f.Severity == Severity.Error) ? Verdict.Broken : Verdict.Ok;
        return new Report(
            Report.CurrentSchemaVersion,
            request.Image.DisplayName,
            verdict,
            RuntimeName,
            request.Architecture.ToApiName(),
            summary,
            findings.OrderBy(f => f.Severity).ToArray(),
            new ReadStats(
                request.Image.Requests + layerSources.Sum(s => s.Requests),
                request.Image.BytesRead + layerSources.Sum(s => s.BytesRead),
                (long)Stopwatch.GetElapsedTime(started).TotalMilliseconds));
    }

    private static async Task<BootstrapSummary?> JudgeAsync(ImageInspectionRequest request, List<Finding> findings, List<CountingRangeSource> layerSources, CancellationToken cancellationToken)
    {
        var image = request.Image;
        var document = await image.ReadTopAsync(cancellationToken).ConfigureAwait(false);
        var mediaType = document.MediaType ?? ImageJson.MediaTypeOf(document.Bytes.Span);

        // A layout's index.json lists the images it holds; with one, that one is the image (it may itself be an index).
        if (document.IsLayoutIndex)
        {
            var layout = ImageJson.Parse(document.Bytes.Span, ImageJsonContext.Default.ImageIndex, "index.json");
            if (layout.Manifests is [var only])
            {
                document = await image.ReadDocumentAsync(only, cancellationToken).ConfigureAwait(false);
                mediaType = ImageJson.MediaTypeOf(document.Bytes.Span) ?? only.MediaType;
            }
            else if (layout.Manifests is not { Count: > 0 })
            {
                throw new InvalidImageException("index.json lists no image");
            }
        }

        if (ImageMediaTypes.IsIndex(mediaType))
        {
            var index = ImageJson.Parse(document.Bytes.Span, ImageJsonContext.Default.ImageIndex, "the index");
            if (!document.IsLayoutIndex)
            {
                findings.Add(ImageRules.JudgeIndex(index, mediaType!));
            }

            var wanted = ImageRules.ImageArchitectureName(request.Architecture);
            var platformImage = (index.Manifests ?? []).FirstOrDefault(m => !m.IsAttestation && m.Platform is { OperatingSystem: "linux" } p && p.Architecture == wanted);
            if (platformImage is null)
            {
                var offered = (index.Manifests ?? []).Where(m => !m.IsAttestation).Select(ImageRules.PlatformName).ToArray();
                findings.Add(Findings.ImageWrongArch(offered.Length == 1 ? offered[0] : $"{string.Join(", ", offered.DefaultIfEmpty("no platform"))} (no linux/{wanted})", request.Architecture.ToApiName(), null));
                return null;
            }

            document = await image.ReadDocumentAsync(platformImage, cancellationToken).ConfigureAwait(false);
            mediaType = ImageJson.MediaTypeOf(document.Bytes.Span) ?? platformImage.MediaType;
        }

        var manifestFindings = ImageRules.JudgeManifest(
            ImageMediaTypes.IsManifest(mediaType) ? ImageJson.Parse(document.Bytes.Span, ImageJsonContext.Default.ImageManifest, "the manifest") : new ImageManifest(0, mediaType, null, null),
            mediaType);
        findings.AddRange(manifestFindings);
        if (!ImageMediaTypes.IsManifest(mediaType))
        {
            return null;
        }

        var manifest = ImageJson.Parse(document.Bytes.Span, ImageJsonContext.Default.ImageManifest, "the manifest");
        if (manifest.Config is not { } configDescriptor)
        {
            throw new InvalidImageException("the manifest names no config");
        }

        var configDocument = await image.ReadDocumentAsync(configDescriptor, cancellationToken).ConfigureAwait(false);
        var config = ImageJson.Parse(configDocument.Bytes.Span, ImageJsonContext.Default.ImageConfiguration, "the image config");
        var start = ContainerStart.Merge(config.Container, request.ImageConfig);
        var platform = ImageRules.JudgePlatform(config, request.Architecture, start.Argv.Count > 0 ? start.Argv[0] : null);
        findings.AddRange(platform);
        var startFindings = ImageRules.JudgeStart(start);
        findings.AddRange(startFindings);

        // The config settles these alone: nothing in a layer can make the wrong CPU or OS start.
        if (platform.Count > 0 || start.Argv.Count == 0 || start.Argv[0].Length == 0 || manifestFindings.Any(f => f.Message.Contains("layer", StringComparison.Ordinal)))
        {
            return null;
        }

        var layers = (manifest.Layers ?? []).Select(descriptor =>
        {
            var source = new CountingRangeSource(image.OpenBlob(descriptor));
            layerSources.Add(source);
            return new ImageLayer(descriptor, source);
        }).ToArray();
        var files = new ImageFileSystem(layers);
        return await JudgeCommandAsync(start, files, request.Architecture, findings, cancellationToken).ConfigureAwait(false);
    }

    private static async Task<BootstrapSummary?> JudgeCommandAsync(ContainerStart start, ImageFileSystem files, Architecture architecture, List<Finding> findings, CancellationToken cancellationToken)
    {
        var word = start.Argv[0];
        var candidates = CandidatesFor(word, start);
        foreach (var candidate in candidates)
        {
            files.Want(candidate);
        }

        ImagePath? found = null;
        ImagePath.Missing? firstMissing = null;
        foreach (var candidate in candidates)
        {
            switch (await files.ResolveAsync(candidate, cancellationToken).ConfigureAwait(false))
            {
                case ImagePath.Found { Entry.Kind: not ImageEntryKind.Directory } file:
                    found = file;
                    break;
                case ImagePath.Missing missing:
                    firstMissing ??= missing;
                    break;
            }

            if (found is not null)
            {
                break;
            }
        }

        if (found is not ImagePath.Found(var path, var entry))
        {
            var looked = word.Contains('/', StringComparison.Ordinal) ? $"{candidates[0]} is not in the image" : $"no {word} is on the image's PATH ({string.Join(":", start.SearchPath)})";
            findings.Add(Findings.ImageEntrypointMissing(word, looked, firstMissing?.DeletedByWhiteout == true && candidates.Count == 1, start.EntryPointOverridden || start.EntryPoint.Count == 0 && start.CommandOverridden));
            return null;
        }

        var facts = await JudgeFileAsync(path, entry, files, architecture, findings, cancellationToken).ConfigureAwait(false);
        if (ImageRules.JudgeRuntimeClient(start, path, facts) is { } noClient)
        {
            findings.Add(noClient);
        }

        if (path != ImageRules.AwsBaseEntrypoint || findings.Any(f => f.Severity == Severity.Error))
        {
            return Summary(path, entry, facts);
        }

        // An AWS base image's entrypoint script execs /var/runtime/bootstrap: that is the program that must start.
        files.Want(ImageRules.AwsBaseBootstrap);
        if (await files.ResolveAsync(ImageRules.AwsBaseBootstrap, cancellationToken).ConfigureAwait(false) is not ImagePath.Found { Entry.Kind: not ImageEntryKind.Directory } bootstrap)
        {
            findings.Add(Findings.ImageAwsBaseBootstrapMissing());
            return Summary(path, entry, facts);
        }

        var bootstrapFacts = await JudgeFileAsync(bootstrap.Path, bootstrap.Entry, files, architecture, findings, cancellationToken).ConfigureAwait(false);
        return Summary(bootstrap.Path, bootstrap.Entry, bootstrapFacts);
    }

    /// <summary>Where exec finds the command's first word: as given (from the working directory when relative), or along PATH for a bare name.</summary>
    private static List<string> CandidatesFor(string word, ContainerStart start)
    {
        if (word.StartsWith('/'))
        {
            return [RuntimePaths.CollapseDots(word)];
        }

        if (word.Contains('/', StringComparison.Ordinal))
        {
            var directory = start.WorkingDirectory is { } dir && dir.StartsWith('/') ? dir : "/";
            return [RuntimePaths.CollapseDots(directory.TrimEnd('/') + "/" + word)];
        }

        return [.. start.SearchPath.Where(d => d.StartsWith('/')).Select(d => RuntimePaths.CollapseDots(d.TrimEnd('/') + "/" + word)).Distinct(StringComparer.Ordinal)];
    }

    /// <summary>
    /// Judges the file the container execs with the bootstrap rules: its mode, then its bytes. The rules ask about the
    /// runtime through <see cref="RuntimeFacts"/>; for an image that is the image itself, so the facts handed to them are
    /// made from its files: the interpreters and programs it has or lacks, and its libc's glibc version.
    /// </summary>
    private static async Task<ExecutableFacts?> JudgeFileAsync(string path, ImageEntry entry, ImageFileSystem files, Architecture architecture, List<Finding> findings, CancellationToken cancellationToken)
    {
        var judged = new List<Finding>();
        if ((entry.Mode & 0b001) == 0)
        {
            judged.Add(Findings.BootstrapNotExecutable(path, entry.Mode & 0xFFF, needsRead: false));
        }

        var content = await files.ReadAsync(entry, cancellationToken).ConfigureAwait(false);
        var facts = content.Length == 0
            ? new ExecutableFacts(ExecutableKind.Empty)
            : await ExecutableAnalyzer.AnalyzeAsync(content, cancellationToken).ConfigureAwait(false);
        if (judged.Count == 0 && facts.Kind == ExecutableKind.Script && (entry.Mode & 0b100) == 0)
        {
            judged.Add(Findings.BootstrapNotExecutable(path, entry.Mode & 0xFFF, needsRead: true));
        }

        var present = new List<string>();
        var absent = new List<string>();
        foreach (var asked in ExecutableRules.PathsAskedAbout(facts))
        {
            var resolved = await files.ResolveAsync(asked, cancellationToken).ConfigureAwait(false);
            if (resolved is ImagePath.Found { Entry.Kind: not ImageEntryKind.Directory })
            {
                present.Add(asked);
            }
            else if (resolved is ImagePath.Missing)
            {
                absent.Add(asked);
            }
        }

        var glibc = facts.Elf is { Linkage: ElfLinkage.Dynamic } && architecture.Runs(facts.Elf)
            ? await GlibcOfAsync(files, architecture, cancellationToken).ConfigureAwait(false)
            : null;
        var imageFacts = new RuntimeFacts(
            "the image",
            "the image's base",
            glibc ?? new Version(int.MaxValue, 0),
            EntrypointIsHandler: false,
            new Dictionary<Architecture, IReadOnlyList<string>> { [architecture] = present },
            [architecture],
            Deprecated: null,
            BlockCreate: null,
            BlockUpdate: null,
            Successor: null,
            Files: present,
            AbsentFiles: absent);

        // Only the image's own files count: the function has no /var/task package or /opt layers beside it.
        var rules = ExecutableRules.Judge(path, facts, imageFacts, architecture, RuntimeCatalog.Empty, p => present.Contains(p));
        judged.AddRange(rules);

        if (facts.Elf is { Linkage: ElfLinkage.Dynamic, Problem: null } elf &&
            !rules.Any(f => f.Code is FindingCodes.BootstrapWrongArch or FindingCodes.BootstrapInterpreterMissing))
        {
            var map = await LinkAsync(path, elf, files, architecture, cancellationToken).ConfigureAwait(false);
            judged.AddRange(LibraryRules.Judge(path, map, imageFacts));
        }

        findings.AddRange(judged.Select(f => Findings.ForImage(f, path)));
        return facts;
    }

    /// <summary>The highest <c>GLIBC_x.y</c> the image's libc.so.6 defines; null when the image has none Guard could read.</summary>
    private static async Task<Version?> GlibcOfAsync(ImageFileSystem files, Architecture architecture, CancellationToken cancellationToken)
    {
        foreach (var directory in LibraryDirectories[architecture])
        {
            if (await files.ResolveAsync(directory + "/libc.so.6", cancellationToken).ConfigureAwait(false) is not ImagePath.Found { Entry.Kind: ImageEntryKind.File or ImageEntryKind.Hardlink } libc)
            {
                continue;
            }

            var content = await files.ReadAsync(libc.Entry, cancellationToken).ConfigureAwait(false);
            var library = await ExecutableAnalyzer.AnalyzeAsync(content, asLibrary: true, cancellationToken).ConfigureAwait(false);
            if (library.Elf is not { } elf || !architecture.Runs(elf))
            {
                continue;
            }

            return (elf.VersionDefinitions ?? [])
                .Where(v => v.StartsWith("GLIBC_", StringComparison.Ordinal))
                .Select(v => GlibcVersion.TryParse(v, out var version) ? version : null)
                .Where(v => v is not null)
                .Max();
        }

        return null;
    }

    /// <summary>
    /// Where ld.so would find each library the executable needs, in the image: its RPATH/RUNPATH, the image's
    /// LD_LIBRARY_PATH is not read (Guard cannot see the function's), then the distribution's library folders. A library
    /// in none of those but somewhere else in the image may be on a path ld.so.conf adds: unverified, never missing.
    /// </summary>
    private static async Task<LinkMap> LinkAsync(string path, ElfFacts elf, ImageFileSystem files, Architecture architecture, CancellationToken cancellationToken)
    {
        var origin = path[..Math.Max(path.LastIndexOf('/'), 1)];
        var searchPath = (elf.RPath ?? []).Concat(elf.RunPath ?? [])
            .Select(d => d.Replace("${ORIGIN}", origin, StringComparison.Ordinal).Replace("$ORIGIN", origin, StringComparison.Ordinal))
            .Where(d => d.StartsWith('/'))
            .Concat(LibraryDirectories[architecture])
            .ToArray();
        var libraries = new List<LibraryResolution>();
        foreach (var soName in elf.VersionNeedsFromPrefix ? (elf.VersionNeeds ?? []).Select(n => n.Library).Distinct(StringComparer.Ordinal) : elf.NeededLibraries)
        {
            var found = false;
            foreach (var directory in soName.Contains('/', StringComparison.Ordinal) ? [string.Empty] : searchPath)
            {
                if (await files.ResolveAsync(directory.Length == 0 ? soName : directory + "/" + soName, cancellationToken).ConfigureAwait(false) is ImagePath.Found)
                {
                    found = true;
                    break;
                }
            }

            if (found)
            {
                continue;
            }

            await files.ReadAllAsync(cancellationToken).ConfigureAwait(false);
            var elsewhere = files.EntriesNamed(soName[(soName.LastIndexOf('/') + 1)..]).Select(e => e.Path).ToArray();
            libraries.Add(elsewhere.Length > 0
                ? new LibraryResolution.Unknown(soName, path, [], elsewhere)
                : new LibraryResolution.Missing(soName, path, searchPath, [], [], new AbsentLibrary(soName, "no layer has a file of that name", null)));
        }

        return new LinkMap([new LinkedObject(path, elf)], libraries, SearchPathsKnown: true);
    }

    private static BootstrapSummary Summary(string path, ImageEntry entry, ExecutableFacts? facts) => new(
        path,
        "image",
        facts is null ? "unknown" : facts.Kind.ToString().ToLowerInvariant() switch { "portableexecutable" => "pe", var kind => kind },
        facts?.Elf?.MachineName,
        facts?.Elf?.Linkage.Name(),
        facts?.Elf?.Interpreter ?? facts?.Script?.Interpreter,
        facts?.Elf?.GlibcRequired?.ToString(),
        Findings.Octal(entry.Mode & 0xFFF),
        entry.Size,
        (entry.Layer + 1).ToString(System.Globalization.CultureInfo.InvariantCulture),
        facts?.Elf?.IsGo == true ? "go" : null,
        facts?.Elf?.GoBuild?.GoVersion,
        facts?.Elf?.GoBuild?.Dependency(ExecutableRules.AwsLambdaGo)?.Version);
}
