using Guard.Testing;

namespace Guard.Cli.Tests.Support;

/// <summary>What a <c>guard</c> process did: its exit code and both streams.</summary>
public sealed record GuardRun(int ExitCode, string Output, string Error)
{
    /// <summary>The non-empty lines of standard error.</summary>
    public IReadOnlyList<string> ErrorLines => Error.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);

    /// <summary>
    /// The CLI's promise for anything that stops a check: exit 2, exactly one line on standard error starting
    /// <c>guard: </c>, no stack trace. Returns that line.
    /// </summary>
    public string AssertOneLineFailure()
    {
        var what = $"exit {ExitCode}; stderr:\n{Error}\nstdout:\n{Output}";
        Assert.True(ExitCode == ExitCodes.UsageOrUnavailable, "expected exit 2, got " + what);
        Assert.DoesNotContain("   at ", Error, StringComparison.Ordinal);
        Assert.DoesNotContain("Unhandled exception", Error, StringComparison.Ordinal);
        var line = Assert.Single(ErrorLines);
        Assert.StartsWith("guard: ", line, StringComparison.Ordinal);
        return line;
    }
}

/// <summary>
/// Runs the built <c>guard</c> as a real process (the way CI runs it), in an environment cut off from the
/// developer's: no AWS variables but the ones a test gives, a HOME without <c>~/.aws</c>, no instance metadata.
/// </summary>
public static class GuardProcess
{
    private static readonly TimeSpan Limit = TimeSpan.FromSeconds(90);

    public static async Task<GuardRun> RunAsync(IReadOnlyDictionary<string, string>? environment, params string[] args)
    {
        var home = Directory.CreateTempSubdirectory("guard-home-");
        try
        {
            var variables = new Dictionary<string, string?>(StringComparer.Ordinal)
            {
                ["HOME"] = home.FullName,
                ["AWS_EC2_METADATA_DISABLED"] = "true",
                ["DOTNET_NOLOGO"] = "1",
            };
            foreach (var name in Environment.GetEnvironmentVariables().Keys.Cast<string>().Where(k => k.StartsWith("AWS_", StringComparison.Ordinal) || k == "GUARD_TRACE"))
            {
                variables.TryAdd(name, null);
            }

            foreach (var (name, value) in environment ?? new Dictionary<string, string>())
            {
                variables[name] = value;
            }

            ProcessRun process;
            try
            {
                process = await ExternalProcess.RunAsync("dotnet", [Path.Combine(AppContext.BaseDirectory, "guard.dll"), .. args], TestContext.Current.CancellationToken, new()
                {
                    WorkingDirectory = home.FullName,
                    Environment = variables,
                    Limit = Limit,
                });
            }
            catch (TimeoutException)
            {
                Assert.Fail($"guard {string.Join(' ', args)} did not end within {Limit.TotalSeconds} s: it hangs");
                throw;
            }

            var run = new GuardRun(process.ExitCode, process.Output, process.Errors);
            ReportSchemaGate.AssertReportMatches(args, run.Output, home.FullName);
            return run;
        }
        finally
        {
            home.Delete(recursive: true);
        }
    }

    public static Task<GuardRun> RunAsync(params string[] args) => RunAsync(null, args);
}
