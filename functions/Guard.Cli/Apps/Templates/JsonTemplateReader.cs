using System.Text;
using System.Text.Json;

namespace Guard.Cli.Apps.Templates;

/// <summary>
/// Reads a JSON template into <see cref="TemplateNode"/>s with <see cref="Utf8JsonReader"/>, keeping each value's
/// line and column (from the token's byte offset), which <see cref="JsonDocument"/> does not expose.
/// </summary>
internal static class JsonTemplateReader
{
    private const int MaxDepth = 256;

    /// <exception cref="TemplateFormatException">Not JSON.</exception>
    public static TemplateNode Read(string file, byte[] utf8)
    {
        var lineStarts = LineStarts(utf8);
        var reader = new Utf8JsonReader(utf8, new JsonReaderOptions { MaxDepth = MaxDepth });
        try
        {
            if (!reader.Read())
            {
                throw new TemplateFormatException(file, 1, 1, "the file is empty: not a template");
            }

            var node = ReadNode(ref reader, utf8, lineStarts);
            if (reader.Read())
            {
                var (line, column) = Position(reader.TokenStartIndex, utf8, lineStarts);
                throw new TemplateFormatException(file, line, column, "not valid JSON: more after the template's closing brace");
            }

            return node;
        }
        catch (JsonException e)
        {
            var line = (int)(e.LineNumber ?? 0) + 1;
            var column = (int)(e.BytePositionInLine ?? 0) + 1;
            var reason = e.Message;
            var cut = reason.IndexOf(" LineNumber:", StringComparison.Ordinal);
            throw new TemplateFormatException(file, line, column, $"not valid JSON: {(cut > 0 ? reason[..cut] : reason).TrimEnd('.', ' ')}");
        }
    }

    private static TemplateNode ReadNode(ref Utf8JsonReader reader, byte[] utf8, List<int> lineStarts)
    {
        var (line, column) = Position(reader.TokenStartIndex, utf8, lineStarts);
        switch (reader.TokenType)
        {
            case JsonTokenType.StartObject:
                var entries = new List<MappingEntry>();
                while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
                {
                    var key = reader.GetString()!;
                    var (keyLine, keyColumn) = Position(reader.TokenStartIndex, utf8, lineStarts);
                    reader.Read();
                    entries.Add(new(key, keyLine, keyColumn, ReadNode(ref reader, utf8, lineStarts)));
                }

                return new MappingNode(entries, line, column);
            case JsonTokenType.StartArray:
                var items = new List<TemplateNode>();
                while (reader.Read() && reader.TokenType != JsonTokenType.EndArray)
                {
                    items.Add(ReadNode(ref reader, utf8, lineStarts));
                }

                return new SequenceNode(items, line, column);
            case JsonTokenType.String:
                return new ScalarNode(reader.GetString()!, false, line, column);
            case JsonTokenType.Null:
                return new ScalarNode("", true, line, column);
            default:
                // Numbers and booleans as written: CloudFormation reads "Timeout": 3 and "Timeout": "3" alike.
                return new ScalarNode(Encoding.UTF8.GetString(reader.ValueSpan), false, line, column);
        }
    }

    private static List<int> LineStarts(byte[] utf8)
    {
        var starts = new List<int> { 0 };
        for (var i = 0; i < utf8.Length; i++)
        {
            if (utf8[i] == (byte)'\n')
            {
                starts.Add(i + 1);
            }
        }

        return starts;
    }

    private static (int Line, int Column) Position(long offset, byte[] utf8, List<int> lineStarts)
    {
        var index = lineStarts.BinarySearch((int)offset);
        var line = index >= 0 ? index : ~index - 1;
        var column = Encoding.UTF8.GetCharCount(utf8, lineStarts[line], (int)offset - lineStarts[line]) + 1;
        return (line + 1, column);
    }
}
