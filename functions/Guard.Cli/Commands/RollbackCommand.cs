using System.CommandLine;
using System.Globalization;
using System.Text.Json;
using Guard.Aws;
using Guard.Aws.Http;
using Guard.Aws.Lambda;
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
            var function = await lambda.GetFunctionAsync(request.Function, cancellationToken).ConfigureAwait(false);
            var current = function.Configuration;
            var recordKey = FunctionKey.FromArn(current.FunctionArn, current.FunctionName, fallbackAccount: null, fallbackRegion: region).GoodKey;
            var record = await ReadRecordAsync(s3, request.StoreBucket, recordKey, cancellationToken).ConfigureAwait(false);

            string sha;
            string codeKey;
            if (request.To is { } wanted)
            {
                if (!TryNormalise(wanted, out sha))
                {
                    await error.WriteLineAsync($"guard: --to '{wanted}' is not a SHA-256 (base64 as Lambda shows CodeSha256, or 64 hex digits)").ConfigureAwait(false);
                    return ExitCodes.UsageOrUnavailable;
                }

                codeKey = CodeKeys.For(sha);
                // The record's configuration belongs to its own code only.
                if (record is not null && !string.Equals(record.CodeSha256, sha, StringComparison.Ordinal))
                {
                    record = null;
                }
            }
            else if (record?.CodeKey is { } recordedKey)
            {
                sha = record.CodeSha256;
                codeKey = recordedKey;
            }
            else
            {
                await output.WriteLineAsync($"{current.FunctionName}: Guard has no good code stored for it in s3://{request.StoreBucket}/{recordKey}; nothing to roll back to.").ConfigureAwait(false);
                return ExitCodes.Broken;
            }

            if (!await s3.ExistsAsync(request.StoreBucket, codeKey, cancellationToken).ConfigureAwait(false))
            {
                await output.WriteLineAsync($"{current.FunctionName}: s3://{request.StoreBucket}/{codeKey} is not in the store; nothing to roll back to.").ConfigureAwait(false);
                return ExitCodes.Broken;
            }

            var runtime = record?.Runtime ?? current.Runtime ?? "provided.al2023";
            var architectures = record?.Architectures is { Count: > 0 } recorded ? recorded : current.Architectures;
            var layers = record?.Layers ?? [.. current.Layers.Select(l => l.Arn)];
            var handler = record?.Handler ?? current.Handler;

            // Never put back code that does not itself pass, under the settings it will run with.
            var target = await InspectAsync(
                lambda, connection, new S3RangeSource(s3, request.StoreBucket, codeKey), runtime, architectures, layers, handler, sha, cancellationToken).ConfigureAwait(false);
            if (target.Verdict != Verdict.Ok)
            {
                await output.WriteLineAsync(
                    $"{current.FunctionName}: the stored code {sha} does not pass on {runtime} {string.Join(',', architectures)} " +
                    $"({target.LeadingFinding?.Code}: {target.LeadingFinding?.Message}); not rolled back.").ConfigureAwait(false);
                return ExitCodes.Broken;
            }

            var revisionId = current.RevisionId;
            var architectureDiffers = !architectures.SequenceEqual(current.Architectures, StringComparer.Ordinal);
            if (!string.Equals(current.CodeSha256, sha, StringComparison.Ordinal) || architectureDiffers)
            {
                await lambda.UpdateFunctionCodeAsync(
                    current.FunctionName, new FunctionCodeUpdate(request.StoreBucket, codeKey, null, revisionId, architectureDiffers ? architectures : null), cancellationToken).ConfigureAwait(false);
                var settled = await SettleAsync(lambda, current.FunctionName, "UpdateFunctionCode", request.Wait, time, error, cancellationToken).ConfigureAwait(false);
                if (settled is null)
                {
                    return ExitCodes.UsageOrUnavailable;
                }

                revisionId = settled.Configuration.RevisionId;
                await output.WriteLineAsync($"{current.FunctionName}: code {current.CodeSha256} → {sha}" + (architectureDiffers ? $" on {string.Join(',', architectures)}" : "")).ConfigureAwait(false);
            }

            var runtimeChange = string.Equals(runtime, current.Runtime, StringComparison.Ordinal) ? null : runtime;
            var handlerChange = handler is null || string.Equals(handler, current.Handler, StringComparison.Ordinal) ? null : handler;
            var layerChange = layers.SequenceEqual(current.Layers.Select(l => l.Arn), StringComparer.Ordinal) ? null : layers;
            if (runtimeChange is not null || handlerChange is not null || layerChange is not null)
            {
                await lambda.UpdateFunctionConfigurationAsync(current.FunctionName, runtimeChange, handlerChange, layerChange, revisionId, cancellationToken).ConfigureAwait(false);
                if (await SettleAsync(lambda, current.FunctionName, "UpdateFunctionConfiguration", request.Wait, time, error, cancellationToken).ConfigureAwait(false) is null)
                {
                    return ExitCodes.UsageOrUnavailable;
                }

                await output.WriteLineAsync(
                    $"{current.FunctionName}: configuration restored" +
                    (runtimeChange is null ? "" : $", runtime {runtimeChange}") + (handlerChange is null ? "" : $", handler {handlerChange}") +
                    (layerChange is null ? "" : $", layers [{string.Join(", ", layerChange)}]")).ConfigureAwait(false);
            }

            var now = await lambda.GetFunctionAsync(current.FunctionName, cancellationToken).ConfigureAwait(false);
            var recheck = now.CodeLocation is { } location && Uri.TryCreate(location, UriKind.Absolute, out var uri)
                ? await InspectAsync(
                    lambda, connection, connection.OpenPackage(uri), now.Configuration.Runtime ?? runtime, now.Configuration.Architectures,
                    [.. now.Configuration.Layers.Select(l => l.Arn)], now.Configuration.Handler, now.Configuration.CodeSha256, cancellationToken).ConfigureAwait(false)
                : null;
            var verdict = recheck is null ? "not re-checked (no Code.Location)" : recheck.Verdict == Verdict.Ok ? "ok" : $"{recheck.LeadingFinding?.Code}";
            await output.WriteLineAsync(
                $"{current.FunctionName}: now CodeSha256 {now.Configuration.CodeSha256}, revision {now.Configuration.RevisionId ?? "(none)"}; re-checked: {verdict}. " +
                "Published versions and aliases were left as they are.").ConfigureAwait(false);
            return recheck is { Verdict: Verdict.Ok } ? ExitCodes.Ok : ExitCodes.Broken;
        }
        catch (AwsServiceException e) when (e.ErrorCode is "PreconditionFailedException" or "ResourceConflictException")
        {
            await error.WriteLineAsync($"guard: {request.Function} changed after Guard read it ({e.ErrorCode}); nothing was overwritten. Look at it, then run rollback again.").ConfigureAwait(false);
            return ExitCodes.UsageOrUnavailable;
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

    private static async Task<FunctionDetails?> SettleAsync(
        ILambdaApi lambda, string name, string call, TimeSpan wait, TimeProvider time, TextWriter error, CancellationToken cancellationToken)
    {
        var settlement = await LambdaUpdateWaiter.WaitAsync(lambda, name, wait, time, cancellationToken).ConfigureAwait(false);
        if (settlement.Succeeded)
        {
            return settlement.Function;
        }

        await error.WriteLineAsync(settlement.Settled
            ? $"guard: Lambda reports the {call} as Failed; {name} still runs what it ran before."
            : $"guard: the {call} of {name} was still {settlement.Function.Configuration.LastUpdateStatus} after {wait.TotalSeconds.ToString(CultureInfo.InvariantCulture)} s; check it.").ConfigureAwait(false);
        return null;
    }

    private static async Task<Report> InspectAsync(
        ILambdaApi lambda, AwsConnection connection, IRangeSource package, string runtime, IReadOnlyList<string> architectures,
        IReadOnlyList<string> layerArns, string? handler, string sha, CancellationToken cancellationToken)
    {
        var sources = new List<IRangeSource> { package };
        try
        {
            var layers = new List<IRangeSource>();
            foreach (var layerArn in layerArns)
            {
                var content = await lambda.GetLayerVersionByArnAsync(layerArn, cancellationToken).ConfigureAwait(false);
                if (content.Location is not { } location || !Uri.TryCreate(location, UriKind.Absolute, out var uri))
                {
                    throw new PackageUnavailableException($"GetLayerVersionByArn gave no usable Content.Location for {layerArn}");
                }

                var source = connection.OpenPackage(uri);
                sources.Add(source);
                layers.Add(source);
            }

            var architecture = ArchitectureNames.TryParse(architectures.Count > 0 ? architectures[0] : null, out var parsed) ? parsed : Architecture.X8664;
            return await new PackageInspector().InspectAsync(new InspectionRequest(package, runtime, architecture, layers, handler, sha), cancellationToken).ConfigureAwait(false);
        }
        finally
        {
            foreach (var source in sources)
            {
                await source.DisposeAsync().ConfigureAwait(false);
            }
        }
    }

    /// <summary>The good record as the Lambda wrote it; one that is not JSON, or lacks its CodeSha256, is as good as none.</summary>
    private static async Task<DeployRecord?> ReadRecordAsync(S3Client s3, string bucket, string key, CancellationToken cancellationToken)
    {
        if (await s3.TryGetObjectAsync(bucket, key, cancellationToken).ConfigureAwait(false) is not { } body)
        {
            return null;
        }

        try
        {
            // Without RespectRequiredConstructorParameters (the Lambda's options) a missing codeSha256 reads as null, not an error.
            return JsonSerializer.Deserialize(body, StoreJsonContext.Default.DeployRecord) is { CodeSha256: not null } record ? record : null;
        }
        catch (JsonException)
        {
            return null;
        }
    }
}
