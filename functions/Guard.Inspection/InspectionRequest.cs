using Guard.Inspection.Reading;
using Guard.Inspection.Rules;

namespace Guard.Inspection;

/// <summary>A package to judge and the function facts to judge it against.</summary>
/// <param name="Package">The function's own zip.</param>
/// <param name="Runtime">The runtime's API name, e.g. <c>provided.al2023</c>.</param>
/// <param name="Architecture">The function's architecture.</param>
/// <param name="Layers">The function's layers in configuration order (later layers win on <c>/opt</c>).</param>
/// <param name="Handler">The function's Handler: ignored by custom runtimes, the executable's name on <c>go1.x</c>.</param>
/// <param name="PackageSha256">The package's SHA-256 in base64 (Lambda's <c>CodeSha256</c>) when the caller already knows it.</param>
/// <param name="PlaceholderSha256">Digests (base64 SHA-256) of packages the operator declares placeholders.</param>
/// <param name="Environment">What the function's configuration sets for ld.so, when the caller has read it; null when
/// it is unknown (a package checked on its own), which leaves what only LD_LIBRARY_PATH decides as a warning.</param>
public sealed record InspectionRequest(
    IRangeSource Package,
    string Runtime = "provided.al2023",
    Architecture Architecture = Architecture.X8664,
    IReadOnlyList<IRangeSource>? Layers = null,
    string? Handler = null,
    string? PackageSha256 = null,
    IReadOnlySet<string>? PlaceholderSha256 = null,
    FunctionEnvironment? Environment = null)
{
    /// <summary>
    /// The file to judge as the one Lambda execs, instead of the runtime's own (<c>bootstrap</c>, or the Handler's file on
    /// <c>go1.x</c>): a go1.x binary judged on a custom runtime as the <c>bootstrap</c> a migration would make of it.
    /// </summary>
    public string? Entrypoint { get; init; }

    /// <summary>Also tell which toolchain built the entrypoint (<see cref="Reporting.BootstrapSummary.Toolchain"/>): for
    /// anything but Go that reads the binary's section headers at its end, so only callers that show it ask.</summary>
    public bool IdentifyToolchain { get; init; }

    /// <summary>
    /// Judge the layers' extensions without reading <see cref="Package"/> at all (it only names the report): on a
    /// managed runtime Lambda's own bootstrap loads the function's code, which Guard does not judge, and it can be large.
    /// What sits under /var/task is then as unknown as the runtime image's files: never settled missing. Only for a
    /// managed runtime.
    /// </summary>
    public bool LayersOnly { get; init; }
}

/// <summary>
/// The part of a function's environment variables that decides what ld.so finds: only <c>LD_LIBRARY_PATH</c>, which
/// Lambda lets a function set. No other variable is carried: they may hold secrets.
/// </summary>
/// <param name="LdLibraryPath">The function's own <c>LD_LIBRARY_PATH</c>; null when it sets none (Lambda's default applies).</param>
public sealed record FunctionEnvironment(string? LdLibraryPath)
{
    /// <summary>A function that sets no LD_LIBRARY_PATH of its own.</summary>
    public static FunctionEnvironment Default { get; } = new(LdLibraryPath: null);
}
