using System.CommandLine;
using System.CommandLine.Parsing;
using Guard.Cli.Commands;

namespace Guard.Cli;

/// <summary>The <c>guard</c> command line: parsing and dispatch, with the console passed in so tests can run it.</summary>
public static class GuardCommandLine
{
    /// <summary>Set to 1 to print the stack trace of an internal error.</summary>
    public const string TraceVariable = "GUARD_TRACE";

    public static async Task<int> RunAsync(string[] args, TextWriter output, TextWriter error, CancellationToken cancellationToken)
    {
        var root = new RootCommand(
            "Guard: checks that an AWS Lambda package on a custom runtime (provided.al2023, provided.al2) can start, " +
            "before Lambda finds out at the first invocation. The manual is docs/cli.md; every finding and its fix, docs/findings.md.")
        {
            CheckCommand.Create(output, error),
            ScanCommand.Create(output, error),
            MigrateCommand.Create(output, error),
            PackageCommand.Create(output, error),
            RollbackCommand.Create(output, error),
        };

        if (args.Length == 0)
        {
            // Bare `guard` is a usage error with the usage, not "Required command was not provided.".
            await root.Parse("--help").InvokeAsync(new InvocationConfiguration { Output = error, Error = error }, cancellationToken).ConfigureAwait(false);
            return ExitCodes.UsageOrUnavailable;
        }

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

        if (UnknownOptions(parsed).FirstOrDefault() is { } unknown)
        {
            // One line, as for every failure that stops a check (docs/cli.md).
            await error.WriteLineAsync($"guard: unknown option {unknown}: nothing was checked (run 'guard {parsed.CommandResult.Command.Name} --help' for the options)").ConfigureAwait(false);
            return ExitCodes.UsageOrUnavailable;
        }

        // Guard's own failures must never read as exit 1, which CI takes to mean "the package is broken".
        var configuration = new InvocationConfiguration { Output = output, Error = error, EnableDefaultExceptionHandler = false };
        try
        {
            return await parsed.InvokeAsync(configuration, cancellationToken).ConfigureAwait(false);
        }
        catch (Exception e) when (e is not OperationCanceledException || !cancellationToken.IsCancellationRequested)
        {
            var trace = Environment.GetEnvironmentVariable(TraceVariable) is "1" or "true";
            await error.WriteLineAsync(
                $"guard: internal error, nothing was judged: {e.GetType().Name}: {e.Message.ReplaceLineEndings(" ")}" +
                (trace ? Environment.NewLine + e : $" (run again with {TraceVariable}=1 for the stack trace, and please report it)")).ConfigureAwait(false);
            return ExitCodes.UsageOrUnavailable;
        }
    }

    /// <summary>
    /// Words that look like options but that no option matched. System.CommandLine hands them to a command's
    /// arguments (PACKAGE, FUNCTION) or to an option that takes several words (--parameter-overrides), so
    /// <c>--verbose</c> became a file name and the real package was checked anyway. A file whose name starts with
    /// '-' is still reachable as <c>./-name</c> or after <c>--</c>; a negative number is left to its option's check.
    /// </summary>
    internal static IEnumerable<string> UnknownOptions(ParseResult parsed)
    {
        var afterDoubleDash = parsed.Tokens
            .SkipWhile(t => t.Type != TokenType.DoubleDash)
            .ToHashSet(ReferenceEqualityComparer.Instance);
        return Walk(parsed.CommandResult)
            .SelectMany(result => result switch
            {
                ArgumentResult argument when argument.Parent is CommandResult => argument.Tokens,
                OptionResult option when option.Option.AllowMultipleArgumentsPerToken => option.Tokens,
                _ => [],
            })
            .Where(token => token.Type == TokenType.Argument && !afterDoubleDash.Contains(token) && LooksLikeOption(token.Value))
            .Select(token => token.Value);
    }

    private static bool LooksLikeOption(string word) =>
        word.Length > 1 && word[0] == '-' && !double.TryParse(word, System.Globalization.CultureInfo.InvariantCulture, out _);

    private static IEnumerable<SymbolResult> Walk(SymbolResult result) =>
        result is CommandResult command ? command.Children.SelectMany(Walk).Prepend(result) : [result];
}
