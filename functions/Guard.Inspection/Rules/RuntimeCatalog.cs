using System.Globalization;
using System.Text.Json;
using System.Text.Json.Serialization;

namespace Guard.Inspection.Rules;

/// <summary>
/// The runtimes Guard judges, read from <c>runtimes.json</c> (embedded) so dates and versions are refreshed
/// as data, not code.
/// </summary>
public sealed class RuntimeCatalog
{
    private readonly Dictionary<string, RuntimeFacts> _runtimes;
    private readonly HashSet<string> _lambdaRuntimes;
    private readonly Dictionary<string, RuntimeFacts> _managed;

    private RuntimeCatalog(
        Dictionary<string, RuntimeFacts> runtimes, long unzippedSizeLimit, IEnumerable<string> lambdaRuntimes, Dictionary<string, RuntimeFacts>? managed = null)
    {
        _runtimes = runtimes;
        _managed = managed ?? [];
        UnzippedSizeLimit = unzippedSizeLimit;
        _lambdaRuntimes = [.. lambdaRuntimes, .. runtimes.Keys];
    }

    /// <summary>The catalog shipped with Guard.</summary>
    public static RuntimeCatalog Default { get; } = LoadEmbedded();

    /// <summary>No runtimes: where no other runtime can be suggested (a container image brings its own).</summary>
    public static RuntimeCatalog Empty { get; } = new([], 0, []);

    /// <summary>Function plus layers, unzipped, may not exceed this many bytes.</summary>
    public long UnzippedSizeLimit { get; }

    public IEnumerable<string> Names => _runtimes.Keys;

    /// <summary>Managed runtimes whose layers' extensions Guard judges (their bootstrap is Lambda's).</summary>
    public IEnumerable<string> ManagedNames => _managed.Keys;

    /// <summary>A runtime whose bootstrap Guard judges (OS-only runtimes, go1.x); a managed runtime is not one.</summary>
    public bool TryFind(string name, out RuntimeFacts facts) =>
        _runtimes.TryGetValue(name, out facts!);

    /// <summary>A managed runtime, with its image's facts (<see cref="RuntimeFacts.IsManaged"/>): only layers' extensions are judged on it.</summary>
    public bool TryFindManaged(string name, out RuntimeFacts facts) =>
        _managed.TryGetValue(name, out facts!);

    /// <summary>Whether Lambda's API accepts <paramref name="name"/> as a Runtime at all (a managed runtime or one Guard judges).</summary>
    public bool IsLambdaRuntime(string name) => _lambdaRuntimes.Contains(name);

    /// <summary>
    /// The runtime id Lambda accepts that is fewest edits (Levenshtein) away from <paramref name="name"/>, for a typo
    /// such as <c>provided.al2023023</c>; ties go to the runtime Guard judges, then to the shorter id.
    /// </summary>
    public string Nearest(string name) => _lambdaRuntimes
        .OrderBy(candidate => EditDistance(name, candidate))
        .ThenBy(candidate => _runtimes.ContainsKey(candidate) ? 0 : 1)
        .ThenBy(candidate => candidate.Length)
        .ThenBy(candidate => candidate, StringComparer.Ordinal)
        .First();

    private static int EditDistance(string a, string b)
    {
        var previous = new int[b.Length + 1];
        var current = new int[b.Length + 1];
        for (var j = 0; j <= b.Length; j++)
        {
            previous[j] = j;
        }

        for (var i = 1; i <= a.Length; i++)
        {
            current[0] = i;
            for (var j = 1; j <= b.Length; j++)
            {
                var substitution = previous[j - 1] + (a[i - 1] == b[j - 1] ? 0 : 1);
                current[j] = Math.Min(substitution, Math.Min(previous[j], current[j - 1]) + 1);
            }

            (previous, current) = (current, previous);
        }

        return previous[b.Length];
    }

    /// <summary>The runtime the engine judges a package against: one Guard judges the bootstrap of, or a managed one.</summary>
    public RuntimeFacts Find(string name) =>
        TryFind(name, out var facts) || TryFindManaged(name, out facts) ? facts
            : throw new ArgumentException($"unknown runtime '{name}' (known: {string.Join(", ", Names.Concat(ManagedNames))})", nameof(name));

    /// <param name="json">The runtimes (<c>runtimes.json</c>).</param>
    /// <param name="imagesJson">What their images hold for ld.so (<c>images.json</c>); without it every library is unknown.</param>
    public static RuntimeCatalog Parse(string json, string? imagesJson = null)
    {
        var document = JsonSerializer.Deserialize(json, RuntimeCatalogJsonContext.Default.RuntimeCatalogDocument)
            ?? throw new InvalidDataException("runtime catalog is empty");
        var images = imagesJson is null ? [] : RuntimeImages.Parse(imagesJson);
        var runtimes = document.Runtimes.ToDictionary(r => r.Name, r => ToFacts(r, images), StringComparer.Ordinal);
        var managed = (document.ManagedRuntimes ?? []).ToDictionary(
            m => m.Name,
            m => runtimes.TryGetValue(m.Base, out var image) ? Managed(m.Name, image)
                : throw new InvalidDataException($"runtimes.json: managed runtime {m.Name} is built on {m.Base}, which is not in runtimes"),
            StringComparer.Ordinal);
        return new RuntimeCatalog(runtimes, document.UnzippedSizeLimit, document.LambdaRuntimes ?? [], managed);
    }

    /// <summary>
    /// What a managed runtime's image shares with the OS-only runtime it is built on: its C library, program interpreters,
    /// architectures and base files. Its image adds the language and its libraries, so nothing is settled missing there
    /// (no absent files, complete directories or ld.so image), and the base's dates are not its own.
    /// </summary>
    private static RuntimeFacts Managed(string name, RuntimeFacts image) => image with
    {
        Name = name,
        EntrypointIsHandler = false,
        Deprecated = null,
        BlockCreate = null,
        BlockUpdate = null,
        Successor = null,
        CompleteDirectories = null,
        Images = null,
        AbsentFiles = null,
        Lifecycle = null,
        IsManaged = true,
    };

    private static RuntimeCatalog LoadEmbedded() => Parse(ReadEmbedded("runtimes.json"), ReadEmbedded("images.json"));

    private static string ReadEmbedded(string name)
    {
        using var stream = typeof(RuntimeCatalog).Assembly.GetManifestResourceStream("Guard.Inspection.Rules." + name)
            ?? throw new InvalidOperationException($"{name} is not embedded in Guard.Inspection");
        using var reader = new StreamReader(stream);
        return reader.ReadToEnd();
    }

    private static RuntimeFacts ToFacts(RuntimeDocument runtime, Dictionary<(string Runtime, Architecture Architecture), RuntimeImage> images) => new(
        runtime.Name,
        runtime.OperatingSystem,
        Version.Parse(runtime.Glibc),
        runtime.Entrypoint == "handler",
        runtime.Interpreters.ToDictionary(
            pair => ParseArchitecture(pair.Key),
            pair => (IReadOnlyList<string>)pair.Value),
        runtime.Architectures.Select(ParseArchitecture).ToArray(),
        Earliest(runtime, c => c.Deprecated),
        Earliest(runtime, c => c.BlockCreate),
        Earliest(runtime, c => c.BlockUpdate),
        runtime.Successor,
        runtime.Files ?? [],
        runtime.CompleteDirectories ?? [],
        images.Where(pair => pair.Key.Runtime == runtime.Name).ToDictionary(pair => pair.Key.Architecture, pair => pair.Value),
        runtime.AbsentFiles ?? [],
        (runtime.FileModes ?? []).ToDictionary(pair => pair.Key, pair => ParseMode(pair.Key, pair.Value), StringComparer.Ordinal),
        Claims(runtime));

    private static LifecycleClaim[] Claims(RuntimeDocument runtime) =>
        [.. (runtime.Lifecycle ?? []).Select(c => new LifecycleClaim(
            c.Source ?? throw new InvalidDataException($"runtimes.json: a lifecycle claim of {runtime.Name} names no source"),
            c.Url,
            ParseDate(c.Deprecated),
            ParseDate(c.BlockCreate),
            ParseDate(c.BlockUpdate)))];

    /// <summary>Sources disagree on these dates; a gate that waits for the latest would pass a deploy Lambda already refuses.</summary>
    private static DateOnly? Earliest(RuntimeDocument runtime, Func<LifecycleClaim, DateOnly?> date) =>
        Claims(runtime).Select(date).Where(d => d is not null).Min();

    private static int ParseMode(string path, string octal)
    {
        try
        {
            return Convert.ToInt32(octal, 8);
        }
        catch (FormatException)
        {
            throw new InvalidDataException($"runtimes.json: the mode of {path} is not octal ('{octal}')");
        }
    }

    private static Architecture ParseArchitecture(string name) =>
        ArchitectureNames.TryParse(name, out var architecture) ? architecture : throw new InvalidDataException($"unknown architecture '{name}' in runtimes.json");

    private static DateOnly? ParseDate(string? value) =>
        value is null ? null : DateOnly.ParseExact(value, "yyyy-MM-dd", CultureInfo.InvariantCulture);
}

internal sealed record RuntimeCatalogDocument(
    long UnzippedSizeLimit, IReadOnlyList<RuntimeDocument> Runtimes, string[]? LambdaRuntimes = null, ManagedRuntimeDocument[]? ManagedRuntimes = null);

internal sealed record ManagedRuntimeDocument(string Name, string Base);

internal sealed record RuntimeDocument(
    string Name,
    string OperatingSystem,
    string Glibc,
    string Entrypoint,
    Dictionary<string, string[]> Interpreters,
    string[] Architectures,
    string? Successor,
    string[]? Files,
    string[]? CompleteDirectories = null,
    string[]? AbsentFiles = null,
    Dictionary<string, string>? FileModes = null,
    LifecycleDocument[]? Lifecycle = null);

internal sealed record LifecycleDocument(string? Source, string? Url, string? Deprecated, string? BlockCreate, string? BlockUpdate);

[JsonSourceGenerationOptions(PropertyNamingPolicy = JsonKnownNamingPolicy.CamelCase)]
[JsonSerializable(typeof(RuntimeCatalogDocument))]
internal sealed partial class RuntimeCatalogJsonContext : JsonSerializerContext;
