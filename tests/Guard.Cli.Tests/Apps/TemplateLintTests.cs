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
        var paths = TestApps.Lintable.Select(t => _scratch.Write(t.Name, t.Text)).ToArray();

        var run = await CfnLint.RunAsync(paths);

        Assert.True(run.ExitCode == 0, $"cfn-lint exited {run.ExitCode} over {paths.Length} templates:\n{run.Log}");
        Assert.Equal("", run.Output.Trim());
        Assert.Equal(10, paths.Length);
    }
}
