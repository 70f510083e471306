using Guard.Aws.Http;
using Guard.Aws.Ecr;
using Guard.Aws.Lambda;
using Guard.Inspection;
using Guard.Inspection.Images;
using Guard.Inspection.Reading;
using Guard.Inspection.Reporting;
using Guard.Inspection.Rules;

namespace Guard.Aws.Functions;

/// <summary>The engine's report on a function's package or image, or why there was nothing to judge (a managed runtime without layers).</summary>
public sealed record FunctionInspection(Report? Report, string? NotCheckedBecause)
{
    public static FunctionInspection NotChecked(string because) => new(null, because);

    public static FunctionInspection Of(Report report) => new(report ?? throw new ArgumentNullException(nameof(report)), null);
}

/// <summary>
/// Inspects a deployed function: the one place that resolves its layers, opens its package and layers (named by their
/// ARNs, not by presigned URLs) or its container image (from ECR, by the digest Lambda resolved), applies
/// <see cref="FunctionEligibility"/>, runs the engine and closes what it opened. A managed runtime's function is judged
/// by its layers' extensions alone: its own code is never opened.
/// Every edge that judges a function — the deploy check, the CloudFormation check, the scans, rollback in the Lambda and
/// in the CLI, migrate — goes through here.
/// </summary>
/// <remarks>
/// Failures propagate for the caller to word: <see cref="FunctionNotFoundException"/>,
/// <see cref="Http.AwsServiceException"/>, and <see cref="PackageUnavailableException"/> (no usable
/// <c>Code.Location</c> or layer <c>Content.Location</c>, or the bytes could not be read). A function with
/// <c>S3ObjectStorageMode: REFERENCE</c> runs from the customer's object version, which is read here with Guard's own
/// S3 permissions: a version S3 says is gone is a finding (<see cref="FindingCodes.PackageSourceMissing"/>), a refused
/// read is "not checked" with the grant it needs, never a verdict.
/// </remarks>
public sealed class DeployedFunctionInspector
{
    private readonly ILambdaApi _lambda;
    private readonly IPackageOpener _packages;
    private readonly PackageInspector _inspector;
    private readonly IReadOnlySet<string>? _placeholderSha256;
    private readonly LayerLookup _layers;
    private readonly bool _identifyToolchain;
    private readonly IS3PackageOpener? _objects;
    private readonly IEcrImages? _images;

    /// <param name="placeholderSha256">Digests (base64 SHA-256) of packages the operator declares placeholders.</param>
    /// <param name="layers">How layer locations are found; default: one GetLayerVersionByArn per layer.</param>
    /// <param name="identifyToolchain">Also tell which toolchain built each bootstrap (<see cref="InspectionRequest.IdentifyToolchain"/>).</param>
    /// <param name="objects">Reads the object version a REFERENCE function runs from; null: such functions are not checked.</param>
    /// <param name="images">Reads container images from ECR; null leaves image functions not checked.</param>
    public DeployedFunctionInspector(
        ILambdaApi lambda,
        IPackageOpener packages,
        PackageInspector inspector,
        RuntimeCatalog runtimes,
        IReadOnlySet<string>? placeholderSha256 = null,
        LayerLookup? layers = null,
        bool identifyToolchain = false,
        IS3PackageOpener? objects = null,
        IEcrImages? images = null)
    {
        _identifyToolchain = identifyToolchain;
        _objects = objects;
        _images = images;
        ArgumentNullException.ThrowIfNull(lambda);
        ArgumentNullException.ThrowIfNull(packages);
        ArgumentNullException.ThrowIfNull(inspector);
        ArgumentNullException.ThrowIfNull(runtimes);
        _lambda = lambda;
        _packages = packages;
        _inspector = inspector;
        Runtimes = runtimes;
        _placeholderSha256 = placeholderSha256;
        _layers = layers ?? LayerLookup.Direct(lambda);
    }

    /// <summary>The runtimes Guard judges (the rest are <see cref="FunctionEligibility">not checked</see>).</summary>
    public RuntimeCatalog Runtimes { get; }

    /// <summary>Null when Guard judges this function; else why not.</summary>
    public string? WhyNotChecked(FunctionConfiguration configuration) =>
        FunctionEligibility.IsImage((configuration ?? throw new ArgumentNullException(nameof(configuration))).PackageType) && _images is null
            ? NoImageReader
            : FunctionEligibility.WhyNotChecked(configuration.PackageType, configuration.Runtime, Runtimes, configuration.Layers.Count);

    private const string NoImageReader = "container image: this edge of Guard has no ECR reader";

    /// <summary>The function as it is now (GetFunction), and its code judged under its own settings or those <paramref name="adjust"/> makes of them.</summary>
    /// <param name="adjust">Changes to the function's settings (a template's values over the deployed ones); null for none.</param>
    /// <exception cref="FunctionNotFoundException">No such function.</exception>
    public async Task<(FunctionDetails Function, FunctionInspection Inspection)> InspectAsync(
        string functionNameOrArn, Func<FunctionTarget, FunctionTarget>? adjust, CancellationToken cancellationToken)
    {
        ArgumentException.ThrowIfNullOrEmpty(functionNameOrArn);
        var function = await _lambda.GetFunctionAsync(functionNameOrArn, cancellationToken).ConfigureAwait(false);
        var own = FunctionTarget.Of(function.Configuration);
        return (function, await InspectAsync(function, adjust?.Invoke(own) ?? own, cancellationToken).ConfigureAwait(false));
    }

    /// <summary>
    /// The code now on <paramref name="function"/> (its <c>Code.Location</c>, its image, or for a REFERENCE function the
    /// object version it runs from), under <paramref name="target"/> or, when null, the function's own settings.
    /// </summary>
    public async Task<FunctionInspection> InspectAsync(FunctionDetails function, FunctionTarget? target, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(function);
        var configuration = function.Configuration;
        target ??= FunctionTarget.Of(configuration);
        if (FunctionEligibility.IsImage(configuration.PackageType))
        {
            // The digest Lambda resolved the ImageUri to at deploy is what runs; a tag may have moved since.
            return _images is null
                ? FunctionInspection.NotChecked(NoImageReader)
                : await InspectImageAsync(
                    function.ResolvedImageUri ?? function.ImageUri ?? throw new PackageUnavailableException($"GetFunction gave no ImageUri for {configuration.FunctionName}"),
                    target,
                    cancellationToken).ConfigureAwait(false);
        }

        if (FunctionEligibility.WhyNotChecked(configuration.PackageType, target.Runtime, Runtimes, target.LayerArns.Count) is { } why)
        {
            return FunctionInspection.NotChecked(why);
        }

        if (FunctionEligibility.IsJudgedByLayersAlone(target.Runtime, Runtimes))
        {
            // Its code is never fetched: Code.Location may be hundreds of megabytes that nothing judges.
            return await InspectAsync(new UnreadPackage(configuration.FunctionArn), target, cancellationToken).ConfigureAwait(false);
        }

        // A presigned URL is Lambda's own view of the code and needs no grant: it wins whenever Lambda gives one.
        if (function.CodeLocation is { } location && Uri.TryCreate(location, UriKind.Absolute, out var locationUri))
        {
            return await InspectAsync(new LabelledRangeSource(_packages.Open(locationUri), configuration.FunctionArn), target, cancellationToken).ConfigureAwait(false);
        }

        if (function.CodeObject is { } code)
        {
            return await InspectReferencedAsync(function, code, target, cancellationToken).ConfigureAwait(false);
        }

        var lambdaSays = function.CodeError is { } error ? $" (Lambda says: {error})" : "";
        throw new PackageUnavailableException($"GetFunction gave no usable Code.Location for {configuration.FunctionName}{lambdaSays}");
    }

    /// <summary>
    /// A REFERENCE function's code, read from the customer's bucket: S3's refusal of the first read tells a version that
    /// is gone (404: a finding, Lambda cannot start the function from it) from one Guard may not read (403: not checked;
    /// without <c>s3:ListBucket</c> S3 answers 403 for a missing version too, so 403 never means broken).
    /// </summary>
    private async Task<FunctionInspection> InspectReferencedAsync(FunctionDetails function, PackageLocation.S3Object code, FunctionTarget target, CancellationToken cancellationToken)
    {
        var name = function.Configuration.FunctionName;
        if (code.VersionId is null)
        {
            return FunctionInspection.NotChecked($"{name} runs from {code.DisplayName} (S3ObjectStorageMode REFERENCE) but GetFunction names no object version, so Guard cannot tell which version Lambda runs");
        }

        if (_objects is null)
        {
            return FunctionInspection.NotChecked($"{name} runs from {code.DisplayName} (S3ObjectStorageMode REFERENCE) and this Guard reads no S3 objects");
        }

        var source = new ReferencedObjectSource(_objects.Open(code));
        try
        {
            return await InspectAsync(new LabelledRangeSource(source, function.Configuration.FunctionArn), target, cancellationToken).ConfigureAwait(false);
        }
        catch (PackageUnavailableException) when (source.Refusal is { StatusCode: 404 } missing)
        {
            var lambdaSays = function.CodeError is { } error ? $"; Lambda says: {error}" : "";
            var finding = Findings.PackageSourceMissing(code.DisplayName, $"S3 answers {missing.ErrorCode}{lambdaSays}");
            return FunctionInspection.Of(new Report(
                Report.CurrentSchemaVersion,
                function.Configuration.FunctionArn,
                Verdict.Broken,
                Runtimes.Find(target.Runtime).Name,
                target.Architecture.ToApiName(),
                Bootstrap: null,
                [finding],
                new ReadStats(Requests: 1, BytesRead: 0, ElapsedMs: 0)));
        }
        catch (PackageUnavailableException) when (source.Refusal is { StatusCode: 403 } denied)
        {
            return FunctionInspection.NotChecked(
                $"Guard may not read {code.DisplayName}, the code {name} runs from (S3ObjectStorageMode REFERENCE; S3 answers {denied.ErrorCode}): " +
                $"grant Guard's role {AwsActions.S3GetObjectVersion} on arn:aws:s3:::{code.Bucket}/{code.Key} (its ArtifactObjectArns, and the bucket's policy when the bucket is in another account or denies it)");
        }
    }

    /// <summary>
    /// Judges the container image <paramref name="imageUri"/> (an ECR URI, by tag or digest) as Lambda would start it
    /// under <paramref name="target"/>: its architecture, and its ImageConfig merged over the image's own. The image of a
    /// function now, or one not (yet, or no longer) on it: a template's, the last good digest. Reads only as far as the
    /// verdict needs.
    /// </summary>
    /// <exception cref="PackageUnavailableException">Not an ECR image URI, or ECR did not give the image (missing, denied).</exception>
    public async Task<FunctionInspection> InspectImageAsync(string imageUri, FunctionTarget target, CancellationToken cancellationToken)
    {
        ArgumentException.ThrowIfNullOrEmpty(imageUri);
        ArgumentNullException.ThrowIfNull(target);
        if (_images is null)
        {
            return FunctionInspection.NotChecked(NoImageReader);
        }

        if (!EcrImageUri.TryParse(imageUri, out var image))
        {
            throw new PackageUnavailableException($"{imageUri}: not an ECR image URI (ACCOUNT.dkr.ecr.REGION.amazonaws.com/REPOSITORY:TAG or @sha256:DIGEST), the only kind Lambda runs");
        }

        var source = _images.Open(image);
        await using (source.ConfigureAwait(false))
        {
            var report = await ImageInspector.InspectAsync(new ImageInspectionRequest(source, target.Architecture, target.ImageConfig), cancellationToken).ConfigureAwait(false);
            return FunctionInspection.Of(report);
        }
    }

    /// <summary>
    /// Judges <paramref name="package"/> — code not (yet, or no longer) on a function: a stored copy, an S3 object about
    /// to be deployed, a repackaged zip — as Lambda would run it under <paramref name="target"/>. Disposes it.
    /// </summary>
    public async Task<FunctionInspection> InspectAsync(IRangeSource package, FunctionTarget target, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(package);
        ArgumentNullException.ThrowIfNull(target);
        var opened = new List<IRangeSource> { package };
        try
        {
            if (FunctionEligibility.WhyNotChecked(packageType: null, target.Runtime, Runtimes, target.LayerArns.Count) is { } why)
            {
                return FunctionInspection.NotChecked(why);
            }

            var layers = new List<IRangeSource>(target.LayerArns.Count);
            foreach (var layerArn in target.LayerArns)
            {
                var location = await _layers.LocateAsync(layerArn, cancellationToken).ConfigureAwait(false);
                var layer = new LabelledRangeSource(_packages.Open(location), layerArn);
                opened.Add(layer);
                layers.Add(layer);
            }

            var report = await _inspector.InspectAsync(
                new InspectionRequest(package, target.Runtime, target.Architecture, layers, target.Handler, target.CodeSha256, _placeholderSha256, target.Environment)
                {
                    Entrypoint = target.Entrypoint,
                    IdentifyToolchain = _identifyToolchain,
                    LayersOnly = FunctionEligibility.IsJudgedByLayersAlone(target.Runtime, Runtimes),
                },
                cancellationToken).ConfigureAwait(false);
            return FunctionInspection.Of(report);
        }
        finally
        {
            foreach (var source in opened)
            {
                await source.DisposeAsync().ConfigureAwait(false);
            }
        }
    }
}
