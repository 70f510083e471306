using YamlDotNet.Core;
using YamlDotNet.Core.Events;

namespace Guard.Cli.Migration.Source;

/// <summary>A YAML (or JSON, which YAML 1.2 reads) node and the span of the text it was read from.</summary>
/// <param name="Start">Character offset of the node's first character (a quote, a bracket, a tag's '!').</param>
/// <param name="End">Character offset just past its last character.</param>
internal abstract record YamlSpanNode(int Start, int End, string? Tag);

/// <param name="Style">Plain, quoted, literal or folded: an edit writes inside the quotes and keeps them.</param>
internal sealed record YamlSpanScalar(string Value, ScalarStyle Style, int Start, int End, string? Tag) : YamlSpanNode(Start, End, Tag)
{
    /// <summary>Where the value's characters are, inside its quotes.</summary>
    public (int Start, int Length) ValueSpan =>
        Style is ScalarStyle.SingleQuoted or ScalarStyle.DoubleQuoted ? (Start + 1, End - Start - 2) : (Start, End - Start);

    /// <summary>A single-line scalar whose characters can be replaced in place (a block scalar spans lines with their own rules).</summary>
    public bool IsInline => Style is ScalarStyle.Plain or ScalarStyle.SingleQuoted or ScalarStyle.DoubleQuoted;
}

internal sealed record YamlSpanSequence(IReadOnlyList<YamlSpanNode> Items, bool Flow, int Start, int End, string? Tag) : YamlSpanNode(Start, End, Tag);

internal sealed record YamlSpanMapping(IReadOnlyList<(YamlSpanScalar Key, YamlSpanNode Value)> Entries, bool Flow, int Start, int End, string? Tag)
    : YamlSpanNode(Start, End, Tag)
{
    /// <summary>The last value written for the key (as YAML loaders and CloudFormation keep it).</summary>
    public YamlSpanNode? this[string key] => Entry(key)?.Value;

    public (YamlSpanScalar Key, YamlSpanNode Value)? Entry(string key)
    {
        for (var i = Entries.Count - 1; i >= 0; i--)
        {
            if (Entries[i].Key.Value == key)
            {
                return Entries[i];
            }
        }

        return null;
    }

    /// <summary>The value when it is a plain scalar (no tag such as <c>!Ref</c>), else null.</summary>
    public string? ScalarValue(string key) => this[key] is YamlSpanScalar { Tag: null } scalar ? scalar.Value : null;
}

/// <summary>
/// Reads YAML with YamlDotNet's event parser into nodes that remember their spans, for editing the text in place.
/// Unlike <c>YamlTemplateReader</c> it keeps tags as written (an edit must not turn <c>!Ref</c> into <c>Ref:</c>) and
/// never rewrites anything. Aliases and complex keys are not followed: nothing Guard edits is written that way.
/// </summary>
internal static class YamlTree
{
    private const int MaxDepth = 256;

    /// <exception cref="FormatException">Not YAML (the message has the line and column).</exception>
    public static YamlSpanNode? Read(string text)
    {
        try
        {
            var parser = new Parser(new StringReader(text));
            parser.Consume<StreamStart>();
            if (!parser.TryConsume<DocumentStart>(out _))
            {
                return null;
            }

            return parser.Accept<DocumentEnd>(out _) ? null : ReadNode(parser, 0);
        }
        catch (YamlException e)
        {
            throw new FormatException($"{e.Start.Line}:{e.Start.Column}: not valid YAML: {e.Message.ReplaceLineEndings(" ")}", e);
        }
    }

    private static YamlSpanNode ReadNode(IParser parser, int depth)
    {
        if (depth > MaxDepth)
        {
            throw new YamlException(parser.Current!.Start, parser.Current.End, $"nested deeper than {MaxDepth}");
        }

        var current = parser.Current!;
        switch (current)
        {
            case Scalar scalar:
                parser.MoveNext();
                return new YamlSpanScalar(scalar.Value, scalar.Style, (int)scalar.Start.Index, (int)scalar.End.Index, TagOf(scalar.Tag));
            case SequenceStart sequence:
            {
                parser.MoveNext();
                var items = new List<YamlSpanNode>();
                while (!parser.Accept<SequenceEnd>(out _))
                {
                    items.Add(ReadNode(parser, depth + 1));
                }

                var sequenceEnd = parser.Consume<SequenceEnd>();
                return new YamlSpanSequence(items, sequence.Style == SequenceStyle.Flow, (int)sequence.Start.Index, (int)sequenceEnd.End.Index, TagOf(sequence.Tag));
            }
            case MappingStart mapping:
            {
                parser.MoveNext();
                var entries = new List<(YamlSpanScalar, YamlSpanNode)>();
                while (!parser.Accept<MappingEnd>(out _))
                {
                    var key = ReadNode(parser, depth + 1);
                    var value = ReadNode(parser, depth + 1);
                    if (key is YamlSpanScalar scalarKey)
                    {
                        entries.Add((scalarKey, value));
                    }
                }

                var mappingEnd = parser.Consume<MappingEnd>();
                return new YamlSpanMapping(entries, mapping.Style == MappingStyle.Flow, (int)mapping.Start.Index, (int)mappingEnd.End.Index, TagOf(mapping.Tag));
            }
            case AnchorAlias alias:
                parser.MoveNext();
                return new YamlSpanScalar("*" + alias.Value, ScalarStyle.Any, (int)alias.Start.Index, (int)alias.End.Index, "alias");
            default:
                throw new YamlException(current.Start, current.End, $"unexpected {current.GetType().Name}");
        }
    }

    private static string? TagOf(TagName tag) => tag.IsEmpty ? null : tag.Value;
}
