namespace Guard.Cli.Apps.Templates;

/// <summary>
/// A template value, the same for YAML and JSON: short-form tags (<c>!Ref X</c>) are read into their long form
/// (<c>{ "Ref": "X" }</c>), so the rest of Guard sees one shape. Every node knows where it was written.
/// </summary>
/// <param name="Line">1-based line in the template file.</param>
/// <param name="Column">1-based column.</param>
internal abstract record TemplateNode(int Line, int Column);

/// <summary>A string, number, boolean or null, kept as written (CloudFormation reads them all as strings).</summary>
internal sealed record ScalarNode(string Value, bool IsNull, int Line, int Column) : TemplateNode(Line, Column);

internal sealed record SequenceNode(IReadOnlyList<TemplateNode> Items, int Line, int Column) : TemplateNode(Line, Column);

/// <summary>A mapping in the order written; a key written twice keeps its last value, as CloudFormation's parser does.</summary>
internal sealed record MappingNode(IReadOnlyList<MappingEntry> Entries, int Line, int Column) : TemplateNode(Line, Column)
{
    public TemplateNode? this[string key]
    {
        get
        {
            for (var i = Entries.Count - 1; i >= 0; i--)
            {
                if (Entries[i].Key == key)
                {
                    return Entries[i].Value;
                }
            }

            return null;
        }
    }

    public IEnumerable<string> Keys => Entries.Select(e => e.Key).Distinct(StringComparer.Ordinal);

    /// <summary>The last entry written for each key, in the order keys first appear.</summary>
    public IEnumerable<MappingEntry> Distinct => Keys.Select(key => Entries.Last(e => e.Key == key));

    /// <summary>
    /// An intrinsic function call: one key, <c>Ref</c>, <c>Condition</c> or <c>Fn::…</c> (what SAM's Globals merge
    /// treats as a primitive value).
    /// </summary>
    public bool IsIntrinsic(out string name, out TemplateNode argument)
    {
        if (Entries.Count == 1 && Entries[0].Key is "Ref" or "Condition" || Entries.Count == 1 && Entries[0].Key.StartsWith("Fn::", StringComparison.Ordinal))
        {
            (name, argument) = (Entries[0].Key, Entries[0].Value);
            return true;
        }

        (name, argument) = ("", this);
        return false;
    }
}

/// <summary>One key and its value; the key's position is where a resource is declared (its logical id).</summary>
internal sealed record MappingEntry(string Key, int KeyLine, int KeyColumn, TemplateNode Value);

/// <summary>The template could not be read: what is wrong, and where.</summary>
internal sealed class TemplateFormatException(string file, int line, int column, string message) : Exception($"{file}:{line}:{column}: {message}")
{
    public string File { get; } = file;
    public int Line { get; } = line;
    public int Column { get; } = column;
}
