using System.Text;
using Guard.Cli.Migration.Source;

namespace Guard.Cli.Commands;

/// <summary>
/// <c>guard migrate PATH</c>: the same move as for deployed functions, made in the source that deploys them. The
/// unified diff goes to standard output (so it can be saved and applied); what changed, what is left to do by hand
/// and what the built packages would do on the target runtime go to standard error.
/// </summary>
internal static class MigrateSourceCommand
{
    public static async Task<int> RunAsync(SourceMigrateSettings settings, TextWriter output, TextWriter error, CancellationToken cancellationToken)
    {
        SourceMigrationResult result;
        try
        {
            result = await SourceMigrationService.RunAsync(settings, cancellationToken).ConfigureAwait(false);
        }
        catch (Exception e) when (e is IOException or FormatException or UnauthorizedAccessException or DecoderFallbackException)
        {
            await error.WriteLineAsync($"guard: {e.Message.ReplaceLineEndings(" ")}; nothing was changed").ConfigureAwait(false);
            return ExitCodes.UsageOrUnavailable;
        }

        await output.WriteAsync(SourceMigrationText.Diff(result)).ConfigureAwait(false);
        await error.WriteAsync(SourceMigrationText.Report(result, settings)).ConfigureAwait(false);
        return result.ExitCode;
    }
}
