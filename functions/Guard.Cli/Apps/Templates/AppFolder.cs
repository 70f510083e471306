using Guard.Inspection.Reading;

namespace Guard.Cli.Apps.Templates;

/// <summary>One template of an app folder, and where the tool that wrote it left the code.</summary>
internal sealed record AppTemplate(string TemplateFile, ICodeLocator Tool);

/// <summary>
/// Folders that are apps, not packages: a CDK cloud assembly (<c>manifest.json</c>) and a Serverless Framework
/// package folder (<c>cloudformation-template-update-stack.json</c>).
/// </summary>
internal static class AppFolder
{
    public const string CdkManifest = "manifest.json";
    public const string ServerlessTemplate = "cloudformation-template-update-stack.json";
    public const string StackArtifact = "aws:cloudformation:stack";
    /// <summary>A CDK Stage's own assembly, in a subfolder (cloud assembly schema: <c>ArtifactType.NESTED_CLOUD_ASSEMBLY</c>).</summary>
    public const string NestedAssemblyArtifact = "cdk:cloud-assembly";

    /// <summary>Stages within stages nest this deep at most; a manifest that loops or nests further is refused.</summary>
    private const int MaxAssemblyDepth = 8;

    /// <summary>
    /// A local folder holding a cloud assembly manifest or a Serverless template. A package folder that happens to
    /// hold a <c>manifest.json</c> stays a package unless that file has a cloud assembly's <c>version</c> and <c>artifacts</c>.
    /// </summary>
    public static bool IsAppFolder(string argument) =>
        !argument.Contains("://", StringComparison.Ordinal) && Directory.Exists(argument) &&
        (File.Exists(Path.Combine(argument, ServerlessTemplate)) || IsCloudAssembly(argument));

    /// <summary>
    /// The templates to read: for a cloud assembly, its stacks in the manifest's order, each Stage's nested assembly
    /// (a <c>cdk:cloud-assembly</c> artifact's <c>directoryName</c>) read in turn where the manifest lists it. A stage's
    /// templates name their assets relative to their own folder (<c>../asset.HASH</c>), so they resolve as they are.
    /// </summary>
    /// <exception cref="TemplateFormatException">The manifest cannot be read, or lists no stacks.</exception>
    public static IReadOnlyList<AppTemplate> Templates(string folder)
    {
        var serverless = Path.Combine(folder, ServerlessTemplate);
        if (File.Exists(serverless))
        {
            return [new AppTemplate(serverless, ServerlessFrameworkLocator.ForFolder(folder))];
        }

        var templates = new List<AppTemplate>();
        AddAssembly(folder, folder, 0, templates);
        return templates;
    }

    private static void AddAssembly(string root, string folder, int depth, List<AppTemplate> templates)
    {
        var manifestFile = Path.Combine(folder, CdkManifest);
        if (TemplateFile.Read(manifestFile) is not MappingNode manifest || manifest["artifacts"] is not MappingNode artifacts)
        {
            throw new TemplateFormatException(manifestFile, 1, 1, "no artifacts: not a CDK cloud assembly manifest");
        }

        var found = templates.Count;
        foreach (var artifact in artifacts.Distinct)
        {
            if (artifact.Value is MappingNode nested && nested["type"] is ScalarNode { Value: NestedAssemblyArtifact })
            {
                AddNestedAssembly(root, folder, depth, manifestFile, artifact.Key, artifact.KeyLine, artifact.KeyColumn, nested, templates);
                continue;
            }

            if (artifact.Value is not MappingNode body || body["type"] is not ScalarNode { Value: StackArtifact })
            {
                continue;
            }

            if ((body["properties"] as MappingNode)?["templateFile"] is not ScalarNode { IsNull: false } templateFile)
            {
                throw new TemplateFormatException(manifestFile, artifact.KeyLine, artifact.KeyColumn, $"the stack {artifact.Key} has no properties.templateFile");
            }

            templates.Add(new AppTemplate(Path.Combine(folder, templateFile.Value), CdkAssetLocator.Instance));
        }

        if (templates.Count == found)
        {
            throw new TemplateFormatException(manifestFile, artifacts.Line, artifacts.Column, $"no {StackArtifact} artifacts: the assembly has no stack templates to check, in it or in a stage's {NestedAssemblyArtifact}");
        }
    }

    private static void AddNestedAssembly(
        string root, string folder, int depth, string manifestFile, string name, int line, int column, MappingNode artifact, List<AppTemplate> templates)
    {
        if ((artifact["properties"] as MappingNode)?["directoryName"] is not ScalarNode { IsNull: false } directoryName)
        {
            throw new TemplateFormatException(manifestFile, line, column, $"the nested assembly {name} has no properties.directoryName");
        }

        // Paths stay as the user gave the folder (reports and SARIF name them relative); only the containment test is absolute.
        var nested = Path.Combine(folder, directoryName.Value);
        if (!Path.GetFullPath(nested).StartsWith(Path.GetFullPath(root) + Path.DirectorySeparatorChar, StringComparison.Ordinal) || depth + 1 > MaxAssemblyDepth)
        {
            throw new TemplateFormatException(manifestFile, line, column, $"the nested assembly {name} ({directoryName.Value}) is outside the assembly or nested more than {MaxAssemblyDepth} deep");
        }

        AddAssembly(root, nested, depth + 1, templates);
    }

    private static bool IsCloudAssembly(string folder)
    {
        var manifest = Path.Combine(folder, CdkManifest);
        if (!File.Exists(manifest))
        {
            return false;
        }

        // Not read (that would block or never end), and not a package folder either: reading it as the app says why.
        if (LocalFileKind.IsSpecial(manifest))
        {
            return true;
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
