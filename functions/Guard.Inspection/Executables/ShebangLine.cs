using System.Text;

namespace Guard.Inspection.Executables;

/// <summary>
/// Parses a <c>#!</c> line exactly as Linux's binfmt_script (fs/binfmt_script.c, Linux 5.1 and later) does: it sees
/// only the first <see cref="KernelBufferSize"/> bytes (BINPRM_BUF_SIZE, 256 since Linux 5.1, 128 before); the line
/// ends at <c>\n</c>; spaces and tabs around the interpreter are dropped; everything after the interpreter up to the
/// end of the line (trailing spaces and tabs trimmed) is one single argument. The kernel does not treat <c>\r</c> as
/// whitespace, so <c>#!/bin/sh\r\n</c> names the interpreter <c>"/bin/sh\r"</c>, which does not exist.
/// </summary>
internal static class ShebangLine
{
    /// <summary>BINPRM_BUF_SIZE: how many bytes of the file the kernel reads to find the shebang line.</summary>
    public const int KernelBufferSize = 256;

    /// <param name="content">The file from its <c>#</c> (after any byte order mark); only the first 256 bytes matter.</param>
    /// <param name="startsWithByteOrderMark">Whether a UTF-8 BOM preceded <paramref name="content"/> in the file.</param>
    public static ScriptFacts Parse(ReadOnlySpan<byte> content, bool startsWithByteOrderMark)
    {
        // The kernel's buffer is zeroed before the read, so a short file reads as if followed by NULs.
        Span<byte> buffer = stackalloc byte[KernelBufferSize];
        buffer.Clear();
        content[..Math.Min(content.Length, KernelBufferSize)].CopyTo(buffer);

        // The kernel keeps the buffer's last byte for a terminating NUL, and its newline search (strnchr) stops at a NUL.
        var usable = buffer[..(KernelBufferSize - 1)];
        var firstNul = buffer.IndexOf((byte)0);
        var newline = buffer[..(firstNul < 0 ? KernelBufferSize : firstNul)].IndexOf((byte)'\n');
        int end;
        if (newline >= 0)
        {
            end = newline;
        }
        else
        {
            var first = NextNonSpaceOrTab(usable, 2);
            if (first < 0)
            {
                return Rejected(startsWithByteOrderMark, "the #! line is only spaces: Linux refuses to run it");
            }

            if (NextTerminator(usable, first) < 0)
            {
                return Rejected(startsWithByteOrderMark, $"the #! line is longer than the {KernelBufferSize} bytes Linux reads and the interpreter path is cut off");
            }

            end = usable.Length;
        }

        while (end > 2 && IsSpaceOrTab(buffer[end - 1]))
        {
            end--;
        }

        var line = buffer[..end];
        var nameStart = NextNonSpaceOrTab(line, 2);
        if (nameStart < 0)
        {
            return Rejected(startsWithByteOrderMark, "no interpreter after #!: Linux refuses to run it");
        }

        var separator = NextTerminator(line, nameStart);
        var interpreter = separator < 0 ? line[nameStart..] : line[nameStart..separator];
        if (interpreter.IsEmpty)
        {
            // "#!" and then the end of the file: the kernel takes the empty string as the path and open_exec("") fails.
            return Rejected(startsWithByteOrderMark, "no interpreter after #!: Linux cannot run it (no such file or directory)");
        }

        scoped var argument = ReadOnlySpan<byte>.Empty;
        if (separator >= 0 && line[separator] != 0 && NextNonSpaceOrTab(line, separator) is var argumentStart and >= 0)
        {
            // The rest of the line is one argument, up to a NUL if there is one.
            argument = line[argumentStart..];
            var nul = argument.IndexOf((byte)0);
            argument = nul < 0 ? argument : argument[..nul];
        }

        // A \r the kernel would keep at the end of either string is reported on its own (BOOTSTRAP_CRLF);
        // the facts record the strings as the author meant them.
        var endsWithCarriageReturn = false;
        if (argument.EndsWith("\r"u8))
        {
            endsWithCarriageReturn = true;
            argument = argument[..^1].TrimEnd(" \t"u8);
        }

        if (interpreter.EndsWith("\r"u8))
        {
            endsWithCarriageReturn = true;
            interpreter = interpreter[..^1];
        }

        return new ScriptFacts(
            Encoding.UTF8.GetString(interpreter),
            argument.IsEmpty ? null : Encoding.UTF8.GetString(argument),
            endsWithCarriageReturn,
            startsWithByteOrderMark);
    }

    private static ScriptFacts Rejected(bool startsWithByteOrderMark, string problem) =>
        new(string.Empty, null, EndsWithCarriageReturn: false, startsWithByteOrderMark, problem);

    private static bool IsSpaceOrTab(byte value) => value is (byte)' ' or (byte)'\t';

    private static int NextNonSpaceOrTab(ReadOnlySpan<byte> line, int from)
    {
        for (var i = from; i < line.Length; i++)
        {
            if (!IsSpaceOrTab(line[i]))
            {
                return i;
            }
        }

        return -1;
    }

    /// <summary>The kernel's next_terminator: the first space, tab or NUL.</summary>
    private static int NextTerminator(ReadOnlySpan<byte> line, int from)
    {
        var index = line[from..].IndexOfAny((byte)' ', (byte)'\t', (byte)0);
        return index < 0 ? -1 : from + index;
    }
}
