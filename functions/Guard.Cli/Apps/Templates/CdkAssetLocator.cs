namespace Guard.Cli.Apps.Templates;

/// <summary>
/// A stack template of a CDK cloud assembly (<c>cdk.out/</c>): a function's Code and a LayerVersion's Content name the
/// bootstrap bucket (Fn::Sub over AWS::AccountId, not a value before deploy), and the resource's
/// <c>Metadata: { "aws:asset:path": "asset.HASH", "aws:asset:property": "Code" }</c> (<c>"Content"</c> for a layer)
/// the folder or zip cdk synth staged in the assembly (the template's folder). Says nothing when the code is not an asset.
/// </summary>
internal sealed class CdkAssetLocator : ICodeLocator
{
    public static readonly CdkAssetLocator Instance = new();

    public CodeLocation? Locate(CodeResource resource, TemplateContext template)
    {
        var property = resource.Type switch
        {
            AppPlanner.LambdaFunction => "Code",
            AppPlanner.LambdaLayer => "Content",
            _ => null,
        };
        if (property is null ||
            resource.Metadata is not { } metadata ||
            metadata["aws:asset:property"] is not ScalarNode { } assetProperty || assetProperty.Value != property ||
            metadata["aws:asset:path"] is not ScalarNode { IsNull: false } assetPath)
        {
            return null;
        }

        var resolved = template.Resolve(assetPath.Value);
        return File.Exists(resolved) || Directory.Exists(resolved)
            ? new CodeLocation(CodeKind.Package, resolved, resolved)
            : new CodeLocation(
                CodeKind.Missing,
                resolved,
                resolved,
                $"the CDK asset {assetPath.Value} of {resource.LogicalId} (Metadata aws:asset:path) does not exist (looked for {resolved})",
                "run cdk synth again: the assembly holds the assets it staged, and a copied cdk.out may have lost them");
    }
}
