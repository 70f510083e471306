namespace Guard.Cli.Apps.Templates;

/// <summary>Where a template's function code is, beyond what its Code and CodeUri say.</summary>
internal enum AppLayout
{
    /// <summary>A SAM or CloudFormation template: code paths are in the template, relative to its folder.</summary>
    Template,

    /// <summary>
    /// A stack template of a CDK cloud assembly (<c>cdk.out/</c>): Code names the bootstrap bucket, and the resource's
    /// <c>Metadata["aws:asset:path"]</c> the asset cdk synth staged beside the template.
    /// </summary>
    CdkAssembly,

    /// <summary>
    /// The Serverless Framework's <c>.serverless/cloudformation-template-update-stack.json</c>: Code.S3Key names the
    /// deployment bucket's key, whose file name is the zip <c>serverless package</c> left beside the template.
    /// </summary>
    Serverless,
}

/// <summary>One template of an app folder and how its code is found.</summary>
internal sealed record AppTemplate(string TemplateFile, AppLayout Layout);

/// <summary>
/// Folders that are apps, not packages: a CDK cloud assembly (<c>manifest.json</c>) and a Serverless Framework
/// package folder (<c>cloudformation-template-update-stack.json</c>).
/// </summary>
internal static class AppFolder
{
    public const string CdkManifest = "manifest.json";
    public const string ServerlessTemplate = "cloudformation-template-update-stack.json";
    public const string StackArtifact = "aws:cloudformation:stack";
    public const string NestedAssemblyArtifact = "aws:cloud-assembly";

    /// <summary>
    /// A local folder holding a cloud assembly manifest or a Serverless template. A package folder that happens to
    /// hold a <c>manifest.json</c> stays a package unless that file has a cloud assembly's <c>version</c> and <c>artifacts</c>.
    /// </summary>
    public static bool IsAppFolder(string argument) =>
        !argument.Contains("://", StringComparison.Ordinal) && Directory.Exists(argument) &&
        (File.Exists(Path.Combine(argument, ServerlessTemplate)) || IsCloudAssembly(argument));

    /// <summary>The templates to read, in the manifest's order for a cloud assembly.</summary>
    /// <exception cref="TemplateFormatException">The manifest cannot be read, or lists no stacks.</exception>
    public static IReadOnlyList<AppTemplate> Templates(string folder)
    {
        var serverless = Path.Combine(folder, ServerlessTemplate);
        if (File.Exists(serverless))
        {
            return [new AppTemplate(serverless, AppLayout.Serverless)];
        }

        var manifestFile = Path.Combine(folder, CdkManifest);
        if (TemplateFile.Read(manifestFile) is not MappingNode manifest || manifest["artifacts"] is not MappingNode artifacts)
        {
            throw new TemplateFormatException(manifestFile, 1, 1, "no artifacts: not a CDK cloud assembly manifest");
        }

        var templates = new List<AppTemplate>();
        foreach (var artifact in artifacts.Distinct)
        {
            if (artifact.Value is not MappingNode body || body["type"] is not ScalarNode { Value: StackArtifact })
            {
                continue;
            }

            if ((body["properties"] as MappingNode)?["templateFile"] is not ScalarNode { IsNull: false } templateFile)
            {
                throw new TemplateFormatException(manifestFile, artifact.KeyLine, artifact.KeyColumn, $"the stack {artifact.Key} has no properties.templateFile");
            }

            templates.Add(new AppTemplate(Path.Combine(folder, templateFile.Value), AppLayout.CdkAssembly));
        }

        if (templates.Count == 0)
        {
            throw new TemplateFormatException(manifestFile, artifacts.Line, artifacts.Column, $"no {StackArtifact} artifacts: the assembly has no stack templates to check (nested {NestedAssemblyArtifact} assemblies are not read)");
        }

        return templates;
    }

    private static bool IsCloudAssembly(string folder)
    {
        var manifest = Path.Combine(folder, CdkManifest);
        if (!File.Exists(manifest))
        {
            return false;
        }

        try
        {
            return TemplateFile.Read(manifest) is MappingNode root && root["version"] is ScalarNode && root["artifacts"] is MappingNode;
        }
        catch (TemplateFormatException)
        {
            return false;
        }
    }
}
