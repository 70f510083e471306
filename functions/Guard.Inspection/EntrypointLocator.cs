using Guard.Inspection.Executables.Elf;
using Guard.Inspection.Rules;
using Guard.Inspection.Zip;

namespace Guard.Inspection;

/// <param name="Owner">The package (function or layer) that holds the entry.</param>
/// <param name="Entry">The entry at the lookup path itself (a symlink stays the symlink).</param>
/// <param name="Path">How findings name it: <c>bootstrap</c>, or <c>/opt/bootstrap</c> from a layer.</param>
/// <param name="Resolved">What the entry is once its symlinks are followed; a <see cref="Resolution.File"/> is judged.</param>
internal sealed record LocatedEntrypoint(OpenedPackage Owner, CentralDirectoryEntry Entry, string Path, Resolution Resolved);

/// <summary>
/// Finds the file Lambda will exec, in Lambda's order: <c>/var/task/bootstrap</c>, then <c>/opt/bootstrap</c>
/// (the last layer that has one wins, as later layers overwrite earlier ones in /opt). Like the Runtime Interface
/// Emulator's lookup (cmd/aws-lambda-rie, <c>isBootstrapFileExist</c>: <c>os.Stat</c> succeeds and is not a directory),
/// a candidate that is a directory or a dangling symlink is skipped for the next one. On <c>go1.x</c> the file is
/// the one the Handler names, in the function only.
/// </summary>
internal sealed class EntrypointLocator(
    OpenedPackage function,
    IReadOnlyList<OpenedPackage> layers,
    RuntimeFileSystem files,
    string entrypoint,
    RuntimeFacts runtime,
    string? handler,
    Architecture architecture = Architecture.X8664)
{
    private const int MaxCandidates = 5;
    private const int AnyExecuteBit = 0b001_001_001;

    /// <summary>e_machine ends at byte 20 in both ELF classes: a shorter file names no CPU.</summary>
    private const int MachineEnd = 20;

    public async Task<LocatedEntrypoint?> LocateAsync(List<Finding> findings, CancellationToken cancellationToken)
    {
        var candidates = new List<(OpenedPackage Owner, CentralDirectoryEntry? Entry, string Path)>();
        if (await function.FindAsync(entrypoint, cancellationToken).ConfigureAwait(false) is { } own)
        {
            candidates.Add((function, own, entrypoint));
        }
        else if (function.HasDirectory(entrypoint))
        {
            candidates.Add((function, null, entrypoint));
        }

        if (!runtime.EntrypointIsHandler)
        {
            foreach (var layer in layers.Reverse())
            {
                if (await layer.FindAsync(entrypoint, cancellationToken).ConfigureAwait(false) is { } fromLayer)
                {
                    candidates.Add((layer, fromLayer, "/opt/" + entrypoint));
                    break;
                }

                if (layer.HasDirectory(entrypoint))
                {
                    candidates.Add((layer, null, "/opt/" + entrypoint));
                    break;
                }
            }
        }

        var skipped = new List<(OpenedPackage Owner, CentralDirectoryEntry? Entry, string Path, Resolution Resolved)>();
        foreach (var (owner, entry, path) in candidates)
        {
            var resolved = entry is null ? new Resolution.Directory() : await files.ResolveAsync(owner, entry, cancellationToken).ConfigureAwait(false);
            switch (resolved)
            {
                case Resolution.Directory or Resolution.Dangling:
                    skipped.Add((owner, entry, path, resolved));
                    continue;
                case Resolution.OnRuntimeImage { IsCertainlyNotExecutable: true } link:
                    findings.Add(Findings.BootstrapLinksToNonExecutable(path, link.Target, link.Path, runtime.Name, link.Mode!.Value));
                    break;
                case Resolution.OnRuntimeImage link:
                    findings.Add(link.Known
                        ? Findings.BootstrapLinksToRuntimeFile(path, link.Target, link.Path, runtime.Name)
                        : Findings.BootstrapLinkUnverified(path, link.Target, link.Path, runtime.Name, FallbackAfter(path, candidates)));
                    break;
                case Resolution.Unresolvable link:
                    findings.Add(Findings.BootstrapSymlinkUnresolved(path, link.Target, link.Why));
                    break;
            }

            findings.AddRange(skipped.Select(s => Findings.BootstrapSkipped(s.Path, s.Resolved is Resolution.Dangling d ? d.Target : null, path)));
            return new LocatedEntrypoint(owner, entry!, path, resolved);
        }

        if (skipped.Count > 0)
        {
            // Nothing Lambda would exec: each skipped candidate is why.
            foreach (var (_, _, path, resolved) in skipped)
            {
                findings.Add(resolved is Resolution.Dangling dangling
                    ? Findings.BootstrapSymlinkUnresolved(path, dangling.Target, "is not in the package or its layers")
                    : Findings.BootstrapIsDirectory(path));
            }

            var first = skipped[0];
            return first.Entry is null ? null : new LocatedEntrypoint(first.Owner, first.Entry, first.Path, first.Resolved);
        }

        var nested = function.Entries
            .Select(e => OpenedPackage.Normalize(e.Name))
            .Where(name => name.EndsWith("/" + entrypoint, StringComparison.Ordinal))
            .OrderBy(name => name.Count(c => c == '/'))
            .ThenBy(name => name, StringComparer.Ordinal)
            .FirstOrDefault();
        if (nested is not null)
        {
            findings.Add(Findings.BootstrapNested(nested));
            return null;
        }

        var named = Candidates();
        var builtFor = named.Count > 0 ? await OtherCpuOfAsync(named[0], cancellationToken).ConfigureAwait(false) : null;
        findings.Add(Findings.BootstrapMissing(entrypoint, runtime.Name, named, handler is null ? null : OpenedPackage.Normalize(handler), architecture.ToApiName(), builtFor));
        return null;
    }

    /// <summary>
    /// The CPU the candidate's ELF header names, when this function's architecture does not run it: renaming an arm64
    /// build to bootstrap on an x86_64 function trades one failure for another. One read of its first 64 bytes.
    /// </summary>
    private async Task<string?> OtherCpuOfAsync(string candidate, CancellationToken cancellationToken)
    {
        if (await function.FindAsync(candidate, cancellationToken).ConfigureAwait(false) is not { IsSymbolicLink: false } entry)
        {
            return null;
        }

        ReadOnlyMemory<byte> start;
        try
        {
            start = await function.ReadSmallFileAsync(entry, ElfHeader.Size64, cancellationToken).ConfigureAwait(false);
        }
        catch (InvalidZipException)
        {
            // Only the hint's wording depends on it: BOOTSTRAP_MISSING stands whatever the candidate's bytes are.
            return null;
        }

        if (start.Length < MachineEnd || !start.Span.StartsWith(ElfHeader.Magic))
        {
            return null;
        }

        var padded = new byte[ElfHeader.Size64];
        start.Span.CopyTo(padded);
        var header = ElfHeader.Parse(padded);
        return ArchitectureNames.Of(header.Machine, header.Is64Bit, header.IsLittleEndian) is { } lambda
            ? lambda == architecture ? null : lambda.ToApiName()
            : ElfMachineNames.For(header.Machine, header.Is64Bit, header.IsLittleEndian);
    }

    /// <summary>The path Lambda tries next when the runtime lacks what <paramref name="path"/> links to; null when none.</summary>
    private static string? FallbackAfter(string path, List<(OpenedPackage Owner, CentralDirectoryEntry? Entry, string Path)> candidates)
    {
        var index = candidates.FindIndex(c => c.Path == path);
        return index + 1 < candidates.Count ? candidates[index + 1].Path : null;
    }

    /// <summary>
    /// Files that were probably meant to be bootstrap: the old go1.x Handler's file first, then executables at
    /// the root (Unix execute bit, or no extension when the archive records no mode).
    /// </summary>
    private List<string> Candidates()
    {
        var candidates = new List<string>();
        var handlerPath = handler is null ? null : OpenedPackage.Normalize(handler);
        var files = function.Entries.Where(e => !e.IsDirectory).Select(e => (Name: OpenedPackage.Normalize(e.Name), Entry: e)).ToArray();
        if (handlerPath is not null && files.Any(f => f.Name == handlerPath))
        {
            candidates.Add(handlerPath);
        }

        candidates.AddRange(files
            .Where(f => !f.Name.Contains('/', StringComparison.Ordinal) && f.Name != handlerPath)
            .Where(f => f.Entry.UnixMode is { } mode ? (mode & AnyExecuteBit) != 0 && !f.Entry.IsSymbolicLink : !f.Name.Contains('.', StringComparison.Ordinal))
            .Select(f => f.Name)
            .Order(StringComparer.Ordinal)
            .Take(MaxCandidates));
        return candidates;
    }
}
