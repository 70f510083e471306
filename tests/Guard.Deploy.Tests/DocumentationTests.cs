using System.Text;
using System.Text.RegularExpressions;

namespace Guard.Deploy.Tests;

/// <summary>
/// The documentation is the README and docs/: a reader must be able to follow every link, and nothing in the
/// repository may send them to a file that only ever existed beside it.
/// </summary>
public sealed partial class DocumentationTests
{
    // Built from parts so this file does not match itself.
    private static readonly string[] OutsideFiles = ["aws-" + "facts", "../" + "shared/", "/work/" + "shared"];
    private const string DesignPage = "design" + ".md";

    [Fact]
    public async Task TrackedFiles_NoneReferencesAFileOutsideTheRepository()
    {
        var offenders = new List<string>();
        foreach (var path in await TrackedTextFilesAsync())
        {
            var lines = await File.ReadAllLinesAsync(Path.Combine(Repository.Root, path), TestContext.Current.CancellationToken);
            for (var i = 0; i < lines.Length; i++)
            {
                if (OutsideReference(path, lines[i]) is { } what)
                {
                    offenders.Add($"{path}:{i + 1}: {what}");
                }
            }
        }

        Assert.True(offenders.Count == 0, "references to files outside the repository:\n" + string.Join("\n", offenders));
    }

    [Fact]
    public void MarkdownLinks_InTheReadmeAndDocs_PointToFilesAndHeadingsThatExist()
    {
        var pages = new[] { "README.md" }
            .Concat(Directory.EnumerateFiles(Path.Combine(Repository.Root, "docs"), "*.md").Select(p => Path.GetRelativePath(Repository.Root, p)))
            .ToArray();
        Assert.Contains(Path.Combine("docs", "findings.md"), pages);

        var broken = pages.SelectMany(page => BrokenLinks(page, File.ReadAllText(Path.Combine(Repository.Root, page)), ReadRepositoryFile)).ToArray();

        Assert.True(broken.Length == 0, "broken links:\n" + string.Join("\n", broken));
    }

    [Fact]
    public void BrokenLinks_ToAMissingFileOrHeading_AreReported()
    {
        var files = new Dictionary<string, string>
        {
            [Path.Combine("docs", "a.md")] = "# A\n\n## The `guard scan`: 1,000 functions\n\n[ok](#the-guard-scan-1000-functions) [gone](b.md) [bad anchor](#nowhere) " +
                "[up](../README.md) [web](https://example.com/x.md)\n\n```\n[in code](missing.md)\n```\n",
            ["README.md"] = "# Guard\n",
        };

        var broken = BrokenLinks(Path.Combine("docs", "a.md"), files[Path.Combine("docs", "a.md")], p => files.GetValueOrDefault(p));

        Assert.Equal(new[] { "docs/a.md: b.md: no such file", "docs/a.md: #nowhere: no such heading" }, broken.Select(b => b.Replace('\\', '/')));
    }

    [Theory]
    [InlineData("README.md", "the contract is in design" + ".md", true)]
    [InlineData("functions/Guard.Cli/ExitCodes.cs", "/// The exit codes of docs/design" + ".md", false)]
    [InlineData("docs/cli.md", "see [the contract](design" + ".md#verdicts-and-exit-codes)", false)]
    [InlineData("functions/Guard.Aws/X.cs", "// aws-" + "facts §2.3", true)]
    public void OutsideReference_FindsBareDesignAndFactsFiles(string path, string line, bool expected) =>
        Assert.Equal(expected, OutsideReference(path, line) is not null);

    private static string? OutsideReference(string path, string line)
    {
        if (OutsideFiles.FirstOrDefault(f => line.Contains(f, StringComparison.OrdinalIgnoreCase)) is { } outside)
        {
            return outside;
        }

        // The design page lives in docs/: named with its folder, or relative from a page beside it.
        var inDocs = path.StartsWith("docs/", StringComparison.Ordinal);
        foreach (Match match in DesignMention().Matches(line))
        {
            var before = line[..match.Index];
            if (!before.EndsWith("docs/", StringComparison.Ordinal) && !(inDocs && !before.EndsWith('/')))
            {
                return DesignPage + " (the page is docs/" + DesignPage + ")";
            }
        }

        return null;
    }

    private static IEnumerable<string> BrokenLinks(string page, string markdown, Func<string, string?> readFile)
    {
        var prose = InlineCode().Replace(Fence().Replace(markdown, ""), "");
        foreach (Match link in MarkdownLink().Matches(prose))
        {
            var target = link.Groups["target"].Value;
            if (Scheme().IsMatch(target))
            {
                continue;
            }

            var hash = target.IndexOf('#', StringComparison.Ordinal);
            var (file, anchor) = hash < 0 ? (target, null) : (target[..hash], target[(hash + 1)..]);
            var resolved = file.Length == 0 ? page : Path.GetRelativePath(".", Path.Combine(Path.GetDirectoryName(page) ?? "", file));
            if (resolved.StartsWith("..", StringComparison.Ordinal))
            {
                yield return $"{page}: {target}: outside the repository";
                continue;
            }

            var text = readFile(resolved);
            var isDirectory = text is null && Directory.Exists(Path.Combine(Repository.Root, resolved));
            if (text is null && !isDirectory)
            {
                yield return $"{page}: {target}: no such file";
            }
            else if (anchor is not null && text is not null && resolved.EndsWith(".md", StringComparison.Ordinal) && !Anchors(text).Contains(anchor))
            {
                yield return $"{page}: {target}: no such heading";
            }
        }
    }

    /// <summary>The anchors GitHub gives a page's headings: lower case, punctuation dropped, spaces to hyphens, repeats numbered.</summary>
    private static HashSet<string> Anchors(string markdown)
    {
        var anchors = new HashSet<string>(StringComparer.Ordinal);
        foreach (var line in Fence().Replace(markdown, "").Split('\n'))
        {
            var heading = Heading().Match(line);
            if (!heading.Success)
            {
                continue;
            }

            var slug = new StringBuilder();
            foreach (var c in heading.Groups["text"].Value.Trim().ToLowerInvariant())
            {
                if (char.IsLetterOrDigit(c) || c is '-' or '_')
                {
                    slug.Append(c);
                }
                else if (c == ' ')
                {
                    slug.Append('-');
                }
            }

            var anchor = slug.ToString();
            for (var n = 1; !anchors.Add(anchor); n++)
            {
                anchor = $"{slug}-{n}";
            }
        }

        return anchors;
    }

    private static string? ReadRepositoryFile(string relative)
    {
        var full = Path.Combine(Repository.Root, relative);
        return File.Exists(full) ? File.ReadAllText(full) : null;
    }

    private static async Task<IReadOnlyList<string>> TrackedTextFilesAsync()
    {
        var git = Repository.RequireTool("git", "apt-get install git (the check lists the files git tracks)");
        var (exitCode, output, error) = await Repository.RunAsync(git, ["ls-files", "-z"], TimeSpan.FromMinutes(1));
        Assert.True(exitCode == 0, $"git ls-files failed in {Repository.Root} (the check needs a git checkout): {error}");

        var files = output.Split('\0', StringSplitOptions.RemoveEmptyEntries)
            .Where(p => File.Exists(Path.Combine(Repository.Root, p)))
            .Where(p => !IsBinary(Path.Combine(Repository.Root, p)))
            .ToArray();
        Assert.Contains("README.md", files);
        return files;
    }

    private static bool IsBinary(string path)
    {
        using var stream = File.OpenRead(path);
        var head = new byte[8000];
        var read = stream.Read(head, 0, head.Length);
        return Array.IndexOf(head, (byte)0, 0, read) >= 0;
    }

    [GeneratedRegex(@"design\.md", RegexOptions.IgnoreCase)]
    private static partial Regex DesignMention();

    [GeneratedRegex(@"^```.*?^```", RegexOptions.Multiline | RegexOptions.Singleline)]
    private static partial Regex Fence();

    [GeneratedRegex(@"`[^`\n]*`")]
    private static partial Regex InlineCode();

    [GeneratedRegex(@"\]\((?<target>[^)\s]+)(?:\s+""[^""]*"")?\)")]
    private static partial Regex MarkdownLink();

    [GeneratedRegex(@"^[a-z][a-z0-9+.-]*:", RegexOptions.IgnoreCase)]
    private static partial Regex Scheme();

    [GeneratedRegex(@"^#{1,6}\s+(?<text>.+?)\s*#*\s*$")]
    private static partial Regex Heading();
}
