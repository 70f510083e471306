using Guard.Aws;

namespace Guard.Cli;

/// <summary>One IAM action a command needs, and when it calls it.</summary>
internal sealed record Grant(string Action, string When);

/// <summary>
/// What <c>guard scan</c> and <c>guard migrate</c> call, by the names of <see cref="AwsActions"/>, each with the option that
/// makes the call: a policy for a read-only audit leaves out what only <c>--tag</c> or <c>--apply</c> needs. docs/cli.md
/// prints the same table, and tests hold both to the calls the commands make.
/// </summary>
internal static class CliPermissions
{
    public static IReadOnlyDictionary<string, IReadOnlyList<Grant>> ByCommand { get; } = new Dictionary<string, IReadOnlyList<Grant>>(StringComparer.Ordinal)
    {
        ["scan"] =
        [
            new(AwsActions.LambdaListFunctions, "always"),
            new(AwsActions.LambdaGetFunction, "always"),
            new(AwsActions.LambdaGetLayerVersion, "functions with layers"),
            new(AwsActions.EcrBatchGetImage, "container-image functions: the image's manifest"),
            new(AwsActions.EcrGetDownloadUrlForLayer, "container-image functions: the config and the layers a verdict needs"),
            new(AwsActions.LambdaListTags, "for the owner: without it GetFunction returns no tags, and no function shows a stack"),
            new(AwsActions.S3GetObjectVersion, "functions with S3ObjectStorageMode REFERENCE, on the object version each runs from (another account's bucket must grant it too); without it they are not checked"),
            new(AwsActions.LambdaTagResource, "only with --tag"),
            new(AwsActions.StsGetCallerIdentity, "only with --accounts or --organization"),
            new(AwsActions.OrganizationsListAccounts, "only with --organization"),
            new(AwsActions.StsAssumeRole, "only with --accounts or --organization, on the member role"),
        ],
        ["migrate"] =
        [
            new(AwsActions.LambdaGetFunction, "always"),
            new(AwsActions.LambdaListTags, "always: a function a stack owns is refused without --force"),
            new(AwsActions.LambdaGetLayerVersion, "functions with layers"),
            new(AwsActions.S3PutObject, "only with --apply, on the stage bucket"),
            new(AwsActions.S3GetObject, "only with --apply, on the stage bucket: Lambda reads the staged package with the caller's permissions"),
            new(AwsActions.LambdaUpdateFunctionCode, "only with --apply"),
            new(AwsActions.LambdaUpdateFunctionConfiguration, "only with --apply"),
        ],
    };
}
