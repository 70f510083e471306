using Guard.Inspection.Executables;

namespace Guard.Inspection.Rules;

/// <summary>
/// What ld.so would load for a dynamic executable on the runtime: the objects it maps (the executable first, then the
/// shipped libraries in load order) and what each needed soname resolved to. Built by the loader from the package,
/// layers and <see cref="RuntimeImage"/>; judged by <see cref="LibraryRules"/>.
/// </summary>
/// <param name="Objects">The executable and every shipped library read, in the order ld.so maps them.</param>
/// <param name="Libraries">Each soname needed, once (ld.so loads a soname once and every later need shares it), in the order first needed.</param>
/// <param name="SearchPathsKnown">Whether every directory ld.so will search is known: the function's LD_LIBRARY_PATH (its
/// configuration was read) and the executable's RPATH/RUNPATH (its dynamic section was read, not only the version needs in
/// its first bytes). Only then is a copy shipped off the path, or behind the image's, certainly not loaded.</param>
public sealed record LinkMap(IReadOnlyList<LinkedObject> Objects, IReadOnlyList<LibraryResolution> Libraries, bool SearchPathsKnown);

/// <summary>One ELF object ld.so maps.</summary>
/// <param name="Path">Where it is on the runtime's file system, e.g. <c>/var/task/lib/libssl.so.3</c>.</param>
/// <param name="Facts">What it is.</param>
public sealed record LinkedObject(string Path, ElfFacts Facts);

/// <summary>What one needed soname resolved to.</summary>
/// <param name="SoName">The DT_NEEDED name, e.g. <c>libssl.so.3</c>.</param>
/// <param name="NeededBy">The path of the first object that needs it.</param>
public abstract record LibraryResolution(string SoName, string NeededBy)
{
    /// <summary>A library in the package or a layer, read like the executable.</summary>
    /// <param name="Path">Where ld.so finds it, e.g. <c>/var/task/lib/libssl.so.3</c>.</param>
    /// <param name="Facts">Its machine, needs and version definitions.</param>
    public sealed record Shipped(string SoName, string NeededBy, string Path, ElfFacts Facts) : LibraryResolution(SoName, NeededBy);

    /// <summary>The runtime image's own library.</summary>
    /// <param name="Shadowed">Copies the package or a layer ships that ld.so never reaches, because the image's comes first
    /// (/lib64 precedes /var/task/lib on LD_LIBRARY_PATH).</param>
    public sealed record InImage(string SoName, string NeededBy, ImageLibrary Library, IReadOnlyList<string> Shadowed) : LibraryResolution(SoName, NeededBy);

    /// <summary>Nowhere ld.so looks: the load fails with "cannot open shared object file".</summary>
    /// <param name="Searched">The directories searched in the package and layers, in order.</param>
    /// <param name="Unusable">Files of that name ld.so passes over, each with why (e.g. built for another CPU).</param>
    /// <param name="ShippedElsewhere">Where the package or a layer ships a file of that name that no searched directory reaches.</param>
    /// <param name="Absent">What the catalog says of the image's lack of it.</param>
    public sealed record Missing(
        string SoName, string NeededBy, IReadOnlyList<string> Searched, IReadOnlyList<string> Unusable, IReadOnlyList<string> ShippedElsewhere, AbsentLibrary Absent)
        : LibraryResolution(SoName, NeededBy)
    {
        /// <summary>
        /// For a DT_NEEDED with a slash under /var/task or /opt: the one path ld.so opens. Nothing is searched, so a copy
        /// shipped elsewhere is never found whatever LD_LIBRARY_PATH or RPATH say.
        /// </summary>
        public string? OpenedAsIs { get; init; }
    }

    /// <summary>
    /// Not found on Lambda's default search path, and either the catalog does not say whether the image has it, or the
    /// package or a layer ships it in a folder the function's own LD_LIBRARY_PATH may name.
    /// </summary>
    /// <param name="Unusable">Files of that name ld.so passes over, each with why.</param>
    /// <param name="ShippedElsewhere">Where the package or a layer ships a file of that name that ld.so may or may not reach.</param>
    public sealed record Unknown(string SoName, string NeededBy, IReadOnlyList<string> Unusable, IReadOnlyList<string> ShippedElsewhere) : LibraryResolution(SoName, NeededBy);
}
