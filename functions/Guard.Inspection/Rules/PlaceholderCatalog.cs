using System.Text;
using System.Text.Json;
using System.Text.Json.Serialization;
using System.Text.RegularExpressions;

namespace Guard.Inspection.Rules;

/// <summary>
/// Recognises the stub packages infra-first tools deploy before the real code (read from <c>placeholders.json</c>).
/// Recognition is by content, not digest: the same stub zipped twice differs in its timestamps.
/// </summary>
public sealed class PlaceholderCatalog
{
    private readonly IReadOnlyList<Stub> _stubs;

    private PlaceholderCatalog(int maxFiles, int maxFileBytes, IReadOnlyList<Stub> stubs)
    {
        MaxFiles = maxFiles;
        MaxFileBytes = maxFileBytes;
        _stubs = stubs;
    }

    public static PlaceholderCatalog Default { get; } = LoadEmbedded();

    /// <summary>A package with more files than this is never a stub.</summary>
    public int MaxFiles { get; }

    /// <summary>A file larger than this is never part of a stub.</summary>
    public int MaxFileBytes { get; }

    /// <summary>Every pattern of every stub (tests).</summary>
    internal IEnumerable<StubPattern> Patterns =>
        _stubs.SelectMany(stub => new[] { stub.Name, stub.Content, stub.Mentions, stub.Unless }).OfType<StubPattern>();

    /// <summary>
    /// Names the tool whose stub the package is, when every file (root-relative name and content) matches one
    /// of its stubs; null otherwise.
    /// </summary>
    public string? Recognize(IReadOnlyList<(string Name, ReadOnlyMemory<byte> Content)> files)
    {
        if (files.Count == 0 || files.Count > MaxFiles)
        {
            return null;
        }

        string? tool = null;
        foreach (var (name, content) in files)
        {
            if (content.Length > MaxFileBytes)
            {
                return null;
            }

            var text = Encoding.UTF8.GetString(content.Span);
            var match = _stubs.FirstOrDefault(stub => stub.Matches(name, text));
            if (match is null)
            {
                return null;
            }

            tool ??= match.Tool;
        }

        return tool;
    }

    public static PlaceholderCatalog Parse(string json)
    {
        var document = JsonSerializer.Deserialize(json, PlaceholderCatalogJsonContext.Default.PlaceholderCatalogDocument)
            ?? throw new InvalidDataException("placeholder catalog is empty");
        return new PlaceholderCatalog(document.MaxFiles, document.MaxFileBytes, document.Stubs.Select(Stub.From).ToArray());
    }

    private static PlaceholderCatalog LoadEmbedded()
    {
        using var stream = typeof(PlaceholderCatalog).Assembly.GetManifestResourceStream("Guard.Inspection.Rules.placeholders.json")
            ?? throw new InvalidOperationException("placeholders.json is not embedded in Guard.Inspection");
        using var reader = new StreamReader(stream);
        return Parse(reader.ReadToEnd());
    }

    private sealed record Stub(string Tool, StubPattern Name, StubPattern? Content, StubPattern? Mentions, StubPattern? Unless)
    {
        public static Stub From(StubDocument document) => new(
            document.Tool,
            new StubPattern(document.Name),
            document.Content is null ? null : new StubPattern(document.Content),
            document.Mentions is null ? null : new StubPattern(document.Mentions, RegexOptions.IgnoreCase),
            document.Unless is null ? null : new StubPattern(document.Unless, RegexOptions.IgnoreCase));

        public bool Matches(string name, string text) =>
            Name.IsMatch(name) &&
            (Content is null || Content.IsMatch(WithoutWhitespace(text))) &&
            (Mentions is null || Mentions.IsMatch(text)) &&
            (Unless is null || !Unless.IsMatch(text));

        private static string WithoutWhitespace(string text) =>
            string.Create(text.Count(c => !char.IsWhiteSpace(c)), text, static (span, source) =>
            {
                var i = 0;
                foreach (var c in source)
                {
                    if (!char.IsWhiteSpace(c))
                    {
                        span[i++] = c;
                    }
                }
            });
    }
}

/// <summary>
/// One pattern of a stub, in the linear-time engine and with no timeout: a verdict must not depend on how busy the CPU
/// is. A backtracking regex needs a wall-clock limit against a hostile file name, and under load that limit fired on
/// ordinary names and ended a whole check unjudged; this engine's cost is bounded by the input's length instead.
/// It is built on its first match, not when the catalog is read: the engine builds its automaton up front, 0.4-5.6 MiB
/// of allocations per pattern and 12 MiB kept for the catalog's seven, while only a package of at most
/// <see cref="PlaceholderCatalog.MaxFiles"/> tiny files is ever matched. A Lambda's ordinary deploy builds none.
/// </summary>
internal sealed class StubPattern
{
    private readonly string _pattern;
    private readonly RegexOptions _options;
    private Regex? _regex;

    /// <exception cref="ArgumentException">The pattern is not a regular expression.</exception>
    public StubPattern(string pattern, RegexOptions options = RegexOptions.None)
    {
        ArgumentNullException.ThrowIfNull(pattern);
        _pattern = pattern;
        _options = options | RegexOptions.CultureInvariant | RegexOptions.NonBacktracking;
        // The syntax is checked now, by the backtracking engine's parser (kilobytes, not megabytes): a typo in the
        // catalog fails its loading, as it did when every pattern was built up front.
        _ = new Regex(pattern, options | RegexOptions.CultureInvariant, Regex.InfiniteMatchTimeout);
    }

    /// <summary>True once the engine has been built (tests).</summary>
    internal bool IsBuilt => Volatile.Read(ref _regex) is not null;

    // Two threads matching at once may both build it; either result is the same regex.
    public bool IsMatch(string input) =>
        (Volatile.Read(ref _regex) ?? Interlocked.CompareExchange(ref _regex, Build(), null) ?? _regex!).IsMatch(input);

    internal Regex Build() => new(_pattern, _options, Regex.InfiniteMatchTimeout);
}

internal sealed record PlaceholderCatalogDocument(int MaxFiles, int MaxFileBytes, IReadOnlyList<StubDocument> Stubs);

internal sealed record StubDocument(string Tool, string Name, string? Content, string? Mentions, string? Unless);

[JsonSourceGenerationOptions(PropertyNamingPolicy = JsonKnownNamingPolicy.CamelCase)]
[JsonSerializable(typeof(PlaceholderCatalogDocument))]
internal sealed partial class PlaceholderCatalogJsonContext : JsonSerializerContext;
