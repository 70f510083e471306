using System.Diagnostics;
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

    /// <summary>Runs a process to completion; stdout and stderr are returned together, in order of arrival per stream.</summary>
    public static async Task<(int ExitCode, string Output, string Error)> RunAsync(
        string fileName, IEnumerable<string> arguments, TimeSpan timeout, string? workingDirectory = null, IReadOnlyDictionary<string, string>? environment = null)
    {
        var start = new ProcessStartInfo(fileName)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
            WorkingDirectory = workingDirectory ?? Root,
        };
        foreach (var argument in arguments)
        {
            start.ArgumentList.Add(argument);
        }

        // The test host's MSBuild variables would otherwise leak into child dotnet builds.
        foreach (var name in new[] { "MSBuildSDKsPath", "MSBuildExtensionsPath", "MSBUILD_EXE_PATH" })
        {
            start.Environment.Remove(name);
        }

        foreach (var (name, value) in environment ?? new Dictionary<string, string>())
        {
            start.Environment[name] = value;
        }

        using var process = Process.Start(start) ?? throw new InvalidOperationException($"could not start {fileName}");
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        using var cancel = new CancellationTokenSource(timeout);
        try
        {
            await process.WaitForExitAsync(cancel.Token);
        }
        catch (OperationCanceledException)
        {
            process.Kill(entireProcessTree: true);
            throw new TimeoutException($"{fileName} {string.Join(' ', arguments)} ran longer than {timeout}");
        }

        return (process.ExitCode, await stdout, await stderr);
    }
}
