namespace Guard.Inspection.Rules;

/// <summary>
/// Judges what ld.so would load (a <see cref="LinkMap"/>) the way it fails at start: a needed library found nowhere
/// (<c>cannot open shared object file</c>), or a symbol version its provider does not define (<c>version `X' not
/// found</c>). What the catalog of the image cannot settle is a warning: a false "broken" is worse than a miss.
/// </summary>
public static class LibraryRules
{
    private const string GlibcVersionPrefix = "GLIBC_";

    /// <param name="path">How messages name the executable, e.g. <c>bootstrap</c>.</param>
    /// <param name="map">What the loader found.</param>
    /// <param name="runtime">The function's runtime.</param>
    public static IReadOnlyList<Finding> Judge(string path, LinkMap map, RuntimeFacts runtime)
    {
        ArgumentNullException.ThrowIfNull(map);
        ArgumentNullException.ThrowIfNull(runtime);
        var findings = new List<Finding>();
        var unverified = new List<string>();
        foreach (var library in map.Libraries)
        {
            switch (library)
            {
                case LibraryResolution.Missing missing:
                    findings.Add(Findings.LibraryMissing(path, missing, runtime));
                    break;
                case LibraryResolution.Unknown unknown:
                    unverified.Add(Findings.UnverifiedLibrary(unknown));
                    break;
            }
        }

        var providers = map.Libraries.ToDictionary(l => l.SoName, StringComparer.Ordinal);
        for (var i = 0; i < map.Objects.Count; i++)
        {
            var linked = map.Objects[i];
            foreach (var needs in (linked.Facts.VersionNeeds ?? []).Where(n => !n.IsWeak).GroupBy(n => n.Library, StringComparer.Ordinal))
            {
                if (!providers.TryGetValue(needs.Key, out var provider))
                {
                    continue;
                }

                // The executable's own GLIBC_ needs are BOOTSTRAP_GLIBC_TOO_NEW's to judge, against the runtime's glibc.
                var versions = needs.Select(n => n.Version).Distinct(StringComparer.Ordinal)
                    .Where(v => !(i == 0 && provider is LibraryResolution.InImage && v.StartsWith(GlibcVersionPrefix, StringComparison.Ordinal)))
                    .ToArray();
                var missingVersions = new List<string>();
                foreach (var version in versions)
                {
                    switch (Provides(provider, version))
                    {
                        case false:
                            missingVersions.Add(version);
                            break;
                        case null:
                            unverified.Add($"{version} from {needs.Key}");
                            break;
                    }
                }

                if (missingVersions.Count > 0)
                {
                    findings.Add(Findings.LibraryVersionMissing(path, linked.Path, provider, missingVersions, runtime, map.SearchPathsKnown));
                }
            }
        }

        if (unverified.Count > 0)
        {
            findings.Add(Findings.LibraryUnverified(path, unverified, runtime.Name));
        }

        return findings;
    }

    /// <summary>
    /// Whether the library ld.so picked defines <paramref name="version"/>; null when Guard cannot tell. A shipped library
    /// without version definitions satisfies no versioned need: ld.so prints "no version information available", then
    /// aborts on an assertion (check_match in dl-lookup.c). Its definitions are unknown when only the first bytes were read.
    /// </summary>
    private static bool? Provides(LibraryResolution provider, string version) => provider switch
    {
        LibraryResolution.Shipped { Facts.VersionNeedsFromPrefix: true } => null,
        LibraryResolution.Shipped shipped => shipped.Facts.VersionDefinitions?.Contains(version, StringComparer.Ordinal) == true,
        LibraryResolution.InImage image => image.Library.Provides(version),
        _ => true,
    };
}
