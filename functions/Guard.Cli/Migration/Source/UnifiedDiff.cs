using System.Globalization;
using System.Text;

namespace Guard.Cli.Migration.Source;

/// <summary>
/// A unified diff (the format of GNU diff -u and git diff, 3 lines of context) of two texts, so the output of
/// <c>guard migrate PATH</c> can be read as a review and applied with <c>git apply</c> or <c>patch -p1</c>.
/// Lines are matched with Myers' O(ND) algorithm ("An O(ND) Difference Algorithm and Its Variations", 1986):
/// a migration changes a handful of lines, so D is small even in a long template.
/// </summary>
internal static class UnifiedDiff
{
    private const int Context = 3;

    /// <summary>The diff of <paramref name="before"/> and <paramref name="after"/> under <paramref name="name"/>, or "" when they are equal.</summary>
    public static string Write(string name, string before, string after)
    {
        if (before == after)
        {
            return "";
        }

        var a = Lines(before);
        var b = Lines(after);
        var script = Script(a, b);
        var text = new StringBuilder();
        var shown = name.Replace('\\', '/');
        text.Append("--- a/").Append(shown).Append('\n').Append("+++ b/").Append(shown).Append('\n');
        foreach (var (start, end) in Hunks(script))
        {
            var (aStart, bStart) = (script[start].A, script[start].B);
            var aCount = script.Skip(start).Take(end - start).Count(o => o.Kind != '+');
            var bCount = script.Skip(start).Take(end - start).Count(o => o.Kind != '-');
            text.Append(CultureInfo.InvariantCulture, $"@@ -{Range(aStart, aCount)} +{Range(bStart, bCount)} @@\n");
            for (var i = start; i < end; i++)
            {
                var op = script[i];
                var line = op.Kind == '+' ? b[op.B] : a[op.A];
                text.Append(op.Kind).Append(line.TrimEnd('\n'));
                text.Append('\n');
                if (!line.EndsWith('\n'))
                {
                    text.Append("\\ No newline at end of file\n");
                }
            }
        }

        return text.ToString();
    }

    /// <summary>GNU's range: the first line 1-based, and the count when it is not 1 (an empty range names the line before it).</summary>
    private static string Range(int start, int count) =>
        count == 1 ? (start + 1).ToString(CultureInfo.InvariantCulture)
        : count == 0 ? $"{start},0"
        : $"{start + 1},{count}";

    /// <summary>Each line with its terminator, so a missing last newline is a difference like any other.</summary>
    private static string[] Lines(string text)
    {
        var lines = new List<string>();
        var at = 0;
        while (at < text.Length)
        {
            var end = text.IndexOf('\n', at);
            end = end < 0 ? text.Length : end + 1;
            lines.Add(text[at..end]);
            at = end;
        }

        return [.. lines];
    }

    /// <summary>Runs of changes with up to <see cref="Context"/> equal lines around them; runs closer than twice that merge.</summary>
    private static List<(int Start, int End)> Hunks(List<Op> script)
    {
        var hunks = new List<(int Start, int End)>();
        for (var i = 0; i < script.Count; i++)
        {
            if (script[i].Kind == ' ')
            {
                continue;
            }

            var start = Math.Max(0, i - Context);
            var end = i;
            while (end < script.Count)
            {
                if (script[end].Kind != ' ')
                {
                    end++;
                    continue;
                }

                var equal = 0;
                while (end + equal < script.Count && script[end + equal].Kind == ' ')
                {
                    equal++;
                }

                if (end + equal < script.Count && equal <= 2 * Context)
                {
                    end += equal;
                    continue;
                }

                end = Math.Min(script.Count, end + Context);
                break;
            }

            if (hunks.Count > 0 && hunks[^1].End >= start)
            {
                hunks[^1] = (hunks[^1].Start, end);
            }
            else
            {
                hunks.Add((start, end));
            }

            i = end - 1;
        }

        return hunks;
    }

    /// <summary>The edit script: every line of both texts once, as kept (' '), removed ('-') or added ('+'), in order.</summary>
    private static List<Op> Script(string[] a, string[] b)
    {
        int n = a.Length, m = b.Length, max = n + m, offset = max + 1;
        var v = new int[(2 * max) + 3];
        var trace = new List<int[]>();
        var found = false;
        for (var d = 0; d <= max && !found; d++)
        {
            trace.Add((int[])v.Clone());
            for (var k = -d; k <= d; k += 2)
            {
                var x = k == -d || (k != d && v[offset + k - 1] < v[offset + k + 1]) ? v[offset + k + 1] : v[offset + k - 1] + 1;
                var y = x - k;
                while (x < n && y < m && a[x] == b[y])
                {
                    (x, y) = (x + 1, y + 1);
                }

                v[offset + k] = x;
                if (x >= n && y >= m)
                {
                    found = true;
                    break;
                }
            }
        }

        // Walk the trace back from (n, m), then reverse.
        var ops = new List<Op>();
        int px = n, py = m;
        for (var d = trace.Count - 1; d >= 0; d--)
        {
            var vd = trace[d];
            var k = px - py;
            var previousK = k == -d || (k != d && vd[offset + k - 1] < vd[offset + k + 1]) ? k + 1 : k - 1;
            var previousX = d == 0 ? 0 : vd[offset + previousK];
            var previousY = previousX - previousK;
            while (px > previousX && py > previousY)
            {
                (px, py) = (px - 1, py - 1);
                ops.Add(new Op(' ', px, py));
            }

            if (d == 0)
            {
                break;
            }

            if (px == previousX)
            {
                py--;
                ops.Add(new Op('+', px, py));
            }
            else
            {
                px--;
                ops.Add(new Op('-', px, py));
            }
        }

        while (px > 0 && py > 0)
        {
            (px, py) = (px - 1, py - 1);
            ops.Add(new Op(' ', px, py));
        }

        ops.Reverse();
        return ops;
    }

    /// <param name="A">The line's index in the old text (for '+', the index the next old line has).</param>
    /// <param name="B">The line's index in the new text (for '-', likewise).</param>
    private readonly record struct Op(char Kind, int A, int B);
}
