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

    private sealed record Stub(string Tool, Regex Name, Regex? Content, Regex? Mentions, Regex? Unless)
    {
        private static readonly TimeSpan MatchTimeout = TimeSpan.FromMilliseconds(100);

        public static Stub From(StubDocument document) => new(
            document.Tool,
            new Regex(document.Name, RegexOptions.CultureInvariant, MatchTimeout),
            document.Content is null ? null : new Regex(document.Content, RegexOptions.CultureInvariant, MatchTimeout),
            document.Mentions is null ? null : new Regex(document.Mentions, RegexOptions.CultureInvariant | RegexOptions.IgnoreCase, MatchTimeout),
            document.Unless is null ? null : new Regex(document.Unless, RegexOptions.CultureInvariant | RegexOptions.IgnoreCase, MatchTimeout));

        public bool Matches(string name, string text)
        {
            if (!Name.IsMatch(name))
            {
                return false;
            }

            try
            {
                if (Content is not null && !Content.IsMatch(WithoutWhitespace(text)))
                {
                    return false;
                }

                if (Mentions is not null && !Mentions.IsMatch(text))
                {
                    return false;
                }

                return Unless is null || !Unless.IsMatch(text);
            }
            catch (RegexMatchTimeoutException)
            {
                return false;
            }
        }

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

internal sealed record PlaceholderCatalogDocument(int MaxFiles, int MaxFileBytes, IReadOnlyList<StubDocument> Stubs);

internal sealed record StubDocument(string Tool, string Name, string? Content, string? Mentions, string? Unless);

[JsonSourceGenerationOptions(PropertyNamingPolicy = JsonKnownNamingPolicy.CamelCase)]
[JsonSerializable(typeof(PlaceholderCatalogDocument))]
internal sealed partial class PlaceholderCatalogJsonContext : JsonSerializerContext;
