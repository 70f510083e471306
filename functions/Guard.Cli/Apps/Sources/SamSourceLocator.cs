using System.Text.RegularExpressions;
using Guard.Cli.Apps.Templates;

namespace Guard.Cli.Apps.Sources;

/// <summary>
/// <c>sam build</c> copies the project's template to <c>.aws-sam/build/template.yaml</c> with CodeUri pointing at the
/// built folders; every resource keeps its logical id. The project's template is the one <c>samconfig.toml</c>'s
/// <c>template_file</c> names, else the first of SAM CLI's defaults (<c>template.yaml</c>, <c>template.yml</c>,
/// <c>template.json</c>) beside <c>.aws-sam</c>.
/// </summary>
internal sealed partial class SamSourceLocator(string builtTemplate) : ISourceLocator
{
    private static readonly string[] DefaultNames = ["template.yaml", "template.yml", "template.json"];

    private readonly Lazy<string?> _source = new(() => SourceTemplate(builtTemplate));

    /// <summary>A template directly in <c>.aws-sam/build/</c>.</summary>
    public static bool IsBuiltTemplate(string templateFile)
    {
        var folder = Path.GetFullPath(Path.GetDirectoryName(templateFile) is { Length: > 0 } d ? d : ".").Replace('\\', '/');
        return folder.EndsWith("/.aws-sam/build", StringComparison.Ordinal);
    }

    public SourceSpot? Locate(FunctionOrigin function) =>
        _source.Value is { } source ? SourceLocators.KeyIn(source, "Resources", key => key == function.LogicalId) : null;

    private static string? SourceTemplate(string builtTemplate)
    {
        var project = SourceLocators.ProjectOf(SourceLocators.ProjectOf(Path.GetDirectoryName(builtTemplate)!));
        var samconfig = Path.Combine(project, "samconfig.toml");
        if (File.Exists(samconfig) && TemplateFileSetting().Match(File.ReadAllText(samconfig)) is { Success: true } setting)
        {
            var named = Path.Combine(project, setting.Groups["file"].Value);
            if (File.Exists(named))
            {
                return named;
            }
        }

        return DefaultNames.Select(name => Path.Combine(project, name)).FirstOrDefault(File.Exists);
    }

    /// <summary><c>template_file = "infra/template.yaml"</c> in any of samconfig.toml's tables (sam reads it per command and environment).</summary>
    [GeneratedRegex("""^\s*template_file\s*=\s*["'](?<file>[^"']+)["']""", RegexOptions.Multiline | RegexOptions.CultureInvariant)]
    private static partial Regex TemplateFileSetting();
}
