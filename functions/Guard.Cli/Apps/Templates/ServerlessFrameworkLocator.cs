using System.Text.Json;

namespace Guard.Cli.Apps.Templates;

/// <summary>
/// The Serverless Framework's <c>.serverless/cloudformation-template-update-stack.json</c>. A function's
/// <c>Code.S3Key</c> and a layer's <c>Content.S3Key</c> are <c>serverless/SERVICE/STAGE/TIMESTAMP/NAME.zip</c>, and the
/// zip is either one <c>serverless package</c> wrote beside the template as <c>NAME.zip</c>, or the user's own
/// <c>package.artifact</c> (of the function, of the layer, or of the whole service), which the Framework uploads from
/// where it is without copying it: only <c>serverless-state.json</c> names that path, relative to the service folder
/// (the parent of <c>.serverless/</c>). Says nothing when there is no literal S3Key.
/// </summary>
/// <remarks>
/// The state file is the Framework's own <c>service</c> object (v3's <c>save-service-state.js</c>): functions under
/// <c>service.functions.NAME.package.artifact</c>, layers under <c>service.layers.NAME.package.artifact</c>, the service's
/// under <c>service.initialServerlessConfig.package.artifact</c>; objects met twice are written once and then as
/// <c>{"$ref": "$[\"service\"][…]"}</c> (json-cycle). A resource is matched by the logical id the Framework gave it
/// (<c>naming.js</c>: <c>getLambdaLogicalId</c>, <c>getLambdaLayerLogicalId</c>).
/// </remarks>
internal sealed class ServerlessFrameworkLocator : ICodeLocator
{
    public const string StateFile = "serverless-state.json";

    /// <summary><c>$ref</c> chains (a reference to a reference) end here at most.</summary>
    private const int MaxReferenceHops = 16;

    private readonly string _serviceFolder;
    private readonly IReadOnlyDictionary<string, string> _artifacts;
    private readonly string? _serviceArtifact;
    private readonly string? _stateProblem;

    private ServerlessFrameworkLocator(string serviceFolder, IReadOnlyDictionary<string, string> artifacts, string? serviceArtifact, string? stateProblem)
    {
        _serviceFolder = serviceFolder;
        _artifacts = artifacts;
        _serviceArtifact = serviceArtifact;
        _stateProblem = stateProblem;
    }

    /// <summary>The locator for a package folder: its <c>serverless-state.json</c> read now, if it has one.</summary>
    public static ServerlessFrameworkLocator ForFolder(string folder)
    {
        var trimmed = folder.TrimEnd('/', '\\');
        var parent = Path.GetDirectoryName(trimmed);
        // ".serverless" has the working folder as its parent; "." and ".." name theirs only in full.
        var serviceFolder = parent is null || Path.GetFileName(trimmed) is "." or ".." or "" ? Path.GetDirectoryName(Path.GetFullPath(trimmed)) ?? "/" : parent;
        var stateFile = Path.Combine(folder, StateFile);
        if (!File.Exists(stateFile))
        {
            return new(serviceFolder, new Dictionary<string, string>(), null, null);
        }

        try
        {
            var root = TemplateFile.Read(stateFile);
            var service = Follow(root, (root as MappingNode)?["service"]) as MappingNode;
            var artifacts = new Dictionary<string, string>(StringComparer.Ordinal);
            AddArtifacts(root, service?["functions"], "LambdaFunction", artifacts);
            AddArtifacts(root, service?["layers"], "LambdaLayer", artifacts);
            var initial = Follow(root, service?["initialServerlessConfig"]) as MappingNode;
            var servicePackage = Follow(root, initial?["package"]) as MappingNode;
            return new(serviceFolder, artifacts, Artifact(root, servicePackage), null);
        }
        catch (TemplateFormatException e)
        {
            return new(serviceFolder, new Dictionary<string, string>(), null, $"{StateFile} could not be read ({e.Message})");
        }
    }

    public CodeLocation? Locate(CodeResource resource, TemplateContext template)
    {
        var property = resource.Type switch
        {
            AppPlanner.LambdaFunction => "Code",
            AppPlanner.LambdaLayer => "Content",
            _ => null,
        };
        if (property is null ||
            resource.Properties[property] is not MappingNode code ||
            code["S3Key"] is not { } keyNode ||
            template.StringOrNull(keyNode) is not { Length: > 0 } key)
        {
            return null;
        }

        var name = key[(key.LastIndexOf('/') + 1)..];
        var beside = template.Resolve(name);
        var artifact = _artifacts.TryGetValue(resource.LogicalId, out var own) ? own : resource.IsLayer ? null : _serviceArtifact;
        if (artifact is not null && Path.GetFileName(artifact) == name)
        {
            return Artifact(resource, artifact, beside, template);
        }

        if (File.Exists(beside))
        {
            return new CodeLocation(CodeKind.Package, beside, beside);
        }

        return new CodeLocation(
            CodeKind.Missing,
            beside,
            beside,
            $"the package {name} of {resource.LogicalId} ({property}.S3Key {key}) is not in the Serverless folder (looked for {beside})" +
                (_stateProblem is null ? "" : $", and its package.artifact is not known: {_stateProblem}"),
            "run serverless package again: it writes each zip it builds beside cloudformation-template-update-stack.json, and names a package.artifact in serverless-state.json");
    }

    /// <summary>The user's package.artifact, as the Framework uploads it; an s3:// artifact is read from S3.</summary>
    private CodeLocation Artifact(CodeResource resource, string artifact, string beside, TemplateContext template)
    {
        if (artifact.StartsWith("s3://", StringComparison.Ordinal))
        {
            return new CodeLocation(CodeKind.Package, artifact, artifact);
        }

        var path = TemplateContext.ResolveUnder(_serviceFolder, artifact);
        if (File.Exists(path))
        {
            return new CodeLocation(CodeKind.Package, path, path);
        }

        // A zip the Framework built names its own .serverless/ in full: the folder was moved (a CI artifact), the zip with it.
        if (Path.IsPathRooted(artifact) && Path.GetFileName(Path.GetDirectoryName(artifact)) == ".serverless" && File.Exists(beside))
        {
            return new CodeLocation(CodeKind.Package, beside, beside);
        }

        return new CodeLocation(
            CodeKind.Missing,
            path,
            path,
            $"the package.artifact {artifact} of {resource.LogicalId} (serverless-state.json) does not exist (looked for {path}, relative to the service folder {TemplateContext.ResolveUnder("", _serviceFolder)})",
            "serverless package uploads a package.artifact from where it is, without a copy in .serverless/: build it first, and keep .serverless/ in the service folder (beside serverless.yml)");
    }

    private static void AddArtifacts(TemplateNode root, TemplateNode? node, string suffix, Dictionary<string, string> artifacts)
    {
        if (Follow(root, node) is not MappingNode named)
        {
            return;
        }

        foreach (var entry in named.Distinct)
        {
            if (Artifact(root, Follow(root, (Follow(root, entry.Value) as MappingNode)?["package"]) as MappingNode) is { } artifact)
            {
                artifacts[LogicalId(entry.Key) + suffix] = artifact;
            }
        }
    }

    private static string? Artifact(TemplateNode root, MappingNode? package) =>
        Follow(root, package?["artifact"]) is ScalarNode { IsNull: false, Value.Length: > 0 } artifact ? artifact.Value : null;

    /// <summary>naming.js <c>getNormalizedResourceName</c>: <c>-</c> as Dash, <c>_</c> as Underscore, the first letter upper case.</summary>
    internal static string LogicalId(string name)
    {
        var normalized = name.Replace("-", "Dash", StringComparison.Ordinal).Replace("_", "Underscore", StringComparison.Ordinal);
        return normalized.Length == 0 ? normalized : char.ToUpperInvariant(normalized[0]) + normalized[1..];
    }

    /// <summary>The node a json-cycle <c>{"$ref": "$[\"a\"][\"b\"]"}</c> stands for (the node itself when it is none); null when it leads nowhere.</summary>
    private static TemplateNode? Follow(TemplateNode root, TemplateNode? node)
    {
        for (var hop = 0; hop < MaxReferenceHops; hop++)
        {
            if (node is not MappingNode { Entries.Count: 1 } reference || reference["$ref"] is not ScalarNode { Value: ['$', ..] path })
            {
                return node;
            }

            node = Walk(root, path);
        }

        return null;
    }

    private static TemplateNode? Walk(TemplateNode root, string path)
    {
        var node = root;
        var at = 1;
        while (at < path.Length && node is not null)
        {
            // Each step is ["key"], the key a JSON string (json-cycle writes it with JSON.stringify), or [index].
            if (path[at] != '[' || at + 1 >= path.Length)
            {
                return null;
            }

            var end = path[at + 1] == '"' ? ClosingQuote(path, at + 2) + 1 : path.IndexOf(']', at);
            if (end <= at || end >= path.Length || path[end] != ']')
            {
                return null;
            }

            var step = path[(at + 1)..end];
            at = end + 1;
            if (step.StartsWith('"'))
            {
                node = (node as MappingNode)?[JsonKey(step) ?? ""];
            }
            else
            {
                node = int.TryParse(step, out var index) && node is SequenceNode { } sequence && index >= 0 && index < sequence.Items.Count ? sequence.Items[index] : null;
            }
        }

        return node;
    }

    private static string? JsonKey(string quoted)
    {
        try
        {
            using var key = JsonDocument.Parse(quoted);
            return key.RootElement.ValueKind == JsonValueKind.String ? key.RootElement.GetString() : null;
        }
        catch (JsonException)
        {
            return null;
        }
    }

    /// <summary>The index of the quote that ends a JSON string whose text starts at <paramref name="from"/>; past the end when there is none.</summary>
    private static int ClosingQuote(string path, int from)
    {
        for (var i = from; i < path.Length; i++)
        {
            if (path[i] == '\\')
            {
                i++;
            }
            else if (path[i] == '"')
            {
                return i;
            }
        }

        return path.Length;
    }
}
