using Guard.Aws.Lambda;
using Guard.Inspection;
using Guard.Inspection.Reading;
using Guard.Inspection.Reporting;
using Guard.Inspection.Rules;

namespace Guard.Function.Deploys;

/// <summary>What a package is judged under: the function's runtime facts.</summary>
public sealed record FunctionTarget(string Runtime, IReadOnlyList<string> Architectures, IReadOnlyList<string> LayerArns, string? Handler, string CodeSha256)
{
    public static FunctionTarget Of(FunctionConfiguration configuration)
    {
        ArgumentNullException.ThrowIfNull(configuration);
        return new FunctionTarget(configuration.Runtime ?? "", configuration.Architectures, [.. configuration.Layers.Select(l => l.Arn)], configuration.Handler, configuration.CodeSha256);
    }
}

/// <summary>Runs the engine over a function's package and layers: the live function's, or a stored copy under recorded settings.</summary>
public sealed class FunctionInspector(ILambdaApi lambda, IPackageOpener packages, PackageInspector inspector, IReadOnlySet<string> placeholderSha256)
{
    /// <summary>The code now on the function (<c>Code.Location</c>), under its current configuration.</summary>
    public Task<Report> InspectLiveAsync(FunctionDetails function, CancellationToken cancellationToken) =>
        InspectLiveAsync(function, FunctionTarget.Of((function ?? throw new ArgumentNullException(nameof(function))).Configuration), cancellationToken);

    /// <summary>The code now on the function, under <paramref name="target"/>'s settings.</summary>
    public Task<Report> InspectLiveAsync(FunctionDetails function, FunctionTarget target, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(function);
        if (function.CodeLocation is not { } location || !Uri.TryCreate(location, UriKind.Absolute, out var locationUri))
        {
            throw new PackageUnavailableException($"GetFunction gave no usable Code.Location for {function.Configuration.FunctionName}");
        }

        return InspectAsync(packages.Open(locationUri), target, cancellationToken);
    }

    /// <summary>Judges <paramref name="package"/> (disposed here) as Lambda would run it under <paramref name="target"/>.</summary>
    public async Task<Report> InspectAsync(IRangeSource package, FunctionTarget target, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(package);
        ArgumentNullException.ThrowIfNull(target);
        var sources = new List<IRangeSource> { package };
        try
        {
            var layers = new List<IRangeSource>();
            foreach (var layerArn in target.LayerArns)
            {
                var content = await lambda.GetLayerVersionByArnAsync(layerArn, cancellationToken).ConfigureAwait(false);
                if (content.Location is not { } layerLocation || !Uri.TryCreate(layerLocation, UriKind.Absolute, out var layerUri))
                {
                    throw new PackageUnavailableException($"GetLayerVersionByArn gave no usable Content.Location for {layerArn}");
                }

                var source = packages.Open(layerUri);
                sources.Add(source);
                layers.Add(source);
            }

            var architecture = ArchitectureNames.TryParse(target.Architectures.Count > 0 ? target.Architectures[0] : null, out var parsed) ? parsed : Architecture.X8664;
            return await inspector.InspectAsync(
                new InspectionRequest(package, target.Runtime, architecture, layers, target.Handler, target.CodeSha256, placeholderSha256),
                cancellationToken).ConfigureAwait(false);
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
