using System.Globalization;
using Guard.Aws.Http;
using Guard.Aws.Lambda;
using Guard.Aws.S3;
using Guard.Aws.Functions;
using Guard.Inspection;
using Guard.Inspection.Reading;
using Guard.Inspection.Reporting;
using Guard.Inspection.Rules;

namespace Guard.Cli.Migration;

/// <summary>How long to wait for Lambda to finish an update.</summary>
internal sealed record UpdateWait(TimeSpan Timeout)
{
    public static UpdateWait Default { get; } = new(TimeSpan.FromMinutes(5));
}

/// <summary>
/// Moves a go1.x (or provided / provided.al2) function to a custom runtime: plans (download, repackage, check with
/// the engine) and, when asked, applies (stage both packages in S3, update code and configuration, wait, verify),
/// putting the function back if a step fails after the first change.
/// </summary>
internal sealed class FunctionMigrator(
    ILambdaApi lambda,
    IFunctionCodeUpdater codeUpdater,
    Func<S3Client> s3,
    DeployedFunctionInspector functions,
    IPackageOpener packages,
    UpdateWait wait,
    TimeProvider time,
    Action<string> log)
{
    private const string Bootstrap = "bootstrap";
    private const int DownloadChunk = 4 << 20;

    private readonly RuntimeCatalog _runtimes = RuntimeCatalog.Default;

    /// <param name="force">Plan a function a stack owns too (the plan still names the stack).</param>
    /// <exception cref="MigrationRefusedException">Not a function this can move (image, managed runtime, no binary to rename), or
    /// one a CloudFormation stack owns, without <paramref name="force"/>.</exception>
    /// <exception cref="AwsServiceException">GetFunction, ListTags or a layer look-up failed.</exception>
    /// <exception cref="PackageUnavailableException">The package could not be downloaded.</exception>
    public async Task<MigrationPlan> PlanAsync(string functionName, string targetRuntime, Architecture? targetArchitecture, bool force, CancellationToken cancellationToken)
    {
        var details = await lambda.GetFunctionAsync(functionName, cancellationToken).ConfigureAwait(false);
        var original = details.Configuration;
        if (original.PackageType == "Image")
        {
            throw new MigrationRefusedException("a container image: its runtime is in the image, not in Lambda's configuration");
        }

        if (original.Runtime is not ("go1.x" or "provided" or "provided.al2" or "provided.al2023"))
        {
            throw new MigrationRefusedException($"runtime {original.Runtime ?? "(none)"} is not go1.x, provided or provided.al2");
        }

        var architecture = targetArchitecture ?? FunctionTarget.Of(original).Architecture;
        if (original.Runtime == targetRuntime && architecture == FunctionTarget.Of(original).Architecture && original.Handler == Bootstrap)
        {
            throw new MigrationRefusedException($"already on {targetRuntime} with Handler bootstrap");
        }

        // ListTags rather than GetFunction's Tags: without lambda:ListTags those are silently empty, and a stack's
        // function would look like one made by hand.
        var owner = FunctionOwner.FromTags(await lambda.ListTagsAsync(original.FunctionArn, cancellationToken).ConfigureAwait(false));
        if (owner is not null && !force)
        {
            throw new MigrationRefusedException(
                $"{owner} owns it: a change through the API drifts from the template, and the stack's next deploy puts {original.Runtime} back. " +
                $"Migrate the template instead (guard migrate template.yaml) and deploy the stack; --force changes the function anyway");
        }

        var location = details.CodeLocation is { } text && Uri.TryCreate(text, UriKind.Absolute, out var uri)
            ? uri
            : throw new PackageUnavailableException($"{functionName}: GetFunction returned no Code.Location");
        var originalZip = Path.Combine(Path.GetTempPath(), $"guard-migrate-{Guid.NewGuid():N}-original.zip");
        var newZip = Path.Combine(Path.GetTempPath(), $"guard-migrate-{Guid.NewGuid():N}-bootstrap.zip");
        try
        {
            await DownloadAsync(location, originalZip, cancellationToken).ConfigureAwait(false);
            var downloaded = BootstrapRepackager.Sha256Of(originalZip);
            if (!string.IsNullOrEmpty(original.CodeSha256) && downloaded != original.CodeSha256)
            {
                throw new PackageUnavailableException($"{functionName}: the downloaded package's SHA-256 {downloaded} is not the function's CodeSha256 {original.CodeSha256}");
            }

            var package = BootstrapRepackager.Repackage(originalZip, newZip, original.Handler);
            var check = await CheckAsync(LocalFileRangeSource.Open(newZip), original, targetRuntime, architecture, cancellationToken).ConfigureAwait(false);
            var blocked = _runtimes.TryFind(original.Runtime, out var facts) ? facts.BlockUpdate : null;
            var today = DateOnly.FromDateTime(time.GetUtcNow().UtcDateTime);
            return new MigrationPlan(original, targetRuntime, architecture, originalZip, newZip, package, check, blocked <= today, blocked) { Owner = owner };
        }
        catch
        {
            File.Delete(originalZip);
            File.Delete(newZip);
            throw;
        }
    }

    /// <summary>Applies a plan that <see cref="MigrationPlan.CanMigrate"/>. Never throws for AWS failures: the result says how it ended.</summary>
    public async Task<MigrationResult> ApplyAsync(MigrationPlan plan, string stageBucket, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(plan);
        var name = plan.FunctionName;
        var prefix = $"guard-migrate/{name}/";
        var originalKey = prefix + $"original-{KeyPart(plan.Original.CodeSha256)}.zip";
        var newKey = prefix + $"bootstrap-{KeyPart(plan.Package.Sha256)}.zip";
        var codeChanged = false;
        var configurationChanged = false;
        try
        {
            // The original goes first: if anything later fails, the way back is already in place.
            await UploadAsync(stageBucket, originalKey, plan.OriginalZip, cancellationToken).ConfigureAwait(false);
            log($"staged the original package at s3://{stageBucket}/{originalKey}");
            if (plan.ChangesCode)
            {
                await UploadAsync(stageBucket, newKey, plan.NewZip, cancellationToken).ConfigureAwait(false);
                log($"staged the new package at s3://{stageBucket}/{newKey}");
            }

            var revision = (await lambda.GetFunctionAsync(name, cancellationToken).ConfigureAwait(false)).Configuration.RevisionId;
            if (plan.ConfigurationFirst)
            {
                configurationChanged = true;
                revision = await UpdateConfigurationAsync(name, plan.TargetRuntime, Bootstrap, revision, cancellationToken).ConfigureAwait(false);
                if (plan.ChangesCode)
                {
                    codeChanged = true;
                    await UpdateCodeAsync(plan, stageBucket, newKey, revision, cancellationToken).ConfigureAwait(false);
                }
            }
            else
            {
                if (plan.ChangesCode)
                {
                    codeChanged = true;
                    revision = await UpdateCodeAsync(plan, stageBucket, newKey, revision, cancellationToken).ConfigureAwait(false);
                }

                configurationChanged = true;
                await UpdateConfigurationAsync(name, plan.TargetRuntime, Bootstrap, revision, cancellationToken).ConfigureAwait(false);
            }

            await VerifyAsync(plan, cancellationToken).ConfigureAwait(false);
            log($"verified: {name} runs {plan.TargetRuntime} ({plan.TargetArchitecture.ToApiName()}) with Handler bootstrap, and its new code passes the check");
            return MigrationResult.Migrated;
        }
        catch (Exception e) when (e is AwsServiceException or PackageUnavailableException or MigrationStepException or TimeoutException)
        {
            log($"failed: {OneLine(e)}");
            if (!codeChanged && !configurationChanged)
            {
                log($"nothing was changed on {name}");
                return MigrationResult.FailedUnchanged;
            }

            return await RollBackAsync(plan, stageBucket, originalKey, codeChanged, configurationChanged, cancellationToken).ConfigureAwait(false);
        }
    }

    private async Task<MigrationResult> RollBackAsync(
        MigrationPlan plan, string stageBucket, string originalKey, bool codeChanged, bool configurationChanged, CancellationToken cancellationToken)
    {
        var name = plan.FunctionName;
        var ok = true;
        // A rollback must not be cut short by the user's Ctrl-C that may have caused it.
        var token = CancellationToken.None;
        if (codeChanged)
        {
            try
            {
                // A failed UpdateFunctionCode may or may not have taken effect (a timeout after Lambda accepted it):
                // the code is put back only when it is no longer the original.
                await WaitForUpdateAsync(name, token, throwOnFailed: false).ConfigureAwait(false);
                var current = (await lambda.GetFunctionAsync(name, token).ConfigureAwait(false)).Configuration;
                if (current.CodeSha256 == plan.Original.CodeSha256 && !plan.ChangesArchitecture)
                {
                    log("the code was not changed");
                    codeChanged = false;
                }
            }
            catch (AwsServiceException)
            {
                // Unknown: restore it to be sure.
            }
        }

        if (codeChanged)
        {
            try
            {
                var revision = await WaitForUpdateAsync(name, token, throwOnFailed: false).ConfigureAwait(false);
                await codeUpdater.UpdateAsync(
                    name, stageBucket, originalKey, revision, plan.ChangesArchitecture ? plan.OriginalArchitecture.ToApiName() : null, token).ConfigureAwait(false);
                await WaitForUpdateAsync(name, token).ConfigureAwait(false);
                log($"rolled back: original code restored from s3://{stageBucket}/{originalKey}");
            }
            catch (Exception e) when (e is AwsServiceException or MigrationStepException or TimeoutException)
            {
                ok = false;
                log($"ROLLBACK FAILED: could not restore the original code ({OneLine(e)}); it is at s3://{stageBucket}/{originalKey}");
            }
        }

        if (configurationChanged)
        {
            try
            {
                var revision = await WaitForUpdateAsync(name, token, throwOnFailed: false).ConfigureAwait(false);
                await lambda.UpdateFunctionConfigurationAsync(name, new FunctionConfigurationUpdate(plan.Original.Runtime, plan.Original.Handler, null, revision), token).ConfigureAwait(false);
                await WaitForUpdateAsync(name, token).ConfigureAwait(false);
                log($"rolled back: Runtime {plan.Original.Runtime} and Handler {plan.Original.Handler} restored");
            }
            catch (Exception e) when (e is AwsServiceException or MigrationStepException or TimeoutException)
            {
                ok = false;
                var blocked = plan.SourceUpdateBlocked is { } day && plan.ConfigurationFirst
                    ? $" (Lambda blocks updates to {plan.Original.Runtime} since {day:yyyy-MM-dd}: a function cannot go back to it)"
                    : "";
                log($"ROLLBACK FAILED: could not restore Runtime {plan.Original.Runtime} / Handler {plan.Original.Handler}{blocked}: {OneLine(e)}");
            }
        }

        return ok ? MigrationResult.RolledBack : MigrationResult.RollbackFailed;
    }

    private async Task<string?> UpdateCodeAsync(MigrationPlan plan, string bucket, string key, string? revision, CancellationToken cancellationToken)
    {
        var architecture = plan.ChangesArchitecture ? plan.TargetArchitecture.ToApiName() : null;
        log($"UpdateFunctionCode S3Bucket={bucket} S3Key={key}{(architecture is null ? "" : $" Architectures=[{architecture}]")}");
        await codeUpdater.UpdateAsync(plan.FunctionName, bucket, key, revision, architecture, cancellationToken).ConfigureAwait(false);
        return await WaitForUpdateAsync(plan.FunctionName, cancellationToken).ConfigureAwait(false);
    }

    private async Task<string?> UpdateConfigurationAsync(string name, string runtime, string handler, string? revision, CancellationToken cancellationToken)
    {
        log($"UpdateFunctionConfiguration Runtime={runtime} Handler={handler}");
        await lambda.UpdateFunctionConfigurationAsync(name, new FunctionConfigurationUpdate(runtime, handler, null, revision), cancellationToken).ConfigureAwait(false);
        return await WaitForUpdateAsync(name, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>Waits until the update settles (https://docs.aws.amazon.com/lambda/latest/dg/functions-states.html); returns the new RevisionId.</summary>
    private async Task<string?> WaitForUpdateAsync(string name, CancellationToken cancellationToken, bool throwOnFailed = true)
    {
        var settlement = await LambdaUpdateWaiter.WaitAsync(lambda, name, wait.Timeout, time, cancellationToken).ConfigureAwait(false);
        if (!settlement.Settled)
        {
            throw new TimeoutException($"{name} was still {settlement.Function.Configuration.LastUpdateStatus} after {wait.Timeout.TotalSeconds:0} s");
        }

        if (!settlement.Succeeded && throwOnFailed)
        {
            throw new MigrationStepException($"Lambda reports LastUpdateStatus Failed for {name}");
        }

        return settlement.Function.Configuration.RevisionId;
    }

    /// <summary>Reads the function back: configuration as intended, code as uploaded, and the engine's check of that code.</summary>
    private async Task VerifyAsync(MigrationPlan plan, CancellationToken cancellationToken)
    {
        var details = await lambda.GetFunctionAsync(plan.FunctionName, cancellationToken).ConfigureAwait(false);
        var now = details.Configuration;
        if (now.Runtime != plan.TargetRuntime || now.Handler != Bootstrap)
        {
            throw new MigrationStepException($"verification: the function reads Runtime {now.Runtime} Handler {now.Handler}");
        }

        var expected = plan.ChangesCode ? plan.Package.Sha256 : plan.Original.CodeSha256;
        if (!string.IsNullOrEmpty(now.CodeSha256) && now.CodeSha256 != expected)
        {
            throw new MigrationStepException($"verification: the function's CodeSha256 is {now.CodeSha256}, not the uploaded {expected}");
        }

        // The live code under the settings it now has (Handler bootstrap included), through the same seam as every check.
        var inspection = await functions.InspectAsync(details, Moved(now, plan.TargetRuntime, plan.TargetArchitecture), cancellationToken).ConfigureAwait(false);
        var report = inspection.Report ?? throw new MigrationStepException($"verification: not checked: {inspection.NotCheckedBecause}");
        if (report.Verdict == Verdict.Broken)
        {
            var finding = report.LeadingFinding!;
            throw new MigrationStepException($"verification: the function's new code is broken: {finding.Code} {finding.Message}");
        }
    }

    /// <summary>The engine's verdict on the repackaged zip as the function will run it after the move.</summary>
    private async Task<Report> CheckAsync(IRangeSource package, FunctionConfiguration configuration, string runtime, Architecture architecture, CancellationToken cancellationToken)
    {
        var inspection = await functions.InspectAsync(package, Moved(configuration, runtime, architecture) with { CodeSha256 = null }, cancellationToken).ConfigureAwait(false);
        return inspection.Report ?? throw new MigrationStepException($"{configuration.FunctionName}: not checked: {inspection.NotCheckedBecause}");
    }

    /// <summary>The function's settings after the move: the target runtime and architecture, Handler bootstrap, its layers.</summary>
    private static FunctionTarget Moved(FunctionConfiguration configuration, string runtime, Architecture architecture) =>
        FunctionTarget.Of(configuration) with { Runtime = runtime, Architectures = [architecture.ToApiName()], Handler = Bootstrap };

    /// <summary>Copies the package to disk through the same range source a check uses: chunked, never whole in memory.</summary>
    private async Task DownloadAsync(Uri location, string path, CancellationToken cancellationToken)
    {
        await using var source = packages.Open(location);
        var buffer = new byte[DownloadChunk];
        var tail = await source.ReadTailAsync(Memory<byte>.Empty, cancellationToken).ConfigureAwait(false);
        await using var file = new FileStream(path, FileMode.CreateNew, FileAccess.Write, FileShare.None, 1 << 16, useAsync: true);
        for (long offset = 0; offset < tail.Length;)
        {
            var read = await source.ReadAsync(offset, buffer.AsMemory(0, (int)Math.Min(buffer.Length, tail.Length - offset)), cancellationToken).ConfigureAwait(false);
            if (read == 0)
            {
                throw new PackageUnavailableException($"{source.DisplayName}: ended at {offset} of {tail.Length} bytes");
            }

            await file.WriteAsync(buffer.AsMemory(0, read), cancellationToken).ConfigureAwait(false);
            offset += read;
        }
    }

    private async Task UploadAsync(string bucket, string key, string path, CancellationToken cancellationToken)
    {
        // From the file: streamed (hashed first for the signature), never the whole zip in memory.
        await s3().PutFileAsync(bucket, key, path, "application/zip", cancellationToken).ConfigureAwait(false);
    }

    /// <summary>Base64 digests contain '/' and '+': a hex prefix names the object instead.</summary>
    private static string KeyPart(string base64Sha256)
    {
        try
        {
            return Convert.ToHexStringLower(Convert.FromBase64String(base64Sha256))[..16];
        }
        catch (FormatException)
        {
            return DateTimeOffset.UtcNow.ToString("yyyyMMddHHmmss", CultureInfo.InvariantCulture);
        }
    }

    private static string OneLine(Exception e) => e.Message.ReplaceLineEndings(" ");
}

/// <summary>A migration step did not do what it should (an update Lambda marked Failed, a verification mismatch).</summary>
internal sealed class MigrationStepException(string message) : Exception(message);
