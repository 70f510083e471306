using Guard.Aws;
using Guard.Aws.Lambda;
using Guard.Aws.S3;
using Guard.Function.Deploys;
using Guard.Inspection;
using Guard.Inspection.Reading;
using Guard.Inspection.Reporting;
using Guard.Inspection.Rules;

namespace Guard.Function.CloudFormation;

/// <summary>
/// A package CloudFormation is about to deploy (an S3 object), or one already on a function, and the facts
/// to judge it against. Null facts come from the function (<see cref="FunctionName"/>) or Lambda's defaults.
/// </summary>
/// <param name="Code">The package in S3; null when <see cref="FunctionName"/> is given.</param>
/// <param name="FunctionName">A deployed function whose current code is checked.</param>
/// <param name="Layers">Layer-version ARNs in configuration order; null keeps a function's own layers.</param>
public sealed record PackageToCheck(
    PackageLocation.S3Object? Code,
    string? FunctionName,
    string? Runtime,
    Architecture? Architecture,
    IReadOnlyList<string>? Layers,
    string? Handler);

/// <summary>The engine's report, or why there was nothing to judge (a container image, a managed runtime).</summary>
public sealed record PackageCheckResult(Report? Report, string? NotCheckedBecause)
{
    public static PackageCheckResult NotChecked(string because) => new(null, because);
}

/// <summary>Opens an S3 object for ranged reads.</summary>
public interface IS3PackageOpener
{
    IRangeSource Open(PackageLocation.S3Object location);
}

/// <summary>S3 objects through <see cref="S3RangeSource"/>, with a client made on the first package (not at start-up).</summary>
public sealed class S3PackageOpener(Func<S3Client> createClient) : IS3PackageOpener
{
    // PublicationOnly: a failed creation (no region, no credentials) is retried on the next request, not cached.
    private readonly Lazy<S3Client> _s3 = new(createClient, LazyThreadSafetyMode.PublicationOnly);

    public IRangeSource Open(PackageLocation.S3Object location)
    {
        ArgumentNullException.ThrowIfNull(location);
        return new S3RangeSource(_s3.Value, location.Bucket, location.Key, location.VersionId);
    }
}

/// <summary>
/// The check both CloudFormation edges run (the custom resource and the hook): resolves the package and its
/// layers to range sources, runs the engine, and closes the sources. Failures to fetch propagate
/// (<see cref="PackageUnavailableException"/>, <see cref="Guard.Aws.Http.AwsServiceException"/>): the caller
/// turns them into an answer CloudFormation understands.
/// </summary>
public sealed class PackageCheck
{
    private readonly ILambdaApi _lambda;
    private readonly IPackageOpener _urls;
    private readonly IS3PackageOpener _s3;
    private readonly PackageInspector _inspector;
    private readonly RuntimeCatalog _runtimes;
    private readonly IReadOnlySet<string> _placeholderSha256;

    /// <param name="urls">Presigned URLs: a function's <c>Code.Location</c>, a layer's <c>Content.Location</c>.</param>
    public PackageCheck(ILambdaApi lambda, IPackageOpener urls, IS3PackageOpener s3, PackageInspector inspector, RuntimeCatalog runtimes, IReadOnlySet<string> placeholderSha256)
    {
        ArgumentNullException.ThrowIfNull(lambda);
        ArgumentNullException.ThrowIfNull(urls);
        ArgumentNullException.ThrowIfNull(s3);
        ArgumentNullException.ThrowIfNull(inspector);
        ArgumentNullException.ThrowIfNull(runtimes);
        ArgumentNullException.ThrowIfNull(placeholderSha256);
        _lambda = lambda;
        _urls = urls;
        _s3 = s3;
        _inspector = inspector;
        _runtimes = runtimes;
        _placeholderSha256 = placeholderSha256;
    }

    public async Task<PackageCheckResult> CheckAsync(PackageToCheck target, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(target);
        var runtime = target.Runtime;
        var architecture = target.Architecture;
        var layers = target.Layers;
        var handler = target.Handler;
        string? codeSha256 = null;
        Uri? codeLocation = null;

        if (target.Code is null)
        {
            var name = target.FunctionName ?? throw new ArgumentException("a package to check names an S3 object or a function", nameof(target));
            var function = await _lambda.GetFunctionAsync(name, cancellationToken).ConfigureAwait(false);
            var configuration = function.Configuration;
            if (string.Equals(configuration.PackageType, "Image", StringComparison.OrdinalIgnoreCase))
            {
                return PackageCheckResult.NotChecked($"{configuration.FunctionName} is a container image: Lambda runs the image's entrypoint, not a bootstrap");
            }

            runtime ??= configuration.Runtime;
            architecture ??= ArchitectureNames.TryParse(configuration.Architectures.Count > 0 ? configuration.Architectures[0] : null, out var parsed) ? parsed : Architecture.X8664;
            layers ??= configuration.Layers.Select(l => l.Arn).ToArray();
            handler ??= configuration.Handler;
            codeSha256 = configuration.CodeSha256;
            if (runtime is null || !_runtimes.TryFind(runtime, out _))
            {
                return PackageCheckResult.NotChecked($"{configuration.FunctionName} runs on the managed runtime {runtime ?? "(none)"}: Lambda supplies the bootstrap");
            }

            if (function.CodeLocation is not { } location || !Uri.TryCreate(location, UriKind.Absolute, out codeLocation))
            {
                throw new PackageUnavailableException($"GetFunction gave no usable Code.Location for {configuration.FunctionName}");
            }
        }
        else if (runtime is null || !_runtimes.TryFind(runtime, out _))
        {
            return PackageCheckResult.NotChecked($"the managed runtime {runtime ?? "(none)"} supplies its own bootstrap");
        }

        var sources = new List<IRangeSource>();
        try
        {
            var package = codeLocation is null ? _s3.Open(target.Code!) : _urls.Open(codeLocation);
            sources.Add(package);
            var layerSources = new List<IRangeSource>();
            foreach (var arn in layers ?? [])
            {
                var content = await _lambda.GetLayerVersionByArnAsync(arn, cancellationToken).ConfigureAwait(false);
                if (content.Location is not { } layerLocation || !Uri.TryCreate(layerLocation, UriKind.Absolute, out var layerUri))
                {
                    throw new PackageUnavailableException($"GetLayerVersionByArn gave no usable Content.Location for {arn}");
                }

                var source = _urls.Open(layerUri);
                sources.Add(source);
                layerSources.Add(source);
            }

            var report = await _inspector.InspectAsync(
                new InspectionRequest(package, runtime, architecture ?? Architecture.X8664, layerSources, handler, codeSha256, _placeholderSha256),
                cancellationToken).ConfigureAwait(false);
            return new PackageCheckResult(report, null);
        }
        finally
        {
            foreach (var source in sources)
            {
                await source.DisposeAsync().ConfigureAwait(false);
            }
        }
    }
}
