using YamlDotNet.Core;
using YamlDotNet.Core.Events;

namespace Guard.Cli.Apps.Templates;

/// <summary>
/// Reads a YAML template into <see cref="TemplateNode"/>s with YamlDotNet's event parser (no object mapping, so no
/// reflection), turning CloudFormation's short-form tags into their long form: <c>!Ref X</c> →
/// <c>{Ref: X}</c>, <c>!GetAtt A.B</c> → <c>{Fn::GetAtt: [A, B]}</c>, <c>!Sub …</c> → <c>{Fn::Sub: …}</c>.
/// </summary>
internal static class YamlTemplateReader
{
    /// <summary>As <see cref="JsonTemplateReader"/>: far deeper than any template, and reading is recursive.</summary>
    public const int MaxDepth = 256;

    /// <summary>The short forms CloudFormation's YAML accepts (AWS::LanguageExtensions adds the last ones).</summary>
    private static readonly Dictionary<string, string> ShortForms = new(StringComparer.Ordinal)
    {
        ["!Ref"] = "Ref",
        ["!Condition"] = "Condition",
        ["!GetAtt"] = "Fn::GetAtt",
        ["!Sub"] = "Fn::Sub",
        ["!If"] = "Fn::If",
        ["!Join"] = "Fn::Join",
        ["!FindInMap"] = "Fn::FindInMap",
        ["!Select"] = "Fn::Select",
        ["!Split"] = "Fn::Split",
        ["!ImportValue"] = "Fn::ImportValue",
        ["!Base64"] = "Fn::Base64",
        ["!Equals"] = "Fn::Equals",
        ["!Not"] = "Fn::Not",
        ["!And"] = "Fn::And",
        ["!Or"] = "Fn::Or",
        ["!GetAZs"] = "Fn::GetAZs",
        ["!Cidr"] = "Fn::Cidr",
        ["!Transform"] = "Fn::Transform",
        ["!Length"] = "Fn::Length",
        ["!ToJsonString"] = "Fn::ToJsonString",
        ["!ForEach"] = "Fn::ForEach",
    };

    /// <exception cref="TemplateFormatException">Not YAML, or a tag CloudFormation does not know.</exception>
    public static TemplateNode Read(string file, string text)
    {
        var anchors = new Dictionary<string, Anchored>(StringComparer.Ordinal);
        var parser = new PositionTrackingParser(new Parser(new StringReader(text)));
        try
        {
            parser.Consume<StreamStart>();
            if (!parser.TryConsume<DocumentStart>(out _))
            {
                throw new TemplateFormatException(file, 1, 1, "the file is empty: not a template");
            }

            return ReadNode(file, parser, new Reading(anchors), 0).Node;
        }
        catch (YamlException e)
        {
            // YamlDotNet's messages start with the position in its own words; keep the reason only.
            var message = e.Message;
            var cut = message.IndexOf("): ", StringComparison.Ordinal);
            var reason = cut >= 0 && message.StartsWith('(') ? message[(cut + 3)..] : message;

            // For a tab in the indentation YamlDotNet points at the mapping it was in; the tab's line is what helps.
            var (line, column) = reason.Contains("tab", StringComparison.Ordinal) && FirstTabIndentedLine(text) is { } tab
                ? (tab, 1)
                : ((int)e.Start.Line, (int)e.Start.Column);
            throw new TemplateFormatException(file, line, column, $"not valid YAML: {reason.ReplaceLineEndings(" ")}");
        }
        catch (InvalidOperationException)
        {
            // YamlDotNet 18 throws this from its scanner on some unterminated flow collections.
            throw new TemplateFormatException(file, parser.LastLine, parser.LastColumn, "not valid YAML: an unterminated [ … ] or { … } after this point");
        }
    }

    private static int? FirstTabIndentedLine(string text)
    {
        var lines = text.Split('\n');
        for (var i = 0; i < lines.Length; i++)
        {
            var indentation = lines[i][..(lines[i].Length - lines[i].TrimStart(' ', '\t').Length)];
            if (indentation.Contains('\t', StringComparison.Ordinal))
            {
                return i + 1;
            }
        }

        return null;
    }

    /// <summary>Remembers where the last event began, to place an error the parser reports without a position.</summary>
    private sealed class PositionTrackingParser(IParser inner) : IParser
    {
        public int LastLine { get; private set; } = 1;
        public int LastColumn { get; private set; } = 1;

        public ParsingEvent? Current => inner.Current;

        public bool MoveNext()
        {
            if (inner.Current is { } current)
            {
                (LastLine, LastColumn) = ((int)current.Start.Line, (int)current.Start.Column);
            }

            return inner.MoveNext();
        }
    }

    /// <summary>An anchored node and how many values it stands for once its own aliases are counted in.</summary>
    private sealed record Anchored(TemplateNode Node, long Values);

    private sealed class Reading(Dictionary<string, Anchored> anchors)
    {
        public Dictionary<string, Anchored> Anchors { get; } = anchors;
        /// <summary>
        /// Values read so far, each alias counted as all the values it stands for: an alias shares its anchor's node
        /// (nothing is copied), but whatever walks the tree walks each use again, and nine levels of ten aliases
        /// ("billion laughs") are 10⁹ values in a few hundred bytes.
        /// </summary>
        public long Values { get; set; }
    }

    /// <returns>The node, and how many values it stands for (its aliases expanded).</returns>
    private static (TemplateNode Node, long Values) ReadNode(string file, IParser parser, Reading reading, int depth)
    {
        var start = parser.Current ?? throw new TemplateFormatException(file, 1, 1, "unexpected end of the file");
        var (line, column) = ((int)start.Start.Line, (int)start.Start.Column);
        if (depth >= MaxDepth)
        {
            throw new TemplateFormatException(file, line, column, $"values nested more than {MaxDepth} deep: not a template Guard reads");
        }

        if (++reading.Values > TemplateFile.MaxValues)
        {
            throw new TemplateFormatException(file, line, column, $"more than {TemplateFile.MaxValues:N0} values: not a template Guard reads");
        }

        TemplateNode node;
        long values = 1;
        switch (start)
        {
            case AnchorAlias alias:
                parser.MoveNext();
                if (!reading.Anchors.TryGetValue(alias.Value.Value, out var anchored))
                {
                    throw new TemplateFormatException(file, line, column, $"alias *{alias.Value.Value} names no anchor");
                }

                reading.Values += anchored.Values;
                if (reading.Values > TemplateFile.MaxValues)
                {
                    throw new TemplateFormatException(file, line, column, $"aliases expand to more than {TemplateFile.MaxValues:N0} values (an alias bomb?): not a template Guard reads");
                }

                return (anchored.Node, anchored.Values);
            case Scalar scalar:
                parser.MoveNext();
                node = new ScalarNode(
                    scalar.Value,
                    scalar.Style == ScalarStyle.Plain && scalar.Tag.IsEmpty && scalar.Value is "" or "~" or "null" or "Null" or "NULL",
                    line,
                    column);
                break;
            case SequenceStart:
                parser.MoveNext();
                var items = new List<TemplateNode>();
                while (!parser.TryConsume<SequenceEnd>(out _))
                {
                    var (item, itemValues) = ReadNode(file, parser, reading, depth + 1);
                    items.Add(item);
                    values += itemValues;
                }

                node = new SequenceNode(items, line, column);
                break;
            case MappingStart:
                parser.MoveNext();
                var entries = new List<MappingEntry>();
                while (!parser.TryConsume<MappingEnd>(out _))
                {
                    var (key, _) = ReadNode(file, parser, reading, depth + 1);
                    if (key is not ScalarNode { } keyScalar)
                    {
                        throw new TemplateFormatException(file, key.Line, key.Column, "a mapping key must be a plain value");
                    }

                    var (value, valueValues) = ReadNode(file, parser, reading, depth + 1);
                    entries.Add(new(keyScalar.Value, keyScalar.Line, keyScalar.Column, value));
                    values += 1 + valueValues;
                }

                node = new MappingNode(entries, line, column);
                break;
            default:
                throw new TemplateFormatException(file, line, column, $"unexpected {start.GetType().Name}");
        }

        var nodeEvent = (NodeEvent)start;
        node = ApplyTag(file, nodeEvent.Tag, node);
        if (!nodeEvent.Anchor.IsEmpty)
        {
            reading.Anchors[nodeEvent.Anchor.Value] = new(node, values);
        }

        return (node, values);
    }

    private static TemplateNode ApplyTag(string file, TagName tag, TemplateNode node)
    {
        if (tag.IsEmpty || tag.IsNonSpecific || tag.Value.StartsWith("tag:yaml.org,2002:", StringComparison.Ordinal))
        {
            return node;
        }

        if (!ShortForms.TryGetValue(tag.Value, out var longForm))
        {
            throw new TemplateFormatException(file, node.Line, node.Column, $"unknown tag {tag.Value}: CloudFormation knows !Ref, !Sub, !GetAtt, !If and the other Fn:: short forms");
        }

        // !GetAtt Resource.Attribute is the one short form whose scalar is a list in the long form.
        if (longForm == "Fn::GetAtt" && node is ScalarNode { } dotted)
        {
            var dot = dotted.Value.IndexOf('.', StringComparison.Ordinal);
            node = dot < 0
                ? node
                : new SequenceNode(
                    [new ScalarNode(dotted.Value[..dot], false, dotted.Line, dotted.Column), new ScalarNode(dotted.Value[(dot + 1)..], false, dotted.Line, dotted.Column)],
                    dotted.Line,
                    dotted.Column);
        }
        else if (node is ScalarNode { IsNull: true } empty)
        {
            node = empty with { IsNull = false };
        }

        return new MappingNode([new(longForm, node.Line, node.Column, node)], node.Line, node.Column);
    }
}
