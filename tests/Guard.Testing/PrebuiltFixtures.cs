namespace Guard.Testing;

/// <summary>
/// The Native AOT builds tests read (the release zips, the Lambda's bootstrap, the self-contained CLI) and what the real
/// app tools write for the CLI's tests (cdk synth, serverless package), built once by
/// <c>build/test-fixtures.sh</c> before <c>dotnet test</c> (<c>build/test.sh</c> runs it). A test never builds them:
/// under the run's hang guard a build that is merely slow on a loaded machine aborted the whole run.
/// </summary>
public static class PrebuiltFixtures
{
    public static string Root { get; } = Path.Combine(Checkout.Root, ".artifacts", "test-fixtures");

    private const string Rebuild = "build them with build/test-fixtures.sh (build/test.sh does before dotnet test)";

    // What the fixtures are built from: a fixture older than any of it would test another tree's code.
    private static readonly string[] Sources =
    [
        "functions", "Directory.Build.props", "Directory.Packages.props", "global.json",
        // The apps whose cdk synth and serverless package outputs build/tool-apps.sh writes, and the tools' pins.
        "tests/Guard.Cli.Tests/Apps/ToolApps", "build/tool-apps.sh", "build/node-tools",
    ];

    /// <summary>
    /// The path of <paramref name="relativePath"/> under <see cref="Root"/>; throws, saying how to build it, when it
    /// is missing or when a source file changed after the fixtures' build began.
    /// </summary>
    public static string Require(string relativePath)
    {
        var path = Path.Combine(Root, relativePath);
        var stamp = Path.Combine(Root, "built");
        if (!File.Exists(stamp) || !Path.Exists(path))
        {
            throw new InvalidOperationException($"the prebuilt test fixture {path} is missing: {Rebuild}");
        }

        var built = File.GetLastWriteTimeUtc(stamp);
        var changed = Sources.Select(source => Path.Combine(Checkout.Root, source)).SelectMany(SourceFiles)
            .FirstOrDefault(file => File.GetLastWriteTimeUtc(file) > built);
        if (changed is not null)
        {
            throw new InvalidOperationException($"the prebuilt test fixtures ({built:u}) are older than {changed}: re{Rebuild}");
        }

        return path;
    }

    private static IEnumerable<string> SourceFiles(string path)
    {
        if (File.Exists(path))
        {
            yield return path;
            yield break;
        }

        foreach (var file in Directory.EnumerateFiles(path))
        {
            yield return file;
        }

        // bin/ and obj/ are other builds' outputs, newer than any fixture whenever a test project was built after it.
        foreach (var directory in Directory.EnumerateDirectories(path).Where(d => Path.GetFileName(d) is not ("bin" or "obj")))
        {
            foreach (var file in SourceFiles(directory))
            {
                yield return file;
            }
        }
    }
}
