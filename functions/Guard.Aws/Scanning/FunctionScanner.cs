using System.Collections.Concurrent;
using Guard.Aws.Functions;
using Guard.Aws.Http;
using Guard.Aws.Lambda;
using Guard.Inspection;
using Guard.Inspection.Reading;
using Guard.Inspection.Rules;

namespace Guard.Aws.Scanning;

/// <summary>How hard a sweep may push Lambda's control plane.</summary>
public sealed record FunctionScannerOptions
{
    /// <summary>Functions checked at once (each check is one GetFunction, layer look-ups, and a few range reads).</summary>
    public int Concurrency { get; init; } = 4;

    /// <summary>GetFunction calls per second: half the 100/s quota, which the account's other callers share.</summary>
    public double GetFunctionPerSecond { get; init; } = 50;

    /// <summary>GetLayerVersionByArn calls per second: under the 15/s shared by the rest of the control plane.</summary>
    public double LayerLookupsPerSecond { get; init; } = 10;

    /// <summary>A layer's presigned URL lives about 10 minutes; a look-up is reused for less than that.</summary>
    public TimeSpan LayerLookupLifetime { get; init; } = TimeSpan.FromMinutes(5);

    /// <summary>Digests (base64 SHA-256, Lambda's CodeSha256) of packages the operator declares placeholders.</summary>
    public IReadOnlySet<string>? PlaceholderSha256 { get; init; }

    /// <summary>
    /// Judge every go1.x, provided and provided.al2 function against this runtime too (<see cref="MigrationReadiness"/>):
    /// a second check of its package, under the target. Null for none.
    /// </summary>
    public string? TargetRuntime { get; init; }

    /// <summary>Tell which toolchain built each bootstrap (for anything but Go, a read of the binary's section headers).</summary>
    public bool IdentifyToolchain { get; init; }
}

/// <summary>
/// Sweeps one region: lists every function (following NextMarker) and judges each through
/// <see cref="DeployedFunctionInspector"/>, a bounded number at a time and under client-side rate limits (GetFunction,
/// and layer look-ups shared across functions); functions Guard does not judge are listed as skipped. It knows nothing
/// of consoles: the CLI renders its results and the Lambda can alert on them.
/// </summary>
public sealed class FunctionScanner
{
    private readonly ILambdaApi _lambda;
    private readonly DeployedFunctionInspector _functions;
    private readonly FunctionScannerOptions _options;
    private readonly TokenBucket _getFunction;

    /// <param name="lambda">The region's Lambda client.</param>
    /// <param name="packages">Opens a presigned Code.Location or layer Content.Location (production: an <see cref="HttpPackageOpener"/>).</param>
    /// <param name="objects">Reads the object version a REFERENCE function runs from; null: such functions are skipped.</param>
    /// <param name="images">Reads image functions' images from ECR; null lists them as skipped.</param>
    public FunctionScanner(
        ILambdaApi lambda,
        IPackageOpener packages,
        FunctionScannerOptions? options = null,
        PackageInspector? inspector = null,
        RuntimeCatalog? runtimes = null,
        TimeProvider? time = null,
        IS3PackageOpener? objects = null,
        Ecr.IEcrImages? images = null)
    {
        ArgumentNullException.ThrowIfNull(lambda);
        ArgumentNullException.ThrowIfNull(packages);
        _lambda = lambda;
        _options = options ?? new FunctionScannerOptions();
        ArgumentOutOfRangeException.ThrowIfLessThan(_options.Concurrency, 1);
        var clock = time ?? TimeProvider.System;
        var catalog = runtimes ?? RuntimeCatalog.Default;
        _functions = new DeployedFunctionInspector(
            lambda,
            packages,
            inspector ?? new PackageInspector(catalog, PlaceholderCatalog.Default, clock),
            catalog,
            _options.PlaceholderSha256,
            LayerLookup.Shared(lambda, _options.LayerLookupsPerSecond, _options.LayerLookupLifetime, clock),
            _options.IdentifyToolchain,
            objects,
            images);
        // A burst as large as the concurrency: the first wave starts at once, then the rate holds.
        _getFunction = new TokenBucket(_options.GetFunctionPerSecond, _options.Concurrency, clock);
    }

    /// <summary>Every function of the region, sorted by name.</summary>
    /// <exception cref="AwsServiceException">ListFunctions failed (credentials, permissions, the endpoint): nothing to sweep.</exception>
    public async Task<IReadOnlyList<FunctionScanResult>> ScanAsync(string region, IProgress<ScanProgress>? progress, CancellationToken cancellationToken)
    {
        var results = new ConcurrentBag<FunctionScanResult>();
        var listed = 0;
        var done = 0;
        var broken = 0;

        // Listing is lazy: workers pull the next function as they free up, so checks start with the first page
        // and ListFunctions stays one serial stream of pages.
        async IAsyncEnumerable<FunctionConfiguration> List([System.Runtime.CompilerServices.EnumeratorCancellation] CancellationToken token)
        {
            await foreach (var function in _lambda.ListFunctionsAsync(token).ConfigureAwait(false))
            {
                Interlocked.Increment(ref listed);
                progress?.Report(new ScanProgress(region, Volatile.Read(ref listed), Volatile.Read(ref done), Volatile.Read(ref broken)));
                yield return function;
            }
        }

        await Parallel.ForEachAsync(
            List(cancellationToken),
            new ParallelOptions { MaxDegreeOfParallelism = _options.Concurrency, CancellationToken = cancellationToken },
            async (function, token) =>
            {
                var result = await CheckAsync(region, function, token).ConfigureAwait(false);
                results.Add(result);
                if (result.IsBroken)
                {
                    Interlocked.Increment(ref broken);
                }

                Interlocked.Increment(ref done);
                progress?.Report(new ScanProgress(region, Volatile.Read(ref listed), Volatile.Read(ref done), Volatile.Read(ref broken)));
            }).ConfigureAwait(false);

        return [.. results.OrderBy(r => r.FunctionName, StringComparer.Ordinal)];
    }

    /// <summary>
    /// Judges one function from its listed configuration. Never throws for the function's own problems (those
    /// become <see cref="ScanOutcome.Skipped"/> or <see cref="ScanOutcome.Unchecked"/>), only on cancellation.
    /// </summary>
    public async Task<FunctionScanResult> CheckAsync(string region, FunctionConfiguration listed, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(listed);
        // Judged on the listing first: a function Guard does not judge costs no GetFunction.
        if (_functions.WhyNotChecked(listed) is { } skipped)
        {
            return Result(region, listed, ScanOutcome.Skipped, null, skipped);
        }

        var configuration = listed;
        try
        {
            await _getFunction.TakeAsync(cancellationToken).ConfigureAwait(false);
            var details = await _lambda.GetFunctionAsync(listed.FunctionArn, cancellationToken).ConfigureAwait(false);
            // The configuration may have changed since the listing: judge what GetFunction says now.
            configuration = details.Configuration;
            var inspection = await _functions.InspectAsync(details, target: null, cancellationToken).ConfigureAwait(false);
            var owner = FunctionOwner.FromTags(details.Tags);
            if (inspection.Report is not { } report)
            {
                return Result(region, configuration, ScanOutcome.Skipped, null, inspection.NotCheckedBecause) with { Owner = owner };
            }

            return Result(region, configuration, ScanOutcome.Checked, report, null) with
            {
                Owner = owner,
                Readiness = await ReadinessAsync(details, report, cancellationToken).ConfigureAwait(false),
            };
        }
        catch (FunctionNotFoundException)
        {
            return Result(region, configuration, ScanOutcome.Skipped, null, "deleted during the scan");
        }
        catch (Exception e) when (e is PackageUnavailableException or AwsServiceException)
        {
            return Result(region, configuration, ScanOutcome.Unchecked, null, e.Message);
        }
    }

    /// <summary>
    /// The function's package under the target runtime, as <c>guard migrate</c> would move it: the same layers and
    /// architecture, Handler bootstrap, and on go1.x the Handler's binary as the bootstrap. A function already broken
    /// where it is costs no second check.
    /// </summary>
    private async Task<MigrationReadiness?> ReadinessAsync(FunctionDetails details, Inspection.Reporting.Report own, CancellationToken cancellationToken)
    {
        var configuration = details.Configuration;
        if (_options.TargetRuntime is not { } target || configuration.Runtime is not { } runtime ||
            runtime == target || !MigrationReadiness.SourceRuntimes.Contains(runtime) || own.Verdict == Inspection.Reporting.Verdict.Placeholder)
        {
            return null;
        }

        if (own.Verdict == Inspection.Reporting.Verdict.Broken)
        {
            return MigrationReadiness.Broken(target, own);
        }

        var moved = FunctionTarget.Of(configuration) with
        {
            Runtime = target,
            Handler = "bootstrap",
            Entrypoint = _functions.Runtimes.Find(runtime).EntrypointIsHandler ? configuration.Handler ?? "main" : null,
        };
        var inspection = await _functions.InspectAsync(details, moved, cancellationToken).ConfigureAwait(false);
        return inspection.Report is { } onTarget ? MigrationReadiness.Of(target, onTarget) : null;
    }

    private FunctionScanResult Result(string region, FunctionConfiguration configuration, ScanOutcome outcome, Inspection.Reporting.Report? report, string? reason) =>
        new(
            region,
            configuration.FunctionName,
            configuration.FunctionArn,
            configuration.Runtime,
            FunctionTarget.Of(configuration).Architecture.ToApiName(),
            configuration.PackageType,
            outcome,
            report,
            reason,
            configuration.Runtime is { } runtime && _functions.Runtimes.TryFind(runtime, out var facts) ? facts.Deprecated : null);
}
