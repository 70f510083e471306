using System.Text;
using System.Xml;

namespace Guard.Aws.Http;

/// <summary>
/// One element of an AWS XML answer (Query or REST-XML): its local name, its own text, its child elements.
/// Namespaces never matter to these answers, so only local names are kept.
/// </summary>
public sealed class AwsXmlElement(string name, string text, IReadOnlyList<AwsXmlElement> children)
{
    public string Name { get; } = name;

    /// <summary>The element's own text (entities decoded), empty for an element that only has children.</summary>
    public string Text { get; } = text;

    public IReadOnlyList<AwsXmlElement> Children { get; } = children;

    /// <summary>The first child named <paramref name="name"/>, or null.</summary>
    public AwsXmlElement? Child(string name) => Children.FirstOrDefault(c => c.Name == name);

    /// <summary>The text of the first child named <paramref name="name"/>, or null.</summary>
    public string? ChildText(string name) => Child(name)?.Text;

    /// <summary>This element or the first descendant (depth first) named <paramref name="name"/>, or null.</summary>
    public AwsXmlElement? Find(string name)
    {
        if (Name == name)
        {
            return this;
        }

        foreach (var child in Children)
        {
            if (child.Find(name) is { } found)
            {
                return found;
            }
        }

        return null;
    }
}

/// <summary>
/// Reads and writes the little XML AWS answers are made of, with a forward-only <see cref="XmlReader"/>: no
/// DTDs, no external entities, and no XLinq (which the Native AOT Lambda would carry only for this).
/// </summary>
public static class AwsXml
{
    private static readonly XmlReaderSettings Settings = new()
    {
        DtdProcessing = DtdProcessing.Prohibit,
        XmlResolver = null,
        IgnoreComments = true,
        IgnoreProcessingInstructions = true,
        IgnoreWhitespace = true,
    };

    /// <summary>The document's root element, or null when <paramref name="body"/> is empty or not well-formed XML.</summary>
    public static AwsXmlElement? TryParse(ReadOnlySpan<byte> body)
    {
        if (body.IsEmpty)
        {
            return null;
        }

        try
        {
            using var reader = XmlReader.Create(new MemoryStream(body.ToArray(), writable: false), Settings);
            return reader.MoveToContent() == XmlNodeType.Element ? ReadElement(reader) : null;
        }
        catch (XmlException)
        {
            return null;
        }
    }

    /// <summary>Escapes text for element content ('&amp;', '&lt;', '&gt;'; quotes may stay, as the SDKs send an ETag's).</summary>
    public static string Escape(string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        var builder = new StringBuilder(text.Length + 8);
        foreach (var c in text)
        {
            _ = c switch
            {
                '&' => builder.Append("&amp;"),
                '<' => builder.Append("&lt;"),
                '>' => builder.Append("&gt;"),
                _ => builder.Append(c),
            };
        }

        return builder.ToString();
    }

    // Positioned on a start tag; returns positioned after its end.
    private static AwsXmlElement ReadElement(XmlReader reader)
    {
        var name = reader.LocalName;
        if (reader.IsEmptyElement)
        {
            reader.Read();
            return new AwsXmlElement(name, "", []);
        }

        var text = new StringBuilder();
        var children = new List<AwsXmlElement>();
        reader.Read();
        while (reader.NodeType != XmlNodeType.EndElement)
        {
            if (reader.EOF)
            {
                throw new XmlException($"<{name}> is not closed");
            }

            switch (reader.NodeType)
            {
                case XmlNodeType.Element:
                    children.Add(ReadElement(reader));
                    break;
                case XmlNodeType.Text or XmlNodeType.CDATA or XmlNodeType.SignificantWhitespace:
                    text.Append(reader.Value);
                    reader.Read();
                    break;
                default:
                    reader.Read();
                    break;
            }
        }

        reader.Read();
        return new AwsXmlElement(name, text.ToString(), children);
    }
}
