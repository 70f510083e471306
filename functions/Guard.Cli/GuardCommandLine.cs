using System.CommandLine;
using Guard.Cli.Commands;

namespace Guard.Cli;

/// <summary>The <c>guard</c> command line: parsing and dispatch, with the console passed in so tests can run it.</summary>
public static class GuardCommandLine
{
    public static async Task<int> RunAsync(string[] args, TextWriter output, TextWriter error, CancellationToken cancellationToken)
    {
        var root = new RootCommand(
            "Guard: checks that an AWS Lambda package on a custom runtime (provided.al2023, provided.al2) can start, " +
            "before Lambda finds out at the first invocation.")
        {
            CheckCommand.Create(output, error),
            ScanCommand.Create(output, error),
            MigrateCommand.Create(output, error),
            RollbackCommand.Create(output, error),
        };

        var parsed = root.Parse(args);
        if (parsed.Errors.Count > 0)
        {
            foreach (var parseError in parsed.Errors)
            {
                await error.WriteLineAsync($"guard: {parseError.Message}").ConfigureAwait(false);
            }

            await error.WriteLineAsync("Run 'guard --help' for usage.").ConfigureAwait(false);
            return ExitCodes.UsageOrUnavailable;
        }

        var configuration = new InvocationConfiguration { Output = output, Error = error };
        return await parsed.InvokeAsync(configuration, cancellationToken).ConfigureAwait(false);
    }
}
