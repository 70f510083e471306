namespace Guard.Cli.Apps.Templates;

/// <summary>
/// SAM: a function's <c>CodeUri</c> (a local folder or zip, <c>s3://</c>, or <c>{Bucket, Key, Version}</c>),
/// <c>InlineCode</c> or <c>ImageUri</c>; a layer's <c>ContentUri</c>. A resource built by <c>sam build</c>
/// (<c>Metadata.BuildMethod</c>) has its source there, not its package: that is <c>.aws-sam/build/&lt;LogicalId&gt;</c>.
/// </summary>
internal sealed class SamCodeLocator : ICodeLocator
{
    public static readonly SamCodeLocator Instance = new();

    public CodeLocation? Locate(CodeResource resource, TemplateContext template) =>
        resource.IsLayer ? Layer(resource, template) : Function(resource, template);

    private static CodeLocation Function(CodeResource resource, TemplateContext template)
    {
        var properties = resource.Properties;
        if (properties["InlineCode"] is not null)
        {
            return new CodeLocation(CodeKind.Inline, "", "InlineCode");
        }

        if (properties["ImageUri"] is { } imageUri)
        {
            return template.Image(imageUri, "ImageUri");
        }

        var codeUri = properties["CodeUri"];
        if (codeUri is not null && template.Evaluator.Evaluate(codeUri) is MappingNode location)
        {
            return template.S3(location, "Bucket", "Key", "Version");
        }

        // SAM CLI's default when CodeUri is absent is the template's folder.
        var path = codeUri is null ? "." : template.Evaluator.EvaluateString(codeUri);
        return template.BuildsFromSource(resource, path) ? template.Built(resource, path, "function") : template.Local(path, "CodeUri");
    }

    private static CodeLocation? Layer(CodeResource resource, TemplateContext template)
    {
        if (resource.Properties["ContentUri"] is not { } content)
        {
            return null;
        }

        var value = template.Evaluator.Evaluate(content);
        if (value is MappingNode location)
        {
            return template.S3(location, "Bucket", "Key", "Version");
        }

        var path = template.Evaluator.EvaluateString(value);
        return template.BuildsFromSource(resource, path) ? template.Built(resource, path, "layer") : template.Local(path, "ContentUri");
    }
}
