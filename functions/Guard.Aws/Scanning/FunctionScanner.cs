using System.Collections.Concurrent;
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
}

/// <summary>
/// Sweeps one region: lists every function (following NextMarker) and judges each zip function on a runtime
/// Guard knows (provided*, go1.x) with its layers, a bounded number at a time and under client-side rate limits;
/// container images and managed runtimes are listed as skipped. It knows nothing of consoles: the CLI renders
/// its results and the Lambda can alert on them.
/// </summary>
public sealed class FunctionScanner
{
    private readonly ILambdaApi _lambda;
    private readonly Func<Uri, IRangeSource> _openPackage;
    private readonly PackageInspector _inspector;
    private readonly RuntimeCatalog _runtimes;
    private readonly FunctionScannerOptions _options;
    private readonly TimeProvider _time;
    private readonly TokenBucket _getFunction;
    private readonly TokenBucket _layerLookups;
    private readonly ConcurrentDictionary<string, (Task<LayerVersionContent> Lookup, long At)> _layers = new(StringComparer.Ordinal);

    /// <param name="lambda">The region's Lambda client.</param>
    /// <param name="openPackage">Opens a presigned Code.Location or layer Content.Location (production: an <see cref="HttpRangeSource"/>).</param>
    public FunctionScanner(
        ILambdaApi lambda,
        Func<Uri, IRangeSource> openPackage,
        FunctionScannerOptions? options = null,
        PackageInspector? inspector = null,
        RuntimeCatalog? runtimes = null,
        TimeProvider? time = null)
    {
        ArgumentNullException.ThrowIfNull(lambda);
        ArgumentNullException.ThrowIfNull(openPackage);
        _lambda = lambda;
        _openPackage = openPackage;
        _options = options ?? new FunctionScannerOptions();
        ArgumentOutOfRangeException.ThrowIfLessThan(_options.Concurrency, 1);
        _time = time ?? TimeProvider.System;
        _runtimes = runtimes ?? RuntimeCatalog.Default;
        _inspector = inspector ?? new PackageInspector(_runtimes, PlaceholderCatalog.Default, _time);
        // A burst as large as the concurrency: the first wave starts at once, then the rate holds.
        _getFunction = new TokenBucket(_options.GetFunctionPerSecond, _options.Concurrency, _time);
        _layerLookups = new TokenBucket(_options.LayerLookupsPerSecond, 1, _time);
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
        if (Skip(region, listed) is { } skipped)
        {
            return skipped;
        }

        FunctionDetails details;
        try
        {
            await _getFunction.TakeAsync(cancellationToken).ConfigureAwait(false);
            details = await _lambda.GetFunctionAsync(listed.FunctionArn, cancellationToken).ConfigureAwait(false);
        }
        catch (FunctionNotFoundException)
        {
            return Result(region, listed, ScanOutcome.Skipped, null, "deleted during the scan");
        }
        catch (AwsServiceException e)
        {
            return Result(region, listed, ScanOutcome.Unchecked, null, e.Message);
        }

        // The configuration may have changed since the listing: judge what GetFunction says now.
        var configuration = details.Configuration;
        if (Skip(region, configuration) is { } skippedNow)
        {
            return skippedNow;
        }

        if (details.CodeLocation is null || !Uri.TryCreate(details.CodeLocation, UriKind.Absolute, out var codeLocation))
        {
            return Result(region, configuration, ScanOutcome.Unchecked, null, "GetFunction returned no Code.Location");
        }

        var opened = new List<IRangeSource>();
        try
        {
            var package = new LabelledRangeSource(_openPackage(codeLocation), configuration.FunctionArn);
            opened.Add(package);
            var layers = new List<IRangeSource>();
            foreach (var layer in configuration.Layers)
            {
                var content = await LookUpLayerAsync(layer.Arn, cancellationToken).ConfigureAwait(false);
                if (content.Location is null || !Uri.TryCreate(content.Location, UriKind.Absolute, out var layerLocation))
                {
                    return Result(region, configuration, ScanOutcome.Unchecked, null, $"layer {layer.Arn} has no Content.Location");
                }

                var source = new LabelledRangeSource(_openPackage(layerLocation), layer.Arn);
                opened.Add(source);
                layers.Add(source);
            }

            var request = new InspectionRequest(
                package,
                configuration.Runtime!,
                ArchitectureOf(configuration),
                layers,
                configuration.Handler,
                string.IsNullOrEmpty(configuration.CodeSha256) ? null : configuration.CodeSha256,
                _options.PlaceholderSha256);
            var report = await _inspector.InspectAsync(request, cancellationToken).ConfigureAwait(false);
            return Result(region, configuration, ScanOutcome.Checked, report, null);
        }
        catch (PackageUnavailableException e)
        {
            return Result(region, configuration, ScanOutcome.Unchecked, null, e.Message);
        }
        catch (FunctionNotFoundException)
        {
            return Result(region, configuration, ScanOutcome.Skipped, null, "deleted during the scan");
        }
        catch (AwsServiceException e)
        {
            return Result(region, configuration, ScanOutcome.Unchecked, null, e.Message);
        }
        finally
        {
            foreach (var source in opened)
            {
                await source.DisposeAsync().ConfigureAwait(false);
            }
        }
    }

    /// <summary>Lambda's architecture name to the engine's; older functions omit it and run on x86_64.</summary>
    public static Architecture ArchitectureOf(FunctionConfiguration configuration)
    {
        ArgumentNullException.ThrowIfNull(configuration);
        return configuration.Architectures.Count > 0 && ArchitectureNames.TryParse(configuration.Architectures[0], out var architecture)
            ? architecture
            : Architecture.X8664;
    }

    private FunctionScanResult? Skip(string region, FunctionConfiguration configuration)
    {
        if (string.Equals(configuration.PackageType, "Image", StringComparison.OrdinalIgnoreCase))
        {
            return Result(region, configuration, ScanOutcome.Skipped, null, "container image");
        }

        if (configuration.Runtime is not { Length: > 0 } runtime)
        {
            return Result(region, configuration, ScanOutcome.Skipped, null, "no runtime");
        }

        return _runtimes.TryFind(runtime, out _) ? null : Result(region, configuration, ScanOutcome.Skipped, null, $"managed runtime {runtime}");
    }

    /// <summary>Functions often share layers: one look-up per layer version, reused while its URL is fresh.</summary>
    private async Task<LayerVersionContent> LookUpLayerAsync(string arn, CancellationToken cancellationToken)
    {
        var now = _time.GetTimestamp();
        var entry = _layers.AddOrUpdate(
            arn,
            _ => (FetchLayerAsync(arn, cancellationToken), now),
            (_, existing) => existing.Lookup.IsFaulted || existing.Lookup.IsCanceled || _time.GetElapsedTime(existing.At, now) > _options.LayerLookupLifetime
                ? (FetchLayerAsync(arn, cancellationToken), now)
                : existing);
        return await entry.Lookup.ConfigureAwait(false);
    }

    private async Task<LayerVersionContent> FetchLayerAsync(string arn, CancellationToken cancellationToken)
    {
        await _layerLookups.TakeAsync(cancellationToken).ConfigureAwait(false);
        return await _lambda.GetLayerVersionByArnAsync(arn, cancellationToken).ConfigureAwait(false);
    }

    private FunctionScanResult Result(string region, FunctionConfiguration configuration, ScanOutcome outcome, Inspection.Reporting.Report? report, string? reason) =>
        new(
            region,
            configuration.FunctionName,
            configuration.FunctionArn,
            configuration.Runtime,
            ArchitectureOf(configuration).ToApiName(),
            configuration.PackageType,
            outcome,
            report,
            reason,
            configuration.Runtime is { } runtime && _runtimes.TryFind(runtime, out var facts) ? facts.Deprecated : null);
}
