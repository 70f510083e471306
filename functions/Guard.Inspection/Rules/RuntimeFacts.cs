namespace Guard.Inspection.Rules;

/// <summary>What one Lambda runtime offers an executable: its C library, its program interpreters, its lifetime.</summary>
/// <param name="Name">The API name, e.g. <c>provided.al2023</c>.</param>
/// <param name="OperatingSystem">e.g. "Amazon Linux 2023".</param>
/// <param name="Glibc">The glibc version installed on the runtime.</param>
/// <param name="EntrypointIsHandler">True for <c>go1.x</c>, which execs the file the Handler names instead of <c>bootstrap</c>.</param>
/// <param name="Interpreters">Program interpreters (ELF PT_INTERP) that exist on the runtime, per architecture.</param>
/// <param name="Architectures">The architectures the runtime is offered on.</param>
/// <param name="Deprecated">When AWS stops patching it.</param>
/// <param name="BlockCreate">When creating functions on it is blocked.</param>
/// <param name="BlockUpdate">When updating functions on it is blocked.</param>
/// <param name="Successor">The runtime to move to, when this one is deprecated.</param>
/// <param name="Files">Files of the runtime's own image that every function can count on (shells, <c>env</c>): a small,
/// sourced subset, so a path not listed is unknown, not missing.</param>
/// <param name="CompleteDirectories">Directories of the image whose every file is in <paramref name="Files"/>: only there
/// is a path not listed known to be missing. Empty until a sourced listing of the image exists.</param>
/// <param name="AbsentFiles">Paths a source settles the image lacks (no package of its complete package list installs
/// them), e.g. <c>/usr/bin/python3</c> on the AL2023 minimal base: there a script's interpreter is missing, not unknown.</param>
/// <param name="Images">What each architecture's image holds for ld.so (<c>images.json</c>); none for a runtime not catalogued.</param>
/// <param name="FileModes">Permission bits of image files a source settles (the package that installs them), e.g.
/// <c>/etc/passwd</c> 0644 from <c>setup</c>: a bootstrap linked to one without execute bits fails with permission denied.</param>
/// <param name="Lifecycle">What each source says of the dates; <paramref name="Deprecated"/>, <paramref name="BlockCreate"/>
/// and <paramref name="BlockUpdate"/> are the earliest of them.</param>
public sealed record RuntimeFacts(
    string Name,
    string OperatingSystem,
    Version Glibc,
    bool EntrypointIsHandler,
    IReadOnlyDictionary<Architecture, IReadOnlyList<string>> Interpreters,
    IReadOnlyList<Architecture> Architectures,
    DateOnly? Deprecated,
    DateOnly? BlockCreate,
    DateOnly? BlockUpdate,
    string? Successor,
    IReadOnlyList<string>? Files = null,
    IReadOnlyList<string>? CompleteDirectories = null,
    IReadOnlyDictionary<Architecture, RuntimeImage>? Images = null,
    IReadOnlyList<string>? AbsentFiles = null,
    IReadOnlyDictionary<string, int>? FileModes = null,
    IReadOnlyList<LifecycleClaim>? Lifecycle = null)
{
    /// <summary>A managed runtime (python3.12, nodejs20.x...): Lambda supplies the bootstrap and the function's code is
    /// the language's, so only what layers put in <c>/opt/extensions</c> is Guard's to judge.</summary>
    public bool IsManaged { get; init; }

    /// <summary>The image the function runs on, or <see cref="RuntimeImage.Unknown"/> when the catalog has none for it.</summary>
    public RuntimeImage ImageFor(Architecture architecture) =>
        Images is not null && Images.TryGetValue(architecture, out var image) ? image : RuntimeImage.Unknown;

    public bool IsDeprecatedOn(DateOnly day) => Deprecated is { } deprecated && day >= deprecated;

    /// <summary>Whether Lambda refuses to create functions on this runtime on <paramref name="day"/> (the earliest date any source gives).</summary>
    public bool IsCreateBlockedOn(DateOnly day) => BlockCreate is { } blocked && day >= blocked;

    /// <summary>Whether Lambda refuses to update functions on this runtime on <paramref name="day"/> (the earliest date any source gives).</summary>
    public bool IsUpdateBlockedOn(DateOnly day) => BlockUpdate is { } blocked && day >= blocked;

    public bool HasInterpreter(Architecture architecture, string path) =>
        Interpreters.TryGetValue(architecture, out var paths) && paths.Contains(path, StringComparer.Ordinal);

    /// <summary>Whether <paramref name="path"/> (absolute, without dots) is one of the runtime's known <see cref="Files"/>.</summary>
    public bool HasFile(string path) => Files?.Contains(path, StringComparer.Ordinal) == true;

    /// <summary>Whether the catalog lists every file the image has in <paramref name="directory"/> (absolute, no trailing slash).</summary>
    public bool ListsEveryFileIn(string directory) => CompleteDirectories?.Contains(directory, StringComparer.Ordinal) == true;

    /// <summary>The permission bits of the image's file at <paramref name="path"/>, when a source settles them.</summary>
    public int? ModeOf(string path) => FileModes is not null && FileModes.TryGetValue(path, out var mode) ? mode : null;

    /// <summary>Whether a source settles that the image has no file at <paramref name="path"/> (absolute, without dots).</summary>
    public bool LacksFile(string path) => AbsentFiles?.Contains(path, StringComparer.Ordinal) == true;
}

/// <summary>One source's dates for a runtime: sources disagree, so each is kept and named.</summary>
/// <param name="Source">Who says it, e.g. "AWS, Lambda's Go page".</param>
/// <param name="Url">Where to read it; null for a claim that cites nothing.</param>
public sealed record LifecycleClaim(string Source, string? Url, DateOnly? Deprecated, DateOnly? BlockCreate, DateOnly? BlockUpdate);
