using Guard.Cli.Commands;
using Guard.Cli.Migration.Source;

namespace Guard.Cli.Tests.Migration.Source;

/// <summary>One run of <c>guard migrate PATH</c> through its command, with what it printed where.</summary>
internal sealed record SourceRun(int ExitCode, string Diff, string Report)
{
    public static async Task<SourceRun> MigrateAsync(string path, bool apply = false, string runtime = "provided.al2023")
    {
        var output = new StringWriter();
        var error = new StringWriter();
        var exit = await MigrateSourceCommand.RunAsync(new SourceMigrateSettings(path, runtime, apply), output, error, TestContext.Current.CancellationToken);
        return new SourceRun(exit, output.ToString(), error.ToString());
    }

    public override string ToString() => $"exit {ExitCode}\n{Diff}\n{Report}";
}
