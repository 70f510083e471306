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

    private RuntimeCatalog(Dictionary<string, RuntimeFacts> runtimes, long unzippedSizeLimit)
    {
        _runtimes = runtimes;
        UnzippedSizeLimit = unzippedSizeLimit;
    }

    /// <summary>The catalog shipped with Guard.</summary>
    public static RuntimeCatalog Default { get; } = LoadEmbedded();

    /// <summary>Function plus layers, unzipped, may not exceed this many bytes.</summary>
    public long UnzippedSizeLimit { get; }

    public IEnumerable<string> Names => _runtimes.Keys;

    public bool TryFind(string name, out RuntimeFacts facts) =>
        _runtimes.TryGetValue(name, out facts!);

    public RuntimeFacts Find(string name) =>
        TryFind(name, out var facts) ? facts : throw new ArgumentException($"unknown runtime '{name}' (known: {string.Join(", ", Names)})", nameof(name));

    /// <param name="json">The runtimes (<c>runtimes.json</c>).</param>
    /// <param name="imagesJson">What their images hold for ld.so (<c>images.json</c>); without it every library is unknown.</param>
    public static RuntimeCatalog Parse(string json, string? imagesJson = null)
    {
        var document = JsonSerializer.Deserialize(json, RuntimeCatalogJsonContext.Default.RuntimeCatalogDocument)
            ?? throw new InvalidDataException("runtime catalog is empty");
        var images = imagesJson is null ? [] : RuntimeImages.Parse(imagesJson);
        var runtimes = document.Runtimes.ToDictionary(r => r.Name, r => ToFacts(r, images), StringComparer.Ordinal);
        return new RuntimeCatalog(runtimes, document.UnzippedSizeLimit);
    }

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
        ParseDate(runtime.Deprecated),
        ParseDate(runtime.BlockCreate),
        ParseDate(runtime.BlockUpdate),
        runtime.Successor,
        runtime.Files ?? [],
        runtime.CompleteDirectories ?? [],
        images.Where(pair => pair.Key.Runtime == runtime.Name).ToDictionary(pair => pair.Key.Architecture, pair => pair.Value),
        runtime.AbsentFiles ?? [],
        (runtime.FileModes ?? []).ToDictionary(pair => pair.Key, pair => ParseMode(pair.Key, pair.Value), StringComparer.Ordinal));

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

internal sealed record RuntimeCatalogDocument(long UnzippedSizeLimit, IReadOnlyList<RuntimeDocument> Runtimes);

internal sealed record RuntimeDocument(
    string Name,
    string OperatingSystem,
    string Glibc,
    string Entrypoint,
    Dictionary<string, string[]> Interpreters,
    string[] Architectures,
    string? Deprecated,
    string? BlockCreate,
    string? BlockUpdate,
    string? Successor,
    string[]? Files,
    string[]? CompleteDirectories = null,
    string[]? AbsentFiles = null,
    Dictionary<string, string>? FileModes = null);

[JsonSourceGenerationOptions(PropertyNamingPolicy = JsonKnownNamingPolicy.CamelCase)]
[JsonSerializable(typeof(RuntimeCatalogDocument))]
internal sealed partial class RuntimeCatalogJsonContext : JsonSerializerContext;
