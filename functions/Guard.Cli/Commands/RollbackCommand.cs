using System.CommandLine;
using System.Globalization;
using System.Text.Json;
using Guard.Aws;
using Guard.Aws.Functions;
using Guard.Aws.Http;
using Guard.Aws.Lambda;
using Guard.Aws.Rollback;
using Guard.Aws.S3;
using Guard.Aws.Store;
using Guard.Cli.Scanning;
using Guard.Inspection;
using Guard.Inspection.Reading;
using Guard.Inspection.Reporting;
using Guard.Inspection.Rules;

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
            Description = "The CodeSha256 to go back to (base64 as Lambda shows it, or hex); it must be in the store. Default: the last code Guard judged good.",
        };
        var bucket = new Option<string?>("--store-bucket")
        {
            Description = "Guard's store bucket (the Lambda's GUARD_STORE_BUCKET). Default: the GUARD_STORE_BUCKET environment variable.",
        };
        var region = new Option<string?>("--region") { Description = "The function's region when FUNCTION is a name. Default: AWS_REGION / AWS_DEFAULT_REGION, else us-east-1." };
        var command = new Command(
            "rollback",
            "Put a function's last good code (and the runtime, handler, layers and architecture it was judged good with) back from Guard's store. " +
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

    internal sealed record RollbackRequest(string Function, string? To, string StoreBucket, string? Region, TimeSpan Wait);

    internal static async Task<int> RunAsync(RollbackRequest request, AwsConnection connection, TextWriter output, TextWriter error, TimeProvider time, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(request);
        ArgumentNullException.ThrowIfNull(connection);
        var region = request.Function.StartsWith("arn:", StringComparison.Ordinal) && request.Function.Split(':') is { Length: > 3 } parts && parts[3].Length > 0
            ? parts[3]
            : request.Region ?? connection.DefaultRegion;
        try
        {
            var lambda = connection.Lambda(region);
            var s3 = connection.S3(region);
            var functions = connection.Functions(region);
            var store = new S3GuardStore(s3, request.StoreBucket);
            var function = await lambda.GetFunctionAsync(request.Function, cancellationToken).ConfigureAwait(false);
            var current = function.Configuration;
            var key = FunctionKey.FromArn(current.FunctionArn, current.FunctionName, fallbackAccount: null, fallbackRegion: region);
            var record = await store.GetGoodAsync(key, cancellationToken).ConfigureAwait(false);

            string sha;
            if (request.To is { } wanted)
            {
                if (!TryNormalise(wanted, out sha))
                {
                    await error.WriteLineAsync($"guard: --to '{wanted}' is not a SHA-256 (base64 as Lambda shows CodeSha256, or 64 hex digits)").ConfigureAwait(false);
                    return ExitCodes.UsageOrUnavailable;
                }

                // The record's configuration belongs to its own code only; other code is put back under the function's settings.
                if (record is null || !string.Equals(record.CodeSha256, sha, StringComparison.Ordinal))
                {
                    record = Unrecorded(current, sha);
                }
            }
            else if (record?.CodeKey is not null)
            {
                sha = record.CodeSha256;
            }
            else
            {
                await output.WriteLineAsync($"{current.FunctionName}: Guard has no good code stored for it in s3://{request.StoreBucket}/{key.GoodKey}; nothing to roll back to.").ConfigureAwait(false);
                return ExitCodes.Broken;
            }

            record = record with { CodeBucket = request.StoreBucket, CodeKey = record.CodeKey ?? CodeKeys.For(key.Account, sha) };
            if (!await s3.ExistsAsync(request.StoreBucket, record.CodeKey, cancellationToken).ConfigureAwait(false))
            {
                await output.WriteLineAsync($"{current.FunctionName}: s3://{request.StoreBucket}/{record.CodeKey} is not in the store; nothing to roll back to.").ConfigureAwait(false);
                return ExitCodes.Broken;
            }

            if (RollbackRules.Plan(current, record, out var whyNot) is not { } plan)
            {
                // Nothing differs: say so, and judge what is live.
                var live = await functions.InspectAsync(function, target: null, cancellationToken).ConfigureAwait(false);
                await output.WriteLineAsync($"{current.FunctionName}: {whyNot}; re-checked: {Verdict(live)}.").ConfigureAwait(false);
                return live.Report is { Verdict: Inspection.Reporting.Verdict.Ok } ? ExitCodes.Ok : ExitCodes.Broken;
            }

            var restore = new FunctionRestore(lambda, functions, stored => new S3RangeSource(s3, stored.Bucket, stored.Key), time);
            var result = await restore.RunAsync(function, plan, plan.StoredIn(request.StoreBucket, key.Account), request.Wait, new ConsoleReporter(output), cancellationToken).ConfigureAwait(false);
            switch (result.End)
            {
                case RestoreEnd.Refused:
                    await output.WriteLineAsync(
                        $"{current.FunctionName}: the stored code {sha} does not pass on {plan.Target.Runtime} {string.Join(',', plan.Target.Architectures)} " +
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
                $"{current.FunctionName}: now CodeSha256 {now.CodeSha256}, revision {now.RevisionId ?? "(none)"}; re-checked: {Verdict(result.Recheck)}. " +
                "Published versions and aliases were left as they are.").ConfigureAwait(false);
            return result.Recheck?.Report is { Verdict: Inspection.Reporting.Verdict.Ok } ? ExitCodes.Ok : ExitCodes.Broken;
        }
        catch (FunctionNotFoundException)
        {
            await error.WriteLineAsync($"guard: no function {request.Function} in {region}").ConfigureAwait(false);
            return ExitCodes.UsageOrUnavailable;
        }
        catch (Exception e) when (e is AwsServiceException or CredentialsUnavailableException or PackageUnavailableException)
        {
            await error.WriteLineAsync($"guard: {e.Message}").ConfigureAwait(false);
            return ExitCodes.UsageOrUnavailable;
        }
    }

    /// <summary>Code the store holds without a record of its own (<c>--to</c>): put back under the function's current settings.</summary>
    private static DeployRecord Unrecorded(FunctionConfiguration current, string codeSha256) => new(
        current.FunctionArn,
        codeSha256,
        0,
        "ok",
        "",
        null,
        null,
        null,
        null,
        null,
        current.FunctionName,
        current.Runtime ?? "provided.al2023",
        current.Handler,
        current.Architectures,
        [.. current.Layers.Select(l => l.Arn)]);

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

    /// <summary>Base64 (Lambda's form) or 64 hex digits → the base64 form.</summary>
    internal static bool TryNormalise(string value, out string codeSha256)
    {
        value = value.Trim();
        Span<byte> digest = stackalloc byte[48];
        if (value.Length == 64 && value.All(char.IsAsciiHexDigit))
        {
            codeSha256 = Convert.ToBase64String(Convert.FromHexString(value));
            return true;
        }

        if (Convert.TryFromBase64String(value, digest, out var written) && written == 32)
        {
            codeSha256 = Convert.ToBase64String(digest[..32]);
            return true;
        }

        codeSha256 = "";
        return false;
    }
}
