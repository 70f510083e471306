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

namespace Guard.Cli.Rollback;

/// <summary>What <c>guard rollback</c> was asked, parsed.</summary>
/// <param name="To">The CodeSha256 to go back to as given, or null for the last good code.</param>
internal sealed record RollbackRequest(string Function, string? To, string StoreBucket, string? Region, TimeSpan Wait);

/// <summary>How a rollback ended, before any check of what is live (the refusals) or after it.</summary>
internal enum RollbackEnd
{
    /// <summary><c>--to</c> is not a SHA-256.</summary>
    NotASha,

    /// <summary>The store holds no good code for the function.</summary>
    NothingStored,

    /// <summary>The code to go back to is not in the store.</summary>
    NotInStore,

    /// <summary>The function already runs what would be put back; <see cref="RollbackOutcome.Live"/> judges it.</summary>
    NothingDiffers,

    /// <summary><see cref="FunctionRestore"/> ran; <see cref="RollbackOutcome.Restore"/> says how it ended.</summary>
    Restored,

    NoSuchFunction,

    /// <summary>AWS, credentials or the stored package failed: <see cref="RollbackOutcome.Detail"/> says which.</summary>
    Unavailable,
}

/// <param name="FunctionName">The function's name once read; the argument as given before that.</param>
/// <param name="Sha">The CodeSha256 put back (or meant to be).</param>
/// <param name="Detail">The one-line reason of a refusal or failure.</param>
internal sealed record RollbackOutcome(
    RollbackEnd End,
    string FunctionName,
    string Region,
    string? Sha = null,
    string? Detail = null,
    RestorePlan? Plan = null,
    RestoreResult? Restore = null,
    FunctionInspection? Live = null);

/// <summary>
/// <c>guard rollback</c>'s work: reads the store the Guard Lambda writes (the record
/// <c>good/{account}/{region}/{name}.json</c> and the code copies <c>code/{hex sha256}.zip</c>), plans what to put
/// back, and runs the one <see cref="FunctionRestore"/> the Lambda's rollback mode runs too.
/// </summary>
internal sealed class RollbackService(AwsConnection connection, TimeProvider time)
{
    public async Task<RollbackOutcome> RunAsync(RollbackRequest request, IRestoreReporter reporter, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(request);
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

            if (string.Equals(current.PackageType, RollbackRules.ImagePackageType, StringComparison.OrdinalIgnoreCase))
            {
                return await RunImageAsync(request, function, record, region, lambda, functions, reporter, cancellationToken).ConfigureAwait(false);
            }

            string sha;
            if (request.To is { } wanted)
            {
                if (!TryNormalise(wanted, out sha))
                {
                    return new RollbackOutcome(RollbackEnd.NotASha, current.FunctionName, region, Detail: wanted);
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
                return new RollbackOutcome(RollbackEnd.NothingStored, current.FunctionName, region, Detail: $"s3://{request.StoreBucket}/{key.GoodKey}");
            }

            record = record with { CodeBucket = request.StoreBucket, CodeKey = record.CodeKey ?? CodeKeys.For(key.Account, sha) };
            if (!await s3.ExistsAsync(request.StoreBucket, record.CodeKey, cancellationToken).ConfigureAwait(false))
            {
                return new RollbackOutcome(RollbackEnd.NotInStore, current.FunctionName, region, sha, $"s3://{request.StoreBucket}/{record.CodeKey}");
            }

            if (RollbackRules.Plan(current, record, out var whyNot) is not { } plan)
            {
                // Nothing differs: judge what is live.
                var live = await functions.InspectAsync(function, target: null, cancellationToken).ConfigureAwait(false);
                return new RollbackOutcome(RollbackEnd.NothingDiffers, current.FunctionName, region, sha, whyNot, Live: live);
            }

            var restore = new FunctionRestore(lambda, functions, stored => new S3RangeSource(s3, stored.Bucket, stored.Key), time);
            var result = await restore.RunAsync(function, plan, plan.StoredIn(request.StoreBucket, key.Account), request.Wait, reporter, cancellationToken).ConfigureAwait(false);
            return new RollbackOutcome(RollbackEnd.Restored, current.FunctionName, region, sha, Plan: plan, Restore: result);
        }
        catch (FunctionNotFoundException)
        {
            return new RollbackOutcome(RollbackEnd.NoSuchFunction, request.Function, region);
        }
        catch (Exception e) when (e is AwsServiceException or CredentialsUnavailableException or PackageUnavailableException)
        {
            return new RollbackOutcome(RollbackEnd.Unavailable, request.Function, region, Detail: e.Message);
        }
    }

    /// <summary>
    /// An image function: the store holds the good image's digest, ECR the image. <c>--to</c> names another digest of
    /// the function's repository; <see cref="FunctionRestore"/> reads the image by that digest before it is put back, so
    /// one deleted from ECR since is refused, never deployed.
    /// </summary>
    private async Task<RollbackOutcome> RunImageAsync(
        RollbackRequest request, FunctionDetails function, DeployRecord? record, string region, ILambdaApi lambda, DeployedFunctionInspector functions,
        IRestoreReporter reporter, CancellationToken cancellationToken)
    {
        var current = function.Configuration;
        if (request.To is { } wanted)
        {
            if (!TryNormaliseDigest(wanted, out var hex) || RepositoryOf(function) is not { } repository)
            {
                return new RollbackOutcome(RollbackEnd.NotASha, current.FunctionName, region, Detail: wanted);
            }

            // The record's architecture belongs to its own image only; another image is put back on the function's.
            if (record is null || !string.Equals(record.CodeSha256, hex, StringComparison.Ordinal))
            {
                record = Unrecorded(current, hex) with { Runtime = null, Handler = null, Layers = [], ImageUri = $"{repository}@sha256:{hex}" };
            }
        }
        else if (record?.ImageUri is null)
        {
            var key = FunctionKey.FromArn(current.FunctionArn, current.FunctionName, fallbackAccount: null, fallbackRegion: region);
            return new RollbackOutcome(RollbackEnd.NothingStored, current.FunctionName, region, Detail: $"s3://{request.StoreBucket}/{key.GoodKey}");
        }

        if (RollbackRules.Plan(current, record, out var whyNot) is not { } plan)
        {
            var live = await functions.InspectAsync(function, target: null, cancellationToken).ConfigureAwait(false);
            return new RollbackOutcome(RollbackEnd.NothingDiffers, current.FunctionName, region, record.ImageUri, whyNot, Live: live);
        }

        var restore = new FunctionRestore(lambda, functions, _ => throw new InvalidOperationException("an image is read from ECR, not from the store"), time);
        var result = await restore.RunAsync(function, plan, stored: null, request.Wait, reporter, cancellationToken).ConfigureAwait(false);
        return new RollbackOutcome(RollbackEnd.Restored, current.FunctionName, region, record.ImageUri, Plan: plan, Restore: result);
    }

    /// <summary>The repository part of the image the function runs (<c>host/name</c>, without tag or digest); null when Lambda named none.</summary>
    private static string? RepositoryOf(FunctionDetails function)
    {
        var uri = function.ResolvedImageUri ?? function.ImageUri;
        if (uri is null)
        {
            return null;
        }

        var at = uri.IndexOf('@', StringComparison.Ordinal);
        if (at > 0)
        {
            return uri[..at];
        }

        // A tag follows the last ':' after the last '/' (a registry's port comes before it).
        var colon = uri.LastIndexOf(':');
        return colon > uri.LastIndexOf('/') ? uri[..colon] : uri;
    }

    /// <summary><c>sha256:HEX</c> or 64 hex digits → the lower-case hex (Lambda's CodeSha256 of an image).</summary>
    internal static bool TryNormaliseDigest(string value, out string hex)
    {
        value = value.Trim();
        if (value.StartsWith("sha256:", StringComparison.OrdinalIgnoreCase))
        {
            value = value["sha256:".Length..];
        }

        hex = value.Length == 64 && value.All(char.IsAsciiHexDigit) ? value.ToLowerInvariant() : "";
        return hex.Length > 0;
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
