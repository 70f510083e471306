namespace Guard.Cli.Apps.Templates;

/// <summary>
/// CloudFormation: a function's <c>Code</c> as <c>{S3Bucket, S3Key, S3ObjectVersion}</c>, <c>{ZipFile}</c>,
/// <c>{ImageUri}</c>, or (before <c>aws cloudformation package</c>) a local path; a layer's <c>Content</c> likewise
/// (S3 or a local path; sam build builds one with <c>Metadata.BuildMethod</c> too).
/// </summary>
internal sealed class CloudFormationCodeLocator : ICodeLocator
{
    public static readonly CloudFormationCodeLocator Instance = new();

    public CodeLocation? Locate(CodeResource resource, TemplateContext template) =>
        resource.IsLayer ? Layer(resource, template) : Function(resource, template);

    private static CodeLocation? Function(CodeResource resource, TemplateContext template)
    {
        if (resource.Properties["Code"] is not { } code)
        {
            return null;
        }

        if (template.Evaluator.Evaluate(code) is MappingNode location)
        {
            return location["ZipFile"] is not null ? new CodeLocation(CodeKind.Inline, "", "Code.ZipFile")
                : location["ImageUri"] is { } imageUri ? template.Image(imageUri, "Code.ImageUri")
                : template.S3(location, "S3Bucket", "S3Key", "S3ObjectVersion");
        }

        return template.Local(template.Evaluator.EvaluateString(code), "Code");
    }

    private static CodeLocation? Layer(CodeResource resource, TemplateContext template)
    {
        if (resource.Properties["Content"] is not { } content)
        {
            return null;
        }

        var value = template.Evaluator.Evaluate(content);
        if (value is MappingNode location)
        {
            return template.S3(location, "S3Bucket", "S3Key", "S3ObjectVersion");
        }

        var path = template.Evaluator.EvaluateString(value);
        return template.BuildsFromSource(resource, path) ? template.Built(resource, path, "layer") : template.Local(path, "Content");
    }
}
