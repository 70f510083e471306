namespace Guard.Cli.Migration.Source;

/// <summary>An attribute <c>name = expression</c> of an HCL body.</summary>
/// <param name="Start">Where the expression starts.</param>
/// <param name="End">Just past where it ends.</param>
/// <param name="Literal">The string when the expression is one quoted string without interpolation.</param>
internal sealed record HclAttribute(string Name, int NameStart, int Start, int End, string? Literal)
{
    /// <summary>The characters inside the quotes of a literal.</summary>
    public (int Start, int Length) LiteralSpan => (Start + 1, End - Start - 2);
}

/// <summary>A block <c>type "label"... { body }</c>.</summary>
internal sealed record HclBlock(string Type, IReadOnlyList<string> Labels, int Start, IReadOnlyList<HclAttribute> Attributes, IReadOnlyList<HclBlock> Blocks)
{
    public HclAttribute? this[string name] => Attributes.LastOrDefault(a => a.Name == name);
}

/// <summary>
/// Reads the structure of an HCL native-syntax file (https://github.com/hashicorp/hcl/blob/main/hclsyntax/spec.md):
/// blocks, their labels, and attributes with the span of each expression. Expressions are not parsed, only skipped
/// over with their brackets, strings (with <c>${…}</c> templates), heredocs and comments, which is all an in-place
/// edit of a string literal needs.
/// </summary>
internal sealed class HclBody
{
    private readonly string _text;
    private int _at;

    private HclBody(string text) => _text = text;

    /// <exception cref="FormatException">Unbalanced brackets, an unterminated string or heredoc.</exception>
    public static IReadOnlyList<HclBlock> Read(string text)
    {
        var reader = new HclBody(text);
        var (_, blocks) = reader.Body(topLevel: true);
        return blocks;
    }

    private (List<HclAttribute>, List<HclBlock>) Body(bool topLevel)
    {
        var attributes = new List<HclAttribute>();
        var blocks = new List<HclBlock>();
        while (true)
        {
            SkipSpace(newlines: true);
            if (_at >= _text.Length)
            {
                if (!topLevel)
                {
                    throw Error("a block is not closed with }");
                }

                return (attributes, blocks);
            }

            if (_text[_at] == '}')
            {
                if (topLevel)
                {
                    throw Error("} without a block");
                }

                _at++;
                return (attributes, blocks);
            }

            var start = _at;
            var name = Identifier() ?? throw Error($"expected a name, found '{_text[_at]}'");
            SkipSpace(newlines: false);
            if (_at < _text.Length && _text[_at] == '=' && (_at + 1 >= _text.Length || _text[_at + 1] != '='))
            {
                _at++;
                SkipSpace(newlines: false);
                var expressionStart = _at;
                var end = Expression();
                var literal = LiteralAt(expressionStart, end);
                attributes.Add(new HclAttribute(name, start, expressionStart, end, literal));
                continue;
            }

            var labels = new List<string>();
            while (_at < _text.Length && _text[_at] != '{')
            {
                if (_text[_at] == '"')
                {
                    var labelStart = _at;
                    SkipString();
                    labels.Add(_text[(labelStart + 1)..(_at - 1)]);
                }
                else
                {
                    labels.Add(Identifier() ?? throw Error($"expected a label or {{, found '{_text[_at]}'"));
                }

                SkipSpace(newlines: false);
            }

            if (_at >= _text.Length)
            {
                throw Error("a block has no {");
            }

            _at++;
            var (innerAttributes, innerBlocks) = Body(topLevel: false);
            blocks.Add(new HclBlock(name, labels, start, innerAttributes, innerBlocks));
        }
    }

    /// <summary>Skips an expression to the end of its line (brackets may span lines); returns where it ends, trailing space and comment excluded.</summary>
    private int Expression()
    {
        var depth = 0;
        var end = _at;
        while (_at < _text.Length)
        {
            var c = _text[_at];
            if (depth == 0 && c is '\n' or '}')
            {
                break;
            }

            if (c == '#' || (c == '/' && Peek(1) is '/' or '*'))
            {
                SkipComment();
                continue;
            }

            if (c is ' ' or '\t' or '\r' or '\n')
            {
                _at++;
                continue;
            }

            switch (c)
            {
                case '"':
                    SkipString();
                    break;
                case '<' when Peek(1) == '<' && (char.IsLetter(Peek(2)) || (Peek(2) == '-' && char.IsLetter(Peek(3)))):
                    SkipHeredoc();
                    break;
                case '(' or '[' or '{':
                    depth++;
                    _at++;
                    break;
                case ')' or ']' or '}':
                    depth--;
                    _at++;
                    break;
                default:
                    _at++;
                    break;
            }

            end = _at;
        }

        return end;
    }

    private string? LiteralAt(int start, int end)
    {
        if (end - start < 2 || _text[start] != '"' || _text[end - 1] != '"')
        {
            return null;
        }

        var inner = _text[(start + 1)..(end - 1)];
        return inner.Contains('"', StringComparison.Ordinal) || inner.Contains("${", StringComparison.Ordinal) || inner.Contains("%{", StringComparison.Ordinal) || inner.Contains('\\', StringComparison.Ordinal)
            ? null : inner;
    }

    private void SkipString()
    {
        _at++;
        while (_at < _text.Length)
        {
            var c = _text[_at];
            if (c == '\\')
            {
                _at += 2;
                continue;
            }

            if (c == '"')
            {
                _at++;
                return;
            }

            if ((c == '$' || c == '%') && Peek(1) == '{' && Peek(-1) != c)
            {
                // A template sequence: an expression with its own brackets and strings, up to its closing brace.
                _at += 2;
                var depth = 1;
                while (_at < _text.Length && depth > 0)
                {
                    switch (_text[_at])
                    {
                        case '"':
                            SkipString();
                            continue;
                        case '{':
                            depth++;
                            break;
                        case '}':
                            depth--;
                            break;
                    }

                    _at++;
                }

                continue;
            }

            if (c == '\n')
            {
                throw Error("a string is not closed on its line");
            }

            _at++;
        }

        throw Error("a string is not closed");
    }

    private void SkipHeredoc()
    {
        _at += 2;
        if (_text[_at] == '-')
        {
            _at++;
        }

        var marker = Identifier()!;
        var line = _text.IndexOf('\n', _at);
        while (line >= 0)
        {
            var next = _text.IndexOf('\n', line + 1);
            var content = _text[(line + 1)..(next < 0 ? _text.Length : next)].Trim();
            if (content == marker)
            {
                _at = next < 0 ? _text.Length : next;
                return;
            }

            line = next;
        }

        throw Error($"the heredoc {marker} is not closed");
    }

    private void SkipComment()
    {
        if (_text[_at] == '/' && Peek(1) == '*')
        {
            var close = _text.IndexOf("*/", _at + 2, StringComparison.Ordinal);
            _at = close < 0 ? throw Error("a /* comment is not closed") : close + 2;
            return;
        }

        var newline = _text.IndexOf('\n', _at);
        _at = newline < 0 ? _text.Length : newline;
    }

    private void SkipSpace(bool newlines)
    {
        while (_at < _text.Length)
        {
            var c = _text[_at];
            if (c is ' ' or '\t' or '\r' || (newlines && c == '\n'))
            {
                _at++;
            }
            else if (c == '#' || (c == '/' && Peek(1) is '/' or '*'))
            {
                SkipComment();
            }
            else
            {
                return;
            }
        }
    }

    private string? Identifier()
    {
        var start = _at;
        while (_at < _text.Length && (char.IsLetterOrDigit(_text[_at]) || _text[_at] is '_' || (_at > start && _text[_at] is '-')))
        {
            _at++;
        }

        return _at > start ? _text[start.._at] : null;
    }

    private char Peek(int offset) => _at + offset >= 0 && _at + offset < _text.Length ? _text[_at + offset] : '\0';

    private FormatException Error(string message)
    {
        var line = 1 + _text.AsSpan(0, Math.Min(_at, _text.Length)).Count('\n');
        return new FormatException($"line {line}: {message}");
    }
}
