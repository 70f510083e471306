using System.Text.RegularExpressions;
using Guard.Cli.Apps.Templates;

namespace Guard.Cli.Apps.Sources;

/// <summary>
/// A <c>cdk.out</c> stack's function in the CDK app: the assembly manifest lists, per construct path, an
/// <c>aws:cdk:logicalId</c> entry whose <c>data</c> is the logical id and, when the app was synthesized with stack
/// traces (<c>cdk synth --debug</c>, or <c>CDK_DEBUG=true</c>), a <c>trace</c> of where the construct was made: its
/// first frame outside <c>node_modules</c> is the line that wrote the function. Without a trace no file names the
/// function and its construct path does.
/// </summary>
internal sealed partial class CdkSourceLocator(string stackTemplate) : ISourceLocator
{
    private const string LogicalIdEntry = "aws:cdk:logicalId";

    /// <summary>cdk.json sits at the app's root; a cloud assembly (or a Stage's, nested in it) is a few folders below.</summary>
    private const int MaxLevelsToApp = 4;

    private readonly Lazy<Dictionary<string, SourceSpot>> _byLogicalId = new(() => Read(stackTemplate));

    public SourceSpot? Locate(FunctionOrigin function) => _byLogicalId.Value.GetValueOrDefault(function.LogicalId);

    private static Dictionary<string, SourceSpot> Read(string stackTemplate)
    {
        var found = new Dictionary<string, SourceSpot>(StringComparer.Ordinal);
        var assembly = Path.GetDirectoryName(stackTemplate) ?? "";
        var manifestFile = Path.Combine(assembly, AppFolder.CdkManifest);
        MappingNode? stack;
        try
        {
            stack = (TemplateFile.Read(manifestFile) as MappingNode)?["artifacts"] is MappingNode artifacts
                ? artifacts.Distinct.Select(a => a.Value as MappingNode).FirstOrDefault(a =>
                    (a?["properties"] as MappingNode)?["templateFile"] is ScalarNode { } file && file.Value == Path.GetFileName(stackTemplate))
                : null;
        }
        catch (TemplateFormatException)
        {
            return found;
        }

        var app = AppFolderOf(assembly);
        foreach (var entry in (stack?["metadata"] as MappingNode)?.Distinct ?? [])
        {
            foreach (var item in (entry.Value as SequenceNode)?.Items.OfType<MappingNode>() ?? [])
            {
                if (item["type"] is ScalarNode { Value: LogicalIdEntry } && item["data"] is ScalarNode { IsNull: false } logicalId)
                {
                    var constructPath = entry.Key.TrimStart('/');
                    found[logicalId.Value] = FirstAppFrame(item["trace"] as SequenceNode, app) is { } frame
                        ? frame with { ConstructPath = constructPath }
                        : new SourceSpot(null, 0, 0, constructPath);
                }
            }
        }

        return found;
    }

    /// <summary>The folder holding cdk.json above the assembly, else the assembly's parent.</summary>
    private static string AppFolderOf(string assembly)
    {
        var folder = assembly;
        for (var level = 0; level < MaxLevelsToApp; level++)
        {
            folder = SourceLocators.ProjectOf(folder);
            if (File.Exists(Path.Combine(folder.Length == 0 ? "." : folder, "cdk.json")))
            {
                return folder;
            }
        }

        return SourceLocators.ProjectOf(assembly);
    }

    private static SourceSpot? FirstAppFrame(SequenceNode? trace, string app)
    {
        foreach (var frame in trace?.Items.OfType<ScalarNode>() ?? [])
        {
            if (Frame().Match(frame.Value) is not { Success: true } match)
            {
                continue;
            }

            var file = match.Groups["file"].Value.Replace('\\', '/');
            if (file.Contains("/node_modules/", StringComparison.Ordinal) || file.StartsWith("node:", StringComparison.Ordinal))
            {
                continue;
            }

            return InApp(file, app) is { } local
                ? new SourceSpot(local, int.Parse(match.Groups["line"].Value, System.Globalization.CultureInfo.InvariantCulture), int.Parse(match.Groups["column"].Value, System.Globalization.CultureInfo.InvariantCulture))
                : null;
        }

        return null;
    }

    /// <summary>
    /// The traced file as a path in the app folder. The trace holds the path where synth ran, which may be another
    /// machine's checkout: then the longest tail of it that exists in the app folder is the file.
    /// </summary>
    private static string? InApp(string tracedFile, string app)
    {
        var appFull = Path.GetFullPath(app.Length == 0 ? "." : app).Replace('\\', '/').TrimEnd('/') + "/";
        if (tracedFile.StartsWith(appFull, StringComparison.Ordinal))
        {
            return Path.Combine(app, tracedFile[appFull.Length..]);
        }

        var parts = tracedFile.Split('/', StringSplitOptions.RemoveEmptyEntries);
        for (var skip = 1; skip < parts.Length; skip++)
        {
            var tail = Path.Combine(parts[skip..]);
            if (File.Exists(Path.Combine(app, tail)))
            {
                return Path.Combine(app, tail);
            }
        }

        return null;
    }

    /// <summary>A V8 stack frame's place, <c>… (/app/lib/stack.ts:12:5)</c> or <c>at /app/bin/app.js:3:1</c>.</summary>
    [GeneratedRegex(@"\(?(?<file>(?:[A-Za-z]:)?[^():\s]+):(?<line>\d+):(?<column>\d+)\)?\s*$", RegexOptions.CultureInvariant)]
    private static partial Regex Frame();
}
