using Guard.Testing;

namespace Guard.Deploy.Tests;

/// <summary>The repository this test project lives in, and the command-line tools the checks run.</summary>
internal static class Repository
{
    public static string Root => Checkout.Root;

    public static string TemplatePath => Path.Combine(Root, "template.yaml");

    /// <summary>The Organization mode's member stack, deployed to every account by a StackSet.</summary>
    public static string MemberTemplatePath => Path.Combine(Root, "org", "member.yaml");

    public static IEnumerable<string> ExampleTemplates =>
        Directory.EnumerateFiles(Path.Combine(Root, "examples"), "*.yaml").Order(StringComparer.Ordinal);

    /// <summary>A tool on PATH or under pyenv's shims (where the machine image keeps cfn-lint), or null.</summary>
    public static string? FindTool(string name)
    {
        var home = Environment.GetEnvironmentVariable("HOME") ?? "";
        var directories = (Environment.GetEnvironmentVariable("PATH") ?? "")
            .Split(Path.PathSeparator, StringSplitOptions.RemoveEmptyEntries)
            .Concat([Path.Combine(home, ".pyenv", "shims")]);
        return directories.Select(directory => Path.Combine(directory, name)).FirstOrDefault(File.Exists);
    }

    public static string RequireTool(string name, string install) =>
        FindTool(name) ?? throw new InvalidOperationException($"{name} is not on PATH or in ~/.pyenv/shims: {install}");

    /// <summary>Runs a process to completion, in the checkout unless told otherwise; stdout and stderr apart.</summary>
    public static async Task<(int ExitCode, string Output, string Error)> RunAsync(
        string fileName, IEnumerable<string> arguments, TimeSpan timeout, string? workingDirectory = null, IReadOnlyDictionary<string, string>? environment = null)
    {
        // The test host's MSBuild variables would otherwise leak into child dotnet builds.
        var variables = new Dictionary<string, string?>(StringComparer.Ordinal) { ["MSBuildSDKsPath"] = null, ["MSBuildExtensionsPath"] = null, ["MSBUILD_EXE_PATH"] = null };
        foreach (var (name, value) in environment ?? new Dictionary<string, string>())
        {
            variables[name] = value;
        }

        var run = await ExternalProcess.RunAsync(fileName, arguments, CancellationToken.None, new() { WorkingDirectory = workingDirectory ?? Root, Environment = variables, Limit = timeout });
        return (run.ExitCode, run.Output, run.Errors);
    }
}
