namespace Guard.Cli.Apps.Templates;

/// <summary>
/// The Serverless Framework's <c>.serverless/cloudformation-template-update-stack.json</c>: <c>Code.S3Key</c> is
/// <c>serverless/SERVICE/STAGE/TIMESTAMP/NAME.zip</c>, and serverless package left <c>NAME.zip</c> beside the
/// template. Says nothing when there is no literal S3Key.
/// </summary>
internal sealed class ServerlessFrameworkLocator : ICodeLocator
{
    public static readonly ServerlessFrameworkLocator Instance = new();

    public CodeLocation? Locate(CodeResource resource, TemplateContext template)
    {
        if (resource.Type != AppPlanner.LambdaFunction ||
            resource.Properties["Code"] is not MappingNode code ||
            code["S3Key"] is not { } keyNode ||
            template.StringOrNull(keyNode) is not { Length: > 0 } key)
        {
            return null;
        }

        var name = key[(key.LastIndexOf('/') + 1)..];
        var resolved = template.Resolve(name);
        return File.Exists(resolved)
            ? new CodeLocation(CodeKind.Package, resolved, resolved)
            : new CodeLocation(
                CodeKind.Missing,
                resolved,
                resolved,
                $"the package {name} of {resource.LogicalId} (Code.S3Key {key}) is not in the Serverless folder (looked for {resolved})",
                "run serverless package again: it writes each zip beside cloudformation-template-update-stack.json");
    }
}
