namespace Guard.Cli.Apps.Templates;

internal enum CodeKind
{
    Package,
    Inline,
    Image,
    Missing,
}

/// <summary>Where a function's or layer's code is, as one dialect of template says.</summary>
/// <param name="Location">What to open: a local path (relative to the working folder) or s3://; for <see cref="CodeKind.Image"/>
/// the image reference, "" when it is known only at deploy.</param>
/// <param name="Display">How to show it.</param>
/// <param name="Problem">For <see cref="CodeKind.Missing"/> (and an image no registry holds yet): why there is nothing to open.</param>
/// <param name="Hint">For <see cref="CodeKind.Missing"/> (and such an image): what to do about it.</param>
/// <param name="Unbuilt">Missing because sam build has not run yet: <see cref="UnbuiltPolicy"/> decides what that is.</param>
internal sealed record CodeLocation(CodeKind Kind, string Location, string Display, string? Problem = null, string? Hint = null, bool Unbuilt = false);

/// <summary>A function or layer resource of a template whose code is sought.</summary>
/// <param name="Properties">For a SAM function, its Properties merged over Globals.Function.</param>
internal sealed record CodeResource(string LogicalId, string Type, MappingNode Body, MappingNode Properties)
{
    public bool IsLayer => Type is AppPlanner.ServerlessLayer or AppPlanner.LambdaLayer;

    public MappingNode? Metadata => Body["Metadata"] as MappingNode;
}

/// <summary>
/// One dialect's rule for where code is: the template's own properties (SAM, CloudFormation) or what a tool left
/// beside its template (a CDK asset, a Serverless Framework zip). Adding a dialect adds a locator, not a branch in the walker.
/// </summary>
internal interface ICodeLocator
{
    /// <summary>The resource's code, or null when this dialect does not say (for SAM and CloudFormation: the resource names no code).</summary>
    /// <exception cref="UnresolvableException">A value the location needs is known only at deploy.</exception>
    CodeLocation? Locate(CodeResource resource, TemplateContext template);
}

/// <summary>What the locators of one template share: its folder, its evaluator, and how a path or an S3 location is turned into code.</summary>
internal sealed class TemplateContext
{
    public TemplateContext(string templateFile, IntrinsicEvaluator evaluator)
    {
        TemplateFile = templateFile;
        Folder = Path.GetDirectoryName(templateFile) ?? "";
        Evaluator = evaluator;
        // sam build writes a template whose CodeUri already names the built folders: no BuildMethod redirection there.
        IsBuilt = Path.GetFullPath(string.IsNullOrEmpty(Folder) ? "." : Folder).Replace('\\', '/').EndsWith("/.aws-sam/build", StringComparison.Ordinal);
    }

    public string TemplateFile { get; }

    /// <summary>The template's folder: paths in it are relative to it.</summary>
    public string Folder { get; }

    public IntrinsicEvaluator Evaluator { get; }

    /// <summary>The template is sam build's output (<c>.aws-sam/build/template.yaml</c>).</summary>
    public bool IsBuilt { get; }

    /// <summary>An S3 location mapping as <c>s3://bucket/key[?versionId=…]</c>.</summary>
    public CodeLocation S3(MappingNode location, string bucketKey, string keyKey, string versionKey)
    {
        if (location[bucketKey] is not { } bucketNode || location[keyKey] is not { } keyNode)
        {
            return new CodeLocation(CodeKind.Missing, "", "?", $"the code location has no {bucketKey} and {keyKey}");
        }

        var bucket = Evaluator.EvaluateString(bucketNode);
        var key = Evaluator.EvaluateString(keyNode);
        var version = location[versionKey] is { } versionNode ? Evaluator.EvaluateString(versionNode) : null;
        var uri = $"s3://{bucket}/{key}" + (version is null ? "" : $"?versionId={Uri.EscapeDataString(version)}");
        return new CodeLocation(CodeKind.Package, uri, uri);
    }

    /// <summary>A path the template gives (relative to its folder), or a URL as it is.</summary>
    public CodeLocation Local(string path, string property)
    {
        if (path.Contains("://", StringComparison.Ordinal))
        {
            return new CodeLocation(CodeKind.Package, path, path);
        }

        var resolved = Resolve(path);
        return File.Exists(resolved) || Directory.Exists(resolved)
            ? new CodeLocation(CodeKind.Package, resolved, resolved)
            : new CodeLocation(CodeKind.Missing, resolved, resolved, $"{property} {path} does not exist (looked for {resolved})", "build the app first (sam build), or fix the path; it is relative to the template's folder");
    }

    /// <summary>What sam build made of a resource it builds (see <see cref="BuildsFromSource"/>): <c>.aws-sam/build/&lt;LogicalId&gt;</c>.</summary>
    public CodeLocation Built(CodeResource resource, string path, string what)
    {
        var built = Resolve(Path.Combine(".aws-sam", "build", resource.LogicalId));
        var how = resource.Metadata?["BuildMethod"] is not null ? "Metadata.BuildMethod" : "go1.x: its Go modules builder compiles the Go source in CodeUri";
        return Directory.Exists(built)
            ? new CodeLocation(CodeKind.Package, built, built)
            : new CodeLocation(
                CodeKind.Missing,
                built,
                built,
                $"the {what} is built by sam build ({how}) and {built} does not exist",
                $"run sam build, then guard check {Resolve(Path.Combine(".aws-sam", "build", "template.yaml"))}",
                Unbuilt: true);
    }

    /// <summary>
    /// Whether sam build builds this resource (and this template is not already its output): one with
    /// <c>Metadata.BuildMethod</c>, or a <c>go1.x</c> function whose CodeUri is Go source, which SAM's Go modules
    /// builder compiles into the binary the Handler names. Judged as it stands, such a folder would be a false
    /// "BOOTSTRAP_MISSING".
    /// </summary>
    public bool BuildsFromSource(CodeResource resource, string path)
    {
        if (IsBuilt || path.StartsWith("s3://", StringComparison.Ordinal))
        {
            return false;
        }

        return resource.Metadata?["BuildMethod"] is not null
            || (!resource.IsLayer
                && resource.Properties["Runtime"] is { } runtime
                && StringOrNull(runtime) == "go1.x"
                && IsGoSource(Resolve(path)));
    }

    private static bool IsGoSource(string folder) =>
        Directory.Exists(folder)
        && (File.Exists(Path.Combine(folder, "go.mod")) || Directory.EnumerateFiles(folder, "*.go").Any());

    /// <summary>A path relative to the template's folder as the working folder sees it, without <c>./</c> noise.</summary>
    public string Resolve(string path) => ResolveUnder(Folder, path);

    /// <summary><paramref name="path"/> as a tool resolves it in <paramref name="folder"/> (a template's, where Terraform ran), without <c>./</c> noise.</summary>
    public static string ResolveUnder(string folder, string path)
    {
        var combined = Path.IsPathRooted(path) ? path : Path.Combine(folder, path);
        var normalized = combined.Replace('\\', '/');
        while (normalized.StartsWith("./", StringComparison.Ordinal) && normalized.Length > 2)
        {
            normalized = normalized[2..];
        }

        return normalized.Replace("/./", "/", StringComparison.Ordinal).TrimEnd('/') is { Length: > 0 } trimmed ? trimmed : ".";
    }

    /// <summary>An image reference (<c>ImageUri</c>): the reference when the template gives it before deploy, else "".</summary>
    public CodeLocation Image(TemplateNode imageUri, string property) =>
        StringOrNull(imageUri) is { } reference ? new CodeLocation(CodeKind.Image, reference, reference) : new CodeLocation(CodeKind.Image, "", property);

    /// <summary>The value as a string, or null when it is known only at deploy.</summary>
    public string? StringOrNull(TemplateNode node)
    {
        try
        {
            return Evaluator.EvaluateString(node);
        }
        catch (UnresolvableException)
        {
            return null;
        }
    }
}
