using Guard.Cli.Apps.Templates;

namespace Guard.Cli.Apps;

/// <summary>What one kind of project (a tool's source) builds: the output to check, or what to run first.</summary>
/// <param name="Source">The project's file (serverless.yml, cdk.json, …) or folder, as the command line named it.</param>
/// <param name="Output">The build output to check in its place (a template or an app folder); null when there is none to check.</param>
/// <param name="Instead">Why nothing is checked and what to run: set exactly when <paramref name="Output"/> is null.</param>
internal sealed record ProjectOutput(string Source, string? Output, string? Instead);

/// <summary>
/// One kind of project source: the files that mark it, and where its tool writes what Guard checks.
/// </summary>
/// <param name="Tool">As users name it: "sam", "cdk", "serverless", …</param>
/// <param name="Markers">File names (exact, in the project's root) that make a folder this kind of project.</param>
/// <param name="Locate">The output for a project file in a folder: a template or an app folder, or what to run instead.</param>
internal sealed record ProjectKind(string Tool, IReadOnlyList<string> Markers, Func<string, string, ProjectOutput> Locate)
{
    public bool Marks(string fileName) => Markers.Contains(fileName, StringComparer.Ordinal);
}

/// <summary>
/// Source files point the way, and a project folder is a project, not a package: <c>guard check serverless.yml</c>,
/// <c>guard check cdk.json</c> and <c>guard check .</c> in a project check what the tool built (<c>.serverless/</c>,
/// <c>cdk.out/</c>, <c>.aws-sam/build/template.yaml</c>) when it is there and not older than the project file, and
/// otherwise say what to run, never judging the source folder as a zip. Pulumi programs are not read; Terraform is
/// read from a plan's JSON, never from <c>.tf</c> files (<see cref="Terraform.TerraformFiles"/> says so, before this is asked).
/// </summary>
internal static class ProjectFolder
{
    public const string SamBuildTemplate = ".aws-sam/build/template.yaml";

    /// <summary>In the order a folder with several is reported.</summary>
    public static readonly IReadOnlyList<ProjectKind> Kinds =
    [
        new("sam", ["template.yaml", "template.yml"], Sam),
        new("cdk", ["cdk.json"], Cdk),
        new("serverless", ["serverless.yml", "serverless.yaml", "serverless.json", "serverless.js", "serverless.ts"], Serverless),
        new("pulumi", ["Pulumi.yaml", "Pulumi.yml"], (_, file) => new(file, null,
            "Pulumi programs are not read: guard check the zip or folder the program deploys (its FileArchive or AssetArchive path), or guard scan the deployed functions")),
    ];

    /// <summary>
    /// A project's own file named on the command line (<c>serverless.yml</c>, <c>cdk.json</c>, <c>Pulumi.yaml</c>), or a
    /// local folder holding one that is not itself a package (no <c>bootstrap</c> at its root). A SAM template given by
    /// name stays a template, read as written.
    /// </summary>
    public static bool IsProject(string argument)
    {
        if (argument.Contains("://", StringComparison.Ordinal))
        {
            return false;
        }

        if (File.Exists(argument))
        {
            return FileKind(argument) is not null;
        }

        // A bootstrap at the root (a file, a folder, a link to anywhere) makes it a package folder, judged as its zip.
        try
        {
            return Directory.Exists(argument) && !Directory.EnumerateFileSystemEntries(argument, "bootstrap").Any() && FolderKinds(argument).Any();
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return false; // judged as the package folder it was named as, whose reader says why it cannot be read
        }
    }

    /// <summary>What to check for <paramref name="argument"/> (a project file or folder), or what to run first.</summary>
    public static IReadOnlyList<ProjectOutput> Outputs(string argument)
    {
        if (File.Exists(argument))
        {
            var folder = Path.GetDirectoryName(argument) ?? "";
            return [FileKind(argument)!.Locate(folder, argument)];
        }

        // sam build's output folder holds its own template.yaml: check that, not a build inside it.
        if (Path.GetFullPath(argument).Replace('\\', '/').TrimEnd('/').EndsWith("/.aws-sam/build", StringComparison.Ordinal))
        {
            return [new ProjectOutput(argument, Join(argument, "template.yaml"), null)];
        }

        return [.. FolderKinds(argument).Select(found => found.Kind.Locate(argument, found.File))];
    }

    private static ProjectKind? FileKind(string file)
    {
        var name = Path.GetFileName(file);
        // template.yaml named by itself is read as the template it is (its CodeUri, or sam build's folders).
        return Kinds.FirstOrDefault(kind => kind.Tool != "sam" && kind.Marks(name));
    }

    private static IEnumerable<(ProjectKind Kind, string File)> FolderKinds(string folder)
    {
        string[] names;
        try
        {
            names = [.. Directory.EnumerateFiles(folder).Select(Path.GetFileName).Order(StringComparer.Ordinal)!];
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            yield break;
        }

        foreach (var kind in Kinds)
        {
            if (names.FirstOrDefault(kind.Marks) is { } marker)
            {
                yield return (kind, Join(folder, marker));
            }
        }
    }

    private static ProjectOutput Sam(string folder, string template)
    {
        var built = Join(folder, SamBuildTemplate);
        return Fresh(template, built, built, "sam build",
            $"run sam build, then guard check {built} (guard check {template} reads the template as written: CodeUri, and sam build's folders for Metadata.BuildMethod)");
    }

    private static ProjectOutput Cdk(string folder, string cdkJson)
    {
        // cdk.json may name another output folder ("output": "dist/cdk.out"), relative to the project.
        var output = "cdk.out";
        try
        {
            if ((TemplateFile.Read(cdkJson) as MappingNode)?["output"] is ScalarNode { IsNull: false, Value.Length: > 0 } named)
            {
                output = named.Value;
            }
        }
        catch (TemplateFormatException e)
        {
            return new ProjectOutput(cdkJson, null, $"{e.Message}: fix cdk.json, run cdk synth, then guard check the cdk.out folder it writes");
        }

        var assembly = Join(folder, output);
        return Fresh(cdkJson, assembly, Path.Combine(assembly, AppFolder.CdkManifest), "cdk synth", $"run cdk synth, then guard check {assembly}");
    }

    private static ProjectOutput Serverless(string folder, string serviceFile)
    {
        var package = Join(folder, ".serverless");
        return Fresh(serviceFile, package, Path.Combine(package, AppFolder.ServerlessTemplate), "serverless package", $"run serverless package, then guard check {package}");
    }

    /// <summary>
    /// The output when its tool wrote <paramref name="written"/> and did so after the project file last changed; an
    /// older one would judge code the project no longer has.
    /// </summary>
    private static ProjectOutput Fresh(string source, string output, string written, string build, string instead)
    {
        if (!File.Exists(written))
        {
            return new ProjectOutput(source, null, $"{output} is not there: {instead}");
        }

        return File.GetLastWriteTimeUtc(written) < File.GetLastWriteTimeUtc(source)
            ? new ProjectOutput(source, null, $"{output} is older than {source}: run {build} again, then guard check {output}")
            : new ProjectOutput(source, output, null);
    }

    private static string Join(string folder, string name) => TemplateContext.ResolveUnder(folder, name);
}
