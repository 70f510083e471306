using System.Diagnostics;
using Guard.Cli.Tests.Support;

namespace Guard.Cli.Tests.Apps;

/// <summary>The apps the tests check are real: cfn-lint (with the SAM translator it ships) accepts every one of them.</summary>
public sealed class TemplateLintTests : IDisposable
{
    private readonly Scratch _scratch = new();

    public void Dispose() => _scratch.Dispose();

    [Fact]
    public async Task CfnLint_OnEveryTestTemplate_ReportsNothing()
    {
        var cfnLint = FindCfnLint() ?? throw new InvalidOperationException("cfn-lint is not on PATH or in ~/.pyenv/shims: pip install cfn-lint; this check never skips");
        var paths = TestApps.Lintable.Select(t => _scratch.Write(t.Name, t.Text)).ToArray();

        var start = new ProcessStartInfo(cfnLint) { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        start.ArgumentList.Add("--");
        foreach (var path in paths)
        {
            start.ArgumentList.Add(path);
        }

        using var process = Process.Start(start)!;
        var output = process.StandardOutput.ReadToEndAsync(TestContext.Current.CancellationToken);
        var error = process.StandardError.ReadToEndAsync(TestContext.Current.CancellationToken);
        using var limit = CancellationTokenSource.CreateLinkedTokenSource(TestContext.Current.CancellationToken);
        limit.CancelAfter(TimeSpan.FromMinutes(3));
        await process.WaitForExitAsync(limit.Token);

        Assert.True(process.ExitCode == 0, $"cfn-lint exited {process.ExitCode} over {paths.Length} templates:\n{await output}{await error}");
        Assert.Equal("", (await output).Trim());
        Assert.Equal(10, paths.Length);
    }

    private static string? FindCfnLint()
    {
        var home = Environment.GetEnvironmentVariable("HOME") ?? "";
        return (Environment.GetEnvironmentVariable("PATH") ?? "")
            .Split(Path.PathSeparator, StringSplitOptions.RemoveEmptyEntries)
            .Concat([Path.Combine(home, ".pyenv", "shims")])
            .Select(directory => Path.Combine(directory, "cfn-lint"))
            .FirstOrDefault(File.Exists);
    }
}
