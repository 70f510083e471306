using System.Diagnostics;

namespace Guard.Cli.Tests.Support;

/// <summary>Runs a real tool (cfn-lint, terraform, git, unzip) the way a user would; a missing tool fails the test with how to get it.</summary>
public static class ExternalTool
{
    public static string Find(string name, string install)
    {
        var home = Environment.GetEnvironmentVariable("HOME") ?? "";
        return (Environment.GetEnvironmentVariable("PATH") ?? "")
            .Split(Path.PathSeparator, StringSplitOptions.RemoveEmptyEntries)
            .Concat([Path.Combine(home, ".pyenv", "shims"), "/usr/local/bin", "/usr/bin"])
            .Select(directory => Path.Combine(directory, name))
            .FirstOrDefault(File.Exists)
            ?? throw new InvalidOperationException($"{name} is not on PATH: {install}; this check never skips");
    }

    public static async Task<(int ExitCode, string Output)> RunAsync(string tool, string workingDirectory, params string[] arguments)
    {
        var start = new ProcessStartInfo(tool) { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false, WorkingDirectory = workingDirectory };
        foreach (var argument in arguments)
        {
            start.ArgumentList.Add(argument);
        }

        using var process = Process.Start(start)!;
        var output = process.StandardOutput.ReadToEndAsync(TestContext.Current.CancellationToken);
        var error = process.StandardError.ReadToEndAsync(TestContext.Current.CancellationToken);
        using var limit = CancellationTokenSource.CreateLinkedTokenSource(TestContext.Current.CancellationToken);
        limit.CancelAfter(TimeSpan.FromMinutes(3));
        await process.WaitForExitAsync(limit.Token);
        return (process.ExitCode, await output + await error);
    }

    public static async Task CfnLintCleanAsync(params string[] templates)
    {
        var cfnLint = Find("cfn-lint", "pip install cfn-lint (the machine image has it under ~/.pyenv/shims)");
        var (exit, output) = await RunAsync(cfnLint, Path.GetDirectoryName(templates[0])!, ["--", .. templates]);
        Assert.True(exit == 0 && output.Trim().Length == 0, $"cfn-lint exited {exit}:\n{output}");
    }
}
