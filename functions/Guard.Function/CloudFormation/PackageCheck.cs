using Guard.Aws;
using Guard.Aws.Functions;
using Guard.Inspection;
using Guard.Inspection.Images;
using Guard.Inspection.Reading;
using Guard.Inspection.Reporting;
using Guard.Inspection.Rules;

namespace Guard.Function.CloudFormation;

/// <summary>
/// A package CloudFormation is about to deploy (an S3 object), or one already on a function, and the facts
/// to judge it against. Null facts come from the function (<see cref="FunctionName"/>) or Lambda's defaults.
/// </summary>
/// <param name="Code">The package in S3; null when <see cref="FunctionName"/> or <see cref="ImageUri"/> is given.</param>
/// <param name="FunctionName">A deployed function whose current code is checked.</param>
/// <param name="Layers">Layer-version ARNs in configuration order; null keeps a function's own layers.</param>
/// <param name="ImageUri">A container image about to be deployed (<c>Code.ImageUri</c>), judged by the image engine.</param>
/// <param name="ImageConfig">The function's ImageConfig over the image's own ENTRYPOINT, CMD and WORKDIR; null keeps a deployed function's own.</param>
public sealed record PackageToCheck(
    PackageLocation.S3Object? Code,
    string? FunctionName,
    string? Runtime,
    Architecture? Architecture,
    IReadOnlyList<string>? Layers,
    string? Handler,
    Guard.Inspection.FunctionEnvironment? Environment = null,
    string? ImageUri = null,
    FunctionImageConfig? ImageConfig = null)
{
    public const string InlineCodeName = "inline ZipFile code";

    /// <summary>Inline <c>ZipFile</c> code, with neither <see cref="Code"/> nor <see cref="FunctionName"/>: only a managed
    /// runtime's layers are judged.</summary>
    public bool InlineCode { get; init; }

    /// <summary>How messages name what is checked: the S3 object, the image, inline code, or the function.</summary>
    public string DisplayName => Code?.DisplayName ?? ImageUri ?? (InlineCode ? InlineCodeName : $"function {FunctionName}");
}

/// <summary>
/// The check both CloudFormation edges run (the custom resource and the hook): a package about to be deployed (an S3
/// object), an image about to be deployed, or the code already on a function, judged through
/// <see cref="DeployedFunctionInspector"/> under the facts the template gives, the function's own filling the gaps. Failures to fetch propagate
/// (<see cref="PackageUnavailableException"/>, <see cref="Guard.Aws.Http.AwsServiceException"/>): the caller
/// turns them into an answer CloudFormation understands.
/// </summary>
public sealed class PackageCheck(DeployedFunctionInspector functions, IS3PackageOpener s3)
{
    public async Task<FunctionInspection> CheckAsync(PackageToCheck target, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(target);
        if (target.ImageUri is { } image)
        {
            // An image brings its own runtime and takes no layers: the CPU it runs on and the ImageConfig are its facts.
            var imageFacts = new FunctionTarget("", [(target.Architecture ?? Architecture.X8664).ToApiName()], [], null, CodeSha256: null)
            {
                ImageConfig = target.ImageConfig,
            };
            return await functions.InspectImageAsync(image, imageFacts, cancellationToken).ConfigureAwait(false);
        }

        if (target.Code is not null || target.InlineCode)
        {
            var facts = new FunctionTarget(
                target.Runtime ?? "",
                [(target.Architecture ?? Architecture.X8664).ToApiName()],
                target.Layers ?? [],
                target.Handler,
                CodeSha256: null,
                target.Environment);
            // A managed runtime's code is not judged: its object is not even opened.
            var package = target.Code is not { } code ? new UnreadPackage(PackageToCheck.InlineCodeName)
                : FunctionEligibility.IsJudgedByLayersAlone(facts.Runtime, functions.Runtimes) ? new UnreadPackage(code.DisplayName)
                : s3.Open(code);
            return await functions.InspectAsync(package, facts, cancellationToken).ConfigureAwait(false);
        }

        var name = target.FunctionName ?? throw new ArgumentException("a package to check names an S3 object or a function", nameof(target));
        var (function, inspection) = await functions.InspectAsync(
            name,
            own => own with
            {
                Runtime = target.Runtime ?? own.Runtime,
                Architectures = target.Architecture is { } architecture ? [architecture.ToApiName()] : own.Architectures,
                LayerArns = target.Layers ?? own.LayerArns,
                Handler = target.Handler ?? own.Handler,
                ImageConfig = target.ImageConfig ?? own.ImageConfig,
            },
            cancellationToken).ConfigureAwait(false);
        return inspection.Report is null
            ? FunctionInspection.NotChecked($"{function.Configuration.FunctionName}: {inspection.NotCheckedBecause}")
            : inspection;
    }
}
