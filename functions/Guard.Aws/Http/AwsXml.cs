using System.Xml;
using System.Xml.Linq;

namespace Guard.Aws.Http;

/// <summary>The little XML the Query protocol needs, read by local names so namespaces never matter.</summary>
public static class AwsXml
{
    private static readonly XmlReaderSettings Settings = new() { DtdProcessing = DtdProcessing.Prohibit, XmlResolver = null };

    /// <summary>The parsed document, or null when <paramref name="body"/> is empty or not XML.</summary>
    public static XDocument? TryLoad(ReadOnlySpan<byte> body)
    {
        if (body.IsEmpty)
        {
            return null;
        }

        try
        {
            using var reader = XmlReader.Create(new MemoryStream(body.ToArray(), writable: false), Settings);
            return XDocument.Load(reader);
        }
        catch (XmlException)
        {
            return null;
        }
    }

    /// <summary>The text of the first descendant named <paramref name="localName"/>, or null.</summary>
    public static string? DescendantValue(XDocument? document, string localName) =>
        document?.Descendants().FirstOrDefault(e => e.Name.LocalName == localName)?.Value;

    /// <summary>The text of <paramref name="parent"/>'s first child named <paramref name="localName"/>, or null.</summary>
    public static string? ChildValue(XElement? parent, string localName) =>
        parent?.Elements().FirstOrDefault(e => e.Name.LocalName == localName)?.Value;
}
