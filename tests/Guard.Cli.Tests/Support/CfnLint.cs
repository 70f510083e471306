using Guard.Testing;

namespace Guard.Cli.Tests.Support;

/// <summary>cfn-lint (with the SAM translator it ships), the way a user runs it: a template the tests write must pass it.</summary>
public static class CfnLint
{
    public static async Task<ProcessRun> RunAsync(params string[] templates)
    {
        var cfnLint = ExternalProcess.Find("cfn-lint", "pip install cfn-lint (the machine image has it under ~/.pyenv/shims)");
        return await ExternalProcess.RunAsync(cfnLint, ["--", .. templates], TestContext.Current.CancellationToken, new() { WorkingDirectory = Path.GetDirectoryName(templates[0])! });
    }

    public static async Task AssertCleanAsync(params string[] templates)
    {
        var run = await RunAsync(templates);
        Assert.True(run.ExitCode == 0 && run.Log.Trim().Length == 0, $"cfn-lint exited {run.ExitCode}:\n{run.Log}");
    }
}
