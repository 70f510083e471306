using System.Text.RegularExpressions;

namespace Guard.Cli.Migration.Source;

/// <summary>
/// Build scripts (Makefile, *.mk, *.sh) that zip Go binaries for Lambda. go1.x ran the binary the Handler named, so
/// one zip could carry several (<c>zip -X -9 ./ *-lambda</c>); a custom runtime starts only the zip's root
/// <c>bootstrap</c>, so each function needs its own zip with its binary under that name. Such a line is reported as
/// a manual step proposing <c>guard package</c>: rewriting someone's build by pattern would be a guess.
/// </summary>
internal static partial class BuildScripts
{
    public static bool IsScript(string name) =>
        name is "Makefile" or "makefile" or "GNUmakefile" || name.EndsWith(".mk", StringComparison.Ordinal) || name.EndsWith(".sh", StringComparison.Ordinal);

    /// <param name="always">The script was named on the command line: report it even when no function was moved.</param>
    public static void Scan(SourceFile file, SourceMigration run, bool always)
    {
        if (always)
        {
            run.Add(file);
        }

        var output = GoOutput().Match(file.Text) is { Success: true } build ? build.Groups["out"].Value : null;
        foreach (Match zip in ZipCommand().Matches(file.Text))
        {
            var all = zip.Groups["args"].Value.Split([' ', '\t'], StringSplitOptions.RemoveEmptyEntries)
                .TakeWhile(w => w is not ("&&" or "||" or ";" or "|" or "\\"))
                .ToList();
            var recursive = all.Any(w => w.StartsWith('-') && !w.StartsWith("--", StringComparison.Ordinal) && w.Contains('r', StringComparison.Ordinal));
            var words = all.Where(w => !w.StartsWith('-')).ToList();
            if (words.Count < 2)
            {
                continue;
            }

            var inputs = words.Skip(1).ToList();
            var binaries = inputs.Where(w => w is not ("." or "./") && !w.EndsWith('/') && !w.EndsWith(".json", StringComparison.Ordinal) && !w.EndsWith(".yaml", StringComparison.Ordinal) && !w.EndsWith(".yml", StringComparison.Ordinal)).ToList();
            var several = binaries.Count > 1 || binaries.Any(b => b.Contains('*', StringComparison.Ordinal) || b.Contains('?', StringComparison.Ordinal));
            var renamed = binaries.Count == 1 && !several && !recursive && Path.GetFileName(binaries[0]) != MigrationTarget.Bootstrap && !binaries[0].EndsWith('/');
            if (!several && !renamed)
            {
                continue;
            }

            var glob = string.Join(' ', binaries.Select(b => output is not null && !b.Contains('/', StringComparison.Ordinal) && !output.EndsWith(".zip", StringComparison.Ordinal) ? $"{output.TrimEnd('/')}/{b}" : b));
            var outDir = output is not null && !output.Contains('*', StringComparison.Ordinal) ? output.TrimEnd('/') : "dist";
            var text = several
                ? $"'{zip.Value.Trim()}' zips several binaries into one package; a custom runtime starts only the zip's bootstrap, so each function needs a zip of its own"
                : $"'{zip.Value.Trim()}' packs the binary as '{Path.GetFileName(binaries[0])}'; a custom runtime starts only bootstrap";
            run.Manual(file, zip.Index, text,
                $"replace it with: guard package {glob} --out {outDir}   (one NAME.zip per binary, the binary as bootstrap), and point each function at its zip");
        }
    }

    [GeneratedRegex(@"(?<=^|[\s;&|(`])zip(?<args>[ \t][^\r\n#]*)", RegexOptions.Multiline)]
    private static partial Regex ZipCommand();

    [GeneratedRegex(@"\bgo build\b[^\r\n]*?-o[ \t=]+(?<out>[^\s;&|]+)")]
    private static partial Regex GoOutput();
}
