namespace Guard.Cli.Apps.Sources;

/// <summary>
/// <c>serverless package</c> names a function <c>hello-world</c> of <c>serverless.yml</c> <c>HelloDashworldLambdaFunction</c>
/// in its template: the first letter upper-cased, <c>-</c> spelled Dash and <c>_</c> Underscore, then LambdaFunction
/// (the framework's <c>naming.getLambdaLogicalId</c>). The service file is beside <c>.serverless/</c>; a
/// <c>serverless.ts</c> or <c>.js</c> is code Guard does not run, so its functions stay located in the template.
/// </summary>
internal sealed class ServerlessSourceLocator(string generatedTemplate) : ISourceLocator
{
    private static readonly string[] ServiceFiles = ["serverless.yml", "serverless.yaml", "serverless.json"];

    private readonly Lazy<string?> _service = new(() =>
    {
        var project = SourceLocators.ProjectOf(Path.GetDirectoryName(generatedTemplate)!);
        return ServiceFiles.Select(name => Path.Combine(project, name)).FirstOrDefault(File.Exists);
    });

    public SourceSpot? Locate(FunctionOrigin function) =>
        _service.Value is { } service ? SourceLocators.KeyIn(service, "functions", name => LogicalId(name) == function.LogicalId) : null;

    public static string LogicalId(string functionName)
    {
        var normalized = functionName.Replace("-", "Dash", StringComparison.Ordinal).Replace("_", "Underscore", StringComparison.Ordinal);
        return normalized.Length == 0 ? "LambdaFunction" : char.ToUpperInvariant(normalized[0]) + normalized[1..] + "LambdaFunction";
    }
}
