using System.CommandLine;
using Guard.Aws.Functions;
using Guard.Aws.Rollback;
using Guard.Cli.Rollback;
using Guard.Cli.Scanning;

namespace Guard.Cli.Commands;

/// <summary>
/// <c>guard rollback FUNCTION [--to SHA]</c>: what the Guard Lambda does in rollback mode, by hand. It reads the
/// store the Lambda writes (<c>GUARD_STORE_BUCKET</c>): the record <c>good/{account}/{region}/{name}.json</c> and the
/// code copies <c>code/{hex sha256}.zip</c>; checks the code it would put back; updates <c>$LATEST</c> conditional on
/// the RevisionId it read; waits for the update to settle; checks the function again. Published versions and
/// aliases are not touched; nothing is deleted.
/// </summary>
internal static class RollbackCommand
{
    public static readonly TimeSpan DefaultWait = TimeSpan.FromMinutes(2);

    public static Command Create(TextWriter output, TextWriter error)
    {
        var function = new Argument<string>("FUNCTION") { Description = "The function's name or ARN." };
        var to = new Option<string?>("--to")
        {
            Description = "The CodeSha256 to go back to (base64 as Lambda shows it, or hex); it must be in the store. For an image function, the image digest (sha256:HEX) in the function's repository. Default: the last code Guard judged good.",
        };
        var bucket = new Option<string?>("--store-bucket")
        {
            Description = "Guard's store bucket (the Lambda's GUARD_STORE_BUCKET). Default: the GUARD_STORE_BUCKET environment variable.",
        };
        var region = SharedOptions.Region("The function's region when FUNCTION is a name. Default: AWS_REGION / AWS_DEFAULT_REGION, else us-east-1.");
        var command = new Command(
            "rollback",
            "Put a function's last good code (and the runtime, handler, layers and architecture it was judged good with) back from Guard's store; for an image function, its last good image digest and architecture. " +
            "Exit 0 when the function is back and passes, 1 when Guard refused (nothing good stored, or the stored code does not pass), 2 on a usage, AWS or concurrency error.")
        {
            function, to, bucket, region,
        };
        command.SetAction(async (parse, cancellationToken) =>
        {
            var storeBucket = parse.GetValue(bucket) ?? Environment.GetEnvironmentVariable("GUARD_STORE_BUCKET");
            if (string.IsNullOrWhiteSpace(storeBucket))
            {
                await error.WriteLineAsync("guard: rollback needs the store bucket: --store-bucket or GUARD_STORE_BUCKET").ConfigureAwait(false);
                return ExitCodes.UsageOrUnavailable;
            }

            using var connection = AwsConnection.FromProcess();
            var request = new RollbackRequest(parse.GetValue(function)!, parse.GetValue(to), storeBucket.Trim(), parse.GetValue(region), DefaultWait);
            return await RunAsync(request, connection, output, error, TimeProvider.System, cancellationToken).ConfigureAwait(false);
        });
        return command;
    }

    /// <summary>Runs the rollback and tells how it ended.</summary>
    internal static async Task<int> RunAsync(RollbackRequest request, AwsConnection connection, TextWriter output, TextWriter error, TimeProvider time, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(connection);
        var outcome = await new RollbackService(connection, time).RunAsync(request, new ConsoleReporter(output), cancellationToken).ConfigureAwait(false);
        var name = outcome.FunctionName;
        switch (outcome.End)
        {
            case RollbackEnd.NotASha:
                await error.WriteLineAsync($"guard: --to '{outcome.Detail}' is not a SHA-256 (base64 as Lambda shows CodeSha256, or 64 hex digits; sha256:HEX for an image)").ConfigureAwait(false);
                return ExitCodes.UsageOrUnavailable;
            case RollbackEnd.NothingStored:
                await output.WriteLineAsync($"{name}: Guard has no good code stored for it in {outcome.Detail}; nothing to roll back to.").ConfigureAwait(false);
                return ExitCodes.Broken;
            case RollbackEnd.NotInStore:
                await output.WriteLineAsync($"{name}: {outcome.Detail} is not in the store; nothing to roll back to.").ConfigureAwait(false);
                return ExitCodes.Broken;
            case RollbackEnd.NothingDiffers:
                await output.WriteLineAsync($"{name}: {outcome.Detail}; re-checked: {Verdict(outcome.Live)}.").ConfigureAwait(false);
                return outcome.Live?.Report is { Verdict: Inspection.Reporting.Verdict.Ok } ? ExitCodes.Ok : ExitCodes.Broken;
            case RollbackEnd.NoSuchFunction:
                await error.WriteLineAsync($"guard: no function {request.Function} in {outcome.Region}").ConfigureAwait(false);
                return ExitCodes.UsageOrUnavailable;
            case RollbackEnd.Unavailable:
                await error.WriteLineAsync($"guard: {outcome.Detail}").ConfigureAwait(false);
                return ExitCodes.UsageOrUnavailable;
        }

        var plan = outcome.Plan!;
        var result = outcome.Restore!;
        switch (result.End)
        {
            case RestoreEnd.Refused:
                await output.WriteLineAsync(plan.LastGood.IsImage
                    ? $"{name}: the image {outcome.Sha} does not pass on {string.Join(',', plan.Target.Architectures)}" +
                      $"{(plan.LastGood.ImageConfig is null ? "" : " with the ImageConfig it passed with")} ({Verdict(result.Recheck)}); not rolled back."
                    : $"{name}: the stored code {outcome.Sha} does not pass on {plan.Target.Runtime} {string.Join(',', plan.Target.Architectures)} " +
                      $"({Verdict(result.Recheck)}); not rolled back.").ConfigureAwait(false);
                return ExitCodes.Broken;
            case RestoreEnd.ChangedMeanwhile:
                await error.WriteLineAsync(
                    $"guard: {request.Function} changed after Guard read it ({result.Detail}); nothing was overwritten" +
                    (result.Function is null ? " (it has since been deleted)." : $" (now revision {result.Function.Configuration.RevisionId}, re-checked: {Verdict(result.Recheck)}).") +
                    " Look at it, then run rollback again.").ConfigureAwait(false);
                return ExitCodes.UsageOrUnavailable;
            case RestoreEnd.Incomplete:
                await error.WriteLineAsync($"guard: {result.Detail}; check it.").ConfigureAwait(false);
                return ExitCodes.UsageOrUnavailable;
        }

        var now = result.Function!.Configuration;
        await output.WriteLineAsync(
            $"{name}: now CodeSha256 {now.CodeSha256}, revision {now.RevisionId ?? "(none)"}; re-checked: {Verdict(result.Recheck)}. " +
            "Published versions and aliases were left as they are.").ConfigureAwait(false);
        return result.Recheck?.Report is { Verdict: Inspection.Reporting.Verdict.Ok } ? ExitCodes.Ok : ExitCodes.Broken;
    }

    /// <summary>A finding code for a failed check, the verdict otherwise.</summary>
    private static string Verdict(FunctionInspection? inspection) => inspection?.Report switch
    {
        null => inspection?.NotCheckedBecause ?? "not re-checked",
        { Verdict: Inspection.Reporting.Verdict.Ok } => "ok",
        var report => $"{report.LeadingFinding?.Code}: {report.LeadingFinding?.Message}",
    };

    private sealed class ConsoleReporter(TextWriter output) : IRestoreReporter
    {
        public void Changed(string functionName, string change) => output.WriteLine($"{functionName}: put back {change}");
    }
}
