using Guard.Cli.Migration.Source;
using Guard.Cli.Tests.Support;
using Guard.Testing;

namespace Guard.Cli.Tests.Migration.Source;

public sealed class UnifiedDiffTests : IDisposable
{
    private readonly Scratch _scratch = new();

    public void Dispose() => _scratch.Dispose();

    public static TheoryData<string, string> Pairs => new()
    {
        { "a\nb\nc\n", "a\nB\nc\n" },
        { string.Concat(Enumerable.Range(1, 40).Select(i => $"line {i}\n")), string.Concat(Enumerable.Range(1, 40).Select(i => i is 3 or 30 ? $"changed {i}\nadded\n" : $"line {i}\n")) },
        { "first\nsecond\n", "zero\nfirst\nsecond\nthird\n" },
        { "no newline at the end", "no newline at the end\nnow there is\n" },
        { "x\ny\nz\n", "" },
    };

    [Theory]
    [MemberData(nameof(Pairs))]
    public async Task Write_AnyTwoTexts_GitApplyTurnsTheFirstIntoTheSecond(string before, string after)
    {
        _scratch.Write("repo/file.txt", before);
        var patch = _scratch.Write("change.diff", UnifiedDiff.Write("file.txt", before, after));

        var git = ExternalProcess.Find("git", "apt-get install git");
        var apply = await ExternalProcess.RunAsync(git, ["apply", "--unsafe-paths", "--verbose", patch], TestContext.Current.CancellationToken, new() { WorkingDirectory = _scratch.PathOf("repo") });

        Assert.True(apply.ExitCode == 0, apply.Log + File.ReadAllText(patch));
        Assert.Equal(after, File.ReadAllText(_scratch.PathOf("repo/file.txt")));
    }

    [Fact]
    public void Write_EqualTexts_IsEmpty() => Assert.Equal("", UnifiedDiff.Write("f", "same\n", "same\n"));

    [Fact]
    public void Write_OneLineChanged_ShowsThreeLinesOfContextEachSide()
    {
        var before = string.Concat(Enumerable.Range(1, 9).Select(i => $"{i}\n"));

        var diff = UnifiedDiff.Write("f", before, before.Replace("5\n", "five\n", StringComparison.Ordinal));

        Assert.Equal("--- a/f\n+++ b/f\n@@ -2,7 +2,7 @@\n 2\n 3\n 4\n-5\n+five\n 6\n 7\n 8\n", diff);
    }
}
