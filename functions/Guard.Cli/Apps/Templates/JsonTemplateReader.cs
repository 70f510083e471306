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
        var positions = new Positions(file, utf8);
        var reader = new Utf8JsonReader(utf8, new JsonReaderOptions { MaxDepth = MaxDepth });
        try
        {
            if (!reader.Read())
            {
                throw new TemplateFormatException(file, 1, 1, "the file is empty: not a template");
            }

            var node = ReadNode(ref reader, positions);
            if (reader.Read())
            {
                var (line, column) = positions.Of(reader.TokenStartIndex);
                throw new TemplateFormatException(file, line, column, "not valid JSON: more after the template's closing brace");
            }

            return node;
        }
        catch (JsonException e)
        {
            throw NotJson(file, e);
        }
    }

    /// <summary>The reader's complaint at its line and column, without the position it repeats at the end.</summary>
    public static TemplateFormatException NotJson(string file, JsonException e)
    {
        var line = (int)(e.LineNumber ?? 0) + 1;
        var column = (int)(e.BytePositionInLine ?? 0) + 1;
        var reason = e.Message;
        var cut = reason.IndexOf(" LineNumber:", StringComparison.Ordinal);
        return new TemplateFormatException(file, line, column, $"not valid JSON: {(cut > 0 ? reason[..cut] : reason).TrimEnd('.', ' ')}");
    }

    private static TemplateNode ReadNode(ref Utf8JsonReader reader, Positions positions)
    {
        var (line, column) = positions.Of(reader.TokenStartIndex);
        positions.Count(line, column);
        switch (reader.TokenType)
        {
            case JsonTokenType.StartObject:
                var entries = new List<MappingEntry>();
                while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
                {
                    var key = reader.GetString()!;
                    var (keyLine, keyColumn) = positions.Of(reader.TokenStartIndex);
                    reader.Read();
                    entries.Add(new(key, keyLine, keyColumn, ReadNode(ref reader, positions)));
                }

                return new MappingNode(entries, line, column);
            case JsonTokenType.StartArray:
                var items = new List<TemplateNode>();
                while (reader.Read() && reader.TokenType != JsonTokenType.EndArray)
                {
                    items.Add(ReadNode(ref reader, positions));
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

    /// <summary>
    /// Line and column of a byte offset. Tokens come in order, so the column is counted on from the last token's, not
    /// from the line's start: a minified template is one long line, and counting from its start each time is quadratic
    /// (ten minutes for 10 MB). Also counts the values read against <see cref="TemplateFile.MaxValues"/>.
    /// </summary>
    private sealed class Positions
    {
        private readonly string _file;
        private readonly byte[] _utf8;
        private readonly List<int> _positions = [0];
        private int _lastOffset;
        private int _lastLine;
        private int _lastColumn = 1;
        private long _values;

        public Positions(string file, byte[] utf8)
        {
            _file = file;
            _utf8 = utf8;
            for (var i = 0; i < utf8.Length; i++)
            {
                if (utf8[i] == (byte)'\n')
                {
                    _positions.Add(i + 1);
                }
            }
        }

        public (int Line, int Column) Of(long position)
        {
            var offset = (int)position;
            var index = _positions.BinarySearch(offset);
            var line = index >= 0 ? index : ~index - 1;
            var from = line == _lastLine && offset >= _lastOffset ? _lastOffset : _positions[line];
            var column = (from == _lastOffset && line == _lastLine ? _lastColumn : 1) + Encoding.UTF8.GetCharCount(_utf8, from, offset - from);
            (_lastOffset, _lastLine, _lastColumn) = (offset, line, column);
            return (line + 1, column);
        }

        public void Count(int line, int column)
        {
            if (++_values > TemplateFile.MaxValues)
            {
                throw new TemplateFormatException(_file, line, column, $"more than {TemplateFile.MaxValues:N0} values: not a template Guard reads");
            }
        }
    }
}
