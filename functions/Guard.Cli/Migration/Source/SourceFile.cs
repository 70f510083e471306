using System.Text;
using Guard.Cli.Packaging;

namespace Guard.Cli.Migration.Source;

/// <summary>
/// One file of the user's source and the edits planned on it. Edits are spans of the original text (positions a
/// parser gave), so everything outside them — comments, order, quoting, layout, line endings, a byte-order mark —
/// comes out exactly as it went in.
/// </summary>
internal sealed class SourceFile
{
    private readonly List<TextEdit> _edits = [];
    private readonly bool _byteOrderMark;

    private SourceFile(string path, string text, bool byteOrderMark)
    {
        Path = path;
        Text = text;
        _byteOrderMark = byteOrderMark;
        NewLine = text.Contains("\r\n", StringComparison.Ordinal) ? "\r\n" : "\n";
    }

    /// <summary>Files larger than this are not source a person edits (a bundled asset, a generated template).</summary>
    public const long MaxSize = 8 * 1024 * 1024;

    public string Path { get; }

    public string Text { get; }

    /// <summary>The file's own line ending, used for every line an edit adds.</summary>
    public string NewLine { get; }

    public bool Changed => _edits.Count > 0;

    /// <exception cref="IOException">The file cannot be read, or is too large to be source.</exception>
    public static SourceFile Read(string path)
    {
        var info = new FileInfo(path);
        if (info.Length > MaxSize)
        {
            throw new IOException($"{path}: {info.Length} bytes, too large to be a source file Guard edits");
        }

        var bytes = File.ReadAllBytes(path);
        var bom = bytes.AsSpan().StartsWith(Encoding.UTF8.Preamble);
        var text = new UTF8Encoding(false, throwOnInvalidBytes: true).GetString(bytes, bom ? 3 : 0, bytes.Length - (bom ? 3 : 0));
        return new SourceFile(path, text, bom);
    }

    public static SourceFile FromText(string path, string text) => new(path, text, byteOrderMark: false);

    /// <summary>Replaces <paramref name="length"/> characters at <paramref name="start"/>; a second edit of the same span is ignored.</summary>
    public void Replace(int start, int length, string replacement)
    {
        if (Text.AsSpan(start, length).SequenceEqual(replacement) || _edits.Any(e => e.Start == start && e.Length == length))
        {
            return;
        }

        if (_edits.Any(e => e.Length > 0 && length > 0 && start < e.Start + e.Length && e.Start < start + length))
        {
            throw new InvalidOperationException($"{Path}: overlapping edits at {start}");
        }

        _edits.Add(new TextEdit(start, length, replacement));
    }

    public void Insert(int position, string text)
    {
        if (!_edits.Any(e => e.Length == 0 && e.Start == position && e.Replacement == text))
        {
            _edits.Add(new TextEdit(position, 0, text));
        }
    }

    /// <summary>The text with every edit made (inserts at one position in the order they were planned).</summary>
    public string NewText()
    {
        var result = new StringBuilder(Text.Length + 256);
        var at = 0;
        foreach (var edit in _edits.Select((e, i) => (e, i)).OrderBy(x => x.e.Start).ThenBy(x => x.e.Length).ThenBy(x => x.i).Select(x => x.e))
        {
            result.Append(Text, at, edit.Start - at).Append(edit.Replacement);
            at = edit.Start + edit.Length;
        }

        return result.Append(Text, at, Text.Length - at).ToString();
    }

    /// <summary>Replaces the file atomically with the new text, keeping its mode and its byte-order mark (or lack of one).</summary>
    public void WriteAtomically() =>
        AtomicFile.Replace(Path, temporary => File.WriteAllText(temporary, NewText(), new UTF8Encoding(_byteOrderMark)), keepMode: true);

    /// <summary>The 1-based line of a position, for messages.</summary>
    public int LineOf(int position)
    {
        var line = 1;
        for (var i = 0; i < position && i < Text.Length; i++)
        {
            if (Text[i] == '\n')
            {
                line++;
            }
        }

        return line;
    }

    /// <summary>Where the line holding <paramref name="position"/> starts.</summary>
    public int LineStart(int position) => position == 0 ? 0 : Text.LastIndexOf('\n', position - 1) + 1;

    /// <summary>The whitespace before <paramref name="position"/> on its line, or null when something else precedes it there.</summary>
    public string? IndentationBefore(int position)
    {
        var start = LineStart(position);
        var before = Text[start..position];
        return before.All(c => c is ' ' or '\t') ? before : null;
    }

    private sealed record TextEdit(int Start, int Length, string Replacement);
}
