using System.Buffers;
using System.Text;

namespace Guard.Inspection.Executables;

/// <summary>Whether bytes read as human text: UTF-8 (ASCII included), no NUL, almost no control characters.</summary>
internal static class TextContent
{
    /// <summary>One odd byte in 32 is tolerated (a stray escape sequence, a Latin-1 "é" in a comment).</summary>
    private const int MaxOddOneIn = 32;

    public static bool IsMostlyText(ReadOnlySpan<byte> bytes)
    {
        if (bytes.IsEmpty || bytes.Contains((byte)0))
        {
            return false;
        }

        int characters = 0, odd = 0;
        while (!bytes.IsEmpty)
        {
            var status = Rune.DecodeFromUtf8(bytes, out var rune, out var consumed);
            if (status == OperationStatus.NeedMoreData)
            {
                break; // a character cut by the end of what was read
            }

            characters++;
            if (status != OperationStatus.Done || (Rune.IsControl(rune) && rune.Value is not ('\t' or '\n' or '\r' or '\f' or '\v' or 0x1B)))
            {
                odd++;
            }

            bytes = bytes[consumed..];
        }

        return characters > 0 && odd * MaxOddOneIn <= characters;
    }
}
