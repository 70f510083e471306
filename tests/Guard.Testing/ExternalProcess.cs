using System.ComponentModel;
using System.Diagnostics;

namespace Guard.Testing;

/// <summary>What a program did: the command as run, its exit code, and its stdout and stderr captured apart.</summary>
public sealed record ProcessRun(string Command, int ExitCode, string Output, string Errors)
{
    /// <summary>stdout then stderr, as a log to show.</summary>
    public string Log => Output + Errors;

    /// <summary>This run when it exited 0; else a failure naming the command, its exit code and first error, then its whole log.</summary>
    public ProcessRun EnsureSuccess() => ExitCode == 0 ? this : throw BuildLog.Failure(Command, ExitCode, Log);
}

/// <summary>How a program is run: where, with which variables, for how long.</summary>
public sealed record ProcessOptions
{
    public string? WorkingDirectory { get; init; }

    /// <summary>Variables set for the child over the test host's own; a null value removes one.</summary>
    public IReadOnlyDictionary<string, string?>? Environment { get; init; }

    /// <summary>How long it may run before it is killed (with its children) and the test fails naming it.</summary>
    public TimeSpan Limit { get; init; } = ExternalProcess.DefaultLimit;
}

/// <summary>
/// The one way tests run a program to its end (compilers, umoci, cfn-lint, git, the aws CLI, guard itself): arguments
/// passed as they are (no shell), both pipes drained at once (a child that fills one while we wait on the other would
/// never exit), a time limit, and failures that name the command.
/// </summary>
public static class ExternalProcess
{
    /// <summary>Long enough for a compile on a loaded machine; a hung tool still fails its test rather than the whole run.</summary>
    public static readonly TimeSpan DefaultLimit = TimeSpan.FromMinutes(10);

    /// <summary>
    /// <paramref name="name"/> on PATH, or where the machine image installs tools PATH may lack (<c>~/.pyenv/shims</c>,
    /// <c>/usr/local/bin</c>, <c>/usr/bin</c>).
    /// </summary>
    /// <exception cref="InvalidOperationException">Missing: the message says how to install it, as these tests never skip.</exception>
    public static string Find(string name, string install) =>
        TryFind(name) ?? throw new InvalidOperationException($"{name} is not on PATH: {install}; this check never skips");

    public static string? TryFind(string name)
    {
        var home = System.Environment.GetEnvironmentVariable("HOME") ?? string.Empty;
        return (System.Environment.GetEnvironmentVariable("PATH") ?? string.Empty)
            .Split(Path.PathSeparator, StringSplitOptions.RemoveEmptyEntries)
            .Concat([Path.Combine(home, ".pyenv", "shims"), "/usr/local/bin", "/usr/bin"])
            .Select(directory => Path.Combine(directory, name))
            .FirstOrDefault(File.Exists);
    }

    /// <summary><see cref="RunAsync"/> for the few callers that cannot await (a fixture built in a constructor, a FIFO made in a sync helper).</summary>
    public static ProcessRun Run(string fileName, IEnumerable<string> arguments, ProcessOptions? options = null) =>
        RunAsync(fileName, arguments, CancellationToken.None, options).GetAwaiter().GetResult();

    /// <summary>Makes a FIFO at <paramref name="path"/> (coreutils' mkfifo): nobody writes to it, so opening it for reading blocks.</summary>
    public static string MakeFifo(string path)
    {
        Run("mkfifo", [path]).EnsureSuccess();
        return path;
    }

    /// <exception cref="TimeoutException">It ran past <see cref="ProcessOptions.Limit"/>: killed, and the message names the command and what it printed.</exception>
    public static async Task<ProcessRun> RunAsync(string fileName, IEnumerable<string> arguments, CancellationToken cancellationToken, ProcessOptions? options = null)
    {
        options ??= new ProcessOptions();
        var start = new ProcessStartInfo(fileName) { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        foreach (var argument in arguments)
        {
            start.ArgumentList.Add(argument);
        }

        if (options.WorkingDirectory is { } directory)
        {
            start.WorkingDirectory = directory;
        }

        foreach (var (name, value) in options.Environment ?? new Dictionary<string, string?>())
        {
            if (value is null)
            {
                start.Environment.Remove(name);
            }
            else
            {
                start.Environment[name] = value;
            }
        }

        var command = Describe(fileName, start.ArgumentList);
        Process process;
        try
        {
            process = Process.Start(start)!;
        }
        catch (Win32Exception e)
        {
            throw new InvalidOperationException($"{command} could not be started: {e.Message}", e);
        }

        using (process)
        {
            var output = process.StandardOutput.ReadToEndAsync(CancellationToken.None);
            var errors = process.StandardError.ReadToEndAsync(CancellationToken.None);
            using var limit = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
            limit.CancelAfter(options.Limit);
            try
            {
                await process.WaitForExitAsync(limit.Token).ConfigureAwait(false);
            }
            catch (OperationCanceledException)
            {
                process.Kill(entireProcessTree: true);
                var printed = await output.ConfigureAwait(false) + await errors.ConfigureAwait(false);
                cancellationToken.ThrowIfCancellationRequested();
                throw new TimeoutException($"{command} ran longer than {options.Limit} and was killed; it printed:\n{printed}");
            }

            return new ProcessRun(command, process.ExitCode, await output.ConfigureAwait(false), await errors.ConfigureAwait(false));
        }
    }

    private static string Describe(string fileName, IEnumerable<string> arguments) =>
        string.Join(' ', new[] { fileName }.Concat(arguments).Select(a => a.Length == 0 || a.Any(char.IsWhiteSpace) ? $"'{a}'" : a));
}
