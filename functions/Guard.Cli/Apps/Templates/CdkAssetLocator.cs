namespace Guard.Cli.Apps.Templates;

/// <summary>
/// A stack template of a CDK cloud assembly (<c>cdk.out/</c>): a function's Code and a LayerVersion's Content name the
/// bootstrap bucket (Fn::Sub over AWS::AccountId, not a value before deploy), and the resource's
/// <c>Metadata: { "aws:asset:path": "asset.HASH", "aws:asset:property": "Code" }</c> (<c>"Content"</c> for a layer)
/// the folder or zip cdk synth staged in the assembly (the template's folder). Says nothing when the code is not an asset.
/// An image asset (<c>"aws:asset:property": "Code.ImageUri"</c>) is a Docker build context: cdk deploy builds and
/// pushes it, so before that there is no image to read.
/// </summary>
internal sealed class CdkAssetLocator : ICodeLocator
{
    public static readonly CdkAssetLocator Instance = new();

    public CodeLocation? Locate(CodeResource resource, TemplateContext template)
    {
        if (resource.Type == AppPlanner.LambdaFunction &&
            resource.Metadata?["aws:asset:property"] is ScalarNode { Value: "Code.ImageUri" } &&
            resource.Metadata["aws:asset:path"] is ScalarNode { IsNull: false } imageAsset)
        {
            return new CodeLocation(
                CodeKind.Image,
                "",
                template.Resolve(imageAsset.Value),
                $"not checked: the CDK image asset {imageAsset.Value} is built and pushed by cdk deploy; the image is not reachable before",
                "build the image first (cdk deploy pushes it), then guard check REGISTRY/REPOSITORY:TAG");
        }

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
