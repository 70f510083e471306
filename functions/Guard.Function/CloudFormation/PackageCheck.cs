using Guard.Aws;
using Guard.Aws.Functions;
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
    string? Handler,
    Guard.Inspection.FunctionEnvironment? Environment = null)
{
    public const string InlineCodeName = "inline ZipFile code";

    /// <summary>Inline <c>ZipFile</c> code, with neither <see cref="Code"/> nor <see cref="FunctionName"/>: only a managed
    /// runtime's layers are judged.</summary>
    public bool InlineCode { get; init; }
}

/// <summary>
/// The check both CloudFormation edges run (the custom resource and the hook): a package about to be deployed (an S3
/// object) or the code already on a function, judged through <see cref="DeployedFunctionInspector"/> under the facts
/// the template gives, the function's own filling the gaps. Failures to fetch propagate
/// (<see cref="PackageUnavailableException"/>, <see cref="Guard.Aws.Http.AwsServiceException"/>): the caller
/// turns them into an answer CloudFormation understands.
/// </summary>
public sealed class PackageCheck(DeployedFunctionInspector functions, IS3PackageOpener s3)
{
    public async Task<FunctionInspection> CheckAsync(PackageToCheck target, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(target);
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
            },
            cancellationToken).ConfigureAwait(false);
        return inspection.Report is null
            ? FunctionInspection.NotChecked($"{function.Configuration.FunctionName}: {inspection.NotCheckedBecause}")
            : inspection;
    }
}
