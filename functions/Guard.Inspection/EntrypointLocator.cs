using Guard.Inspection.Rules;
using Guard.Inspection.Zip;

namespace Guard.Inspection;

/// <param name="Owner">The package (function or layer) that holds the entry.</param>
/// <param name="Path">How findings name it: <c>bootstrap</c>, or <c>/opt/bootstrap</c> from a layer.</param>
internal sealed record LocatedEntrypoint(OpenedPackage Owner, CentralDirectoryEntry Entry, string Path);

/// <summary>
/// Finds the file Lambda will exec, in Lambda's order: <c>/var/task/bootstrap</c>, then <c>/opt/bootstrap</c>
/// (the last layer that has one wins, as later layers overwrite earlier ones in /opt). On <c>go1.x</c> the
/// file is the one the Handler names, in the function only.
/// </summary>
internal sealed class EntrypointLocator(
    OpenedPackage function,
    IReadOnlyList<OpenedPackage> layers,
    string entrypoint,
    RuntimeFacts runtime,
    string? handler)
{
    private const int MaxCandidates = 5;
    private const int AnyExecuteBit = 0b001_001_001;

    public async Task<LocatedEntrypoint?> LocateAsync(List<Finding> findings, CancellationToken cancellationToken)
    {
        if (await function.FindAsync(entrypoint, cancellationToken).ConfigureAwait(false) is { } own)
        {
            return new LocatedEntrypoint(function, own, entrypoint);
        }

        if (function.HasDirectory(entrypoint))
        {
            findings.Add(Findings.BootstrapIsDirectory(entrypoint));
            return null;
        }

        if (!runtime.EntrypointIsHandler)
        {
            foreach (var layer in layers.Reverse())
            {
                if (await layer.FindAsync(entrypoint, cancellationToken).ConfigureAwait(false) is { } fromLayer)
                {
                    return new LocatedEntrypoint(layer, fromLayer, "/opt/" + entrypoint);
                }
            }
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

        findings.Add(Findings.BootstrapMissing(entrypoint, runtime.Name, Candidates(), handler is null ? null : OpenedPackage.Normalize(handler)));
        return null;
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
