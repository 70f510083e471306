using Guard.Cli.Apps.Templates;

namespace Guard.Cli.Apps.Sources;

/// <summary>Where a function is written in the code a person edits and commits, when the checked template was generated from it.</summary>
/// <param name="File">The source file, as a path beside the one the user gave (reports and SARIF name it relative); null when no file names it.</param>
/// <param name="ConstructPath">A CDK function's construct path (<c>OrdersStack/OrdersFunction/Resource</c>): its name in the app when no file is known.</param>
internal sealed record SourceSpot(string? File, int Line, int Column, string? ConstructPath = null);

/// <summary>
/// Finds a generated template's function in its source: <c>sam build</c>'s <c>.aws-sam/build/template.yaml</c> in the
/// project's template, <c>serverless package</c>'s <c>.serverless/</c> template in <c>serverless.yml</c>, a
/// <c>cdk.out</c> stack in the CDK app's code. Those generated folders are git-ignored, so code scanning cannot show
/// a result located there; the source can. One locator per dialect, each in its own file.
/// </summary>
internal interface ISourceLocator
{
    /// <returns>Null when the source cannot be found or does not name the function: the generated template stays the location.</returns>
    SourceSpot? Locate(FunctionOrigin function);
}

internal static class SourceLocators
{
    private sealed class None : ISourceLocator
    {
        public SourceSpot? Locate(FunctionOrigin function) => null;
    }

    /// <summary>The locator for a template written by <paramref name="tool"/> (null: sam build's, or one a person wrote, which finds nothing).</summary>
    public static ISourceLocator For(string templateFile, ICodeLocator? tool) => tool switch
    {
        ServerlessFrameworkLocator => new ServerlessSourceLocator(templateFile),
        CdkAssetLocator => new CdkSourceLocator(templateFile),
        _ when SamSourceLocator.IsBuiltTemplate(templateFile) => new SamSourceLocator(templateFile),
        _ => new None(),
    };

    /// <summary>The key's place among <paramref name="section"/>'s entries of <paramref name="file"/>, or null when the file cannot be read or has no such key.</summary>
    public static SourceSpot? KeyIn(string file, string section, Func<string, bool> matches)
    {
        if (!File.Exists(file))
        {
            return null;
        }

        try
        {
            if (TemplateFile.Read(file) is MappingNode root && root[section] is MappingNode entries &&
                entries.Entries.LastOrDefault(e => matches(e.Key)) is { } entry)
            {
                return new SourceSpot(file, entry.KeyLine, entry.KeyColumn);
            }
        }
        catch (TemplateFormatException)
        {
            // A source Guard cannot read (a tag it does not know, a variable syntax) leaves the generated template as the location.
        }

        return null;
    }

    /// <summary>The folder that holds <paramref name="generatedFolder"/> (say <c>.serverless</c>), as a path beside the one given.</summary>
    public static string ProjectOf(string generatedFolder)
    {
        var parent = Path.GetDirectoryName(Path.TrimEndingDirectorySeparator(generatedFolder));
        return string.IsNullOrEmpty(parent) ? "" : parent;
    }
}
