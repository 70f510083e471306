using System.Diagnostics;

namespace Guard.Testing;

/// <summary>
/// Builds real Go Lambda bootstraps with the machine's <c>go</c> (Debian's <c>golang-go</c>), offline: a main package
/// that calls <c>lambda.Start</c> from a local stand-in module named <c>github.com/aws/aws-lambda-go</c>, required at
/// the version asked and replaced by its directory (<c>GOPROXY=off</c>: no module proxy is reachable from CI). The
/// binary's build information then lists <c>dep github.com/aws/aws-lambda-go VERSION</c> followed by
/// <c>=> ./aws-lambda-go (devel)</c>, exactly as a real build with a <c>replace</c> directive records it.
/// <c>BuildLambdaAsync("v1.17.0")</c>.
/// </summary>
public static class GoProgram
{
    public const string AptPackage = "golang-go";

    private const string StandInModule = "github.com/aws/aws-lambda-go";

    private static readonly SemaphoreSlim OneBuildAtATime = new(1, 1);

    /// <summary>A statically linked (CGO_ENABLED=0) Linux executable, as <c>go build -o bootstrap</c> writes it.</summary>
    /// <param name="awsLambdaGoVersion">The version go.mod requires, e.g. <c>v1.17.0</c>.</param>
    /// <param name="goArch"><c>amd64</c> or <c>arm64</c>.</param>
    /// <exception cref="InvalidOperationException"><c>go</c> is missing (the message names the apt package) or the build failed.</exception>
    public static async Task<byte[]> BuildLambdaAsync(string awsLambdaGoVersion, string goArch = "amd64", CancellationToken cancellationToken = default)
    {
        var go = FindGo() ?? throw new InvalidOperationException(
            $"go is not installed; the Go build-information tests build real Go binaries: apt-get install -y --no-install-recommends {AptPackage} (build/test.sh installs it)");
        var scratch = Checkout.ScratchDirectory("guard-go");
        var project = Path.Combine(scratch, $"fn-{awsLambdaGoVersion}-{goArch}");
        var output = Path.Combine(project, "bootstrap");

        await OneBuildAtATime.WaitAsync(cancellationToken);
        try
        {
            WriteProject(project, awsLambdaGoVersion);
            var start = new ProcessStartInfo(go, ["build", "-trimpath", "-ldflags=-s -w", "-o", output, "."])
            {
                WorkingDirectory = project,
                RedirectStandardError = true,
                RedirectStandardOutput = true,
            };
            var environment = new Dictionary<string, string>
            {
                ["GOFLAGS"] = "-mod=mod",
                ["GOPROXY"] = "off",
                ["GOSUMDB"] = "off",
                ["GONOSUMDB"] = StandInModule,
                ["GOWORK"] = "off",
                ["GOENV"] = "off",
                ["GOTOOLCHAIN"] = "local",
                ["GOCACHE"] = Path.Combine(scratch, "cache"),
                ["GOPATH"] = Path.Combine(scratch, "gopath"),
                ["CGO_ENABLED"] = "0",
                ["GOOS"] = "linux",
                ["GOARCH"] = goArch,
            };
            foreach (var (name, value) in environment)
            {
                start.Environment[name] = value;
            }

            using var process = Process.Start(start)!;
            var errors = process.StandardError.ReadToEndAsync(cancellationToken);
            var messages = await process.StandardOutput.ReadToEndAsync(cancellationToken);
            await process.WaitForExitAsync(cancellationToken);
            if (process.ExitCode != 0)
            {
                throw BuildLog.Failure($"go build of a Lambda function requiring {StandInModule} {awsLambdaGoVersion} for {goArch}", process.ExitCode, messages + await errors);
            }

            return await File.ReadAllBytesAsync(output, cancellationToken);
        }
        finally
        {
            OneBuildAtATime.Release();
        }
    }

    private static void WriteProject(string project, string awsLambdaGoVersion)
    {
        var standIn = Path.Combine(project, "aws-lambda-go");
        Directory.CreateDirectory(Path.Combine(standIn, "lambda"));
        File.WriteAllText(Path.Combine(project, "go.mod"), $"""
            module example.com/fn

            go 1.19

            require {StandInModule} {awsLambdaGoVersion}

            replace {StandInModule} => ./aws-lambda-go

            """);
        File.WriteAllText(Path.Combine(project, "main.go"), """
            package main

            import "github.com/aws/aws-lambda-go/lambda"

            func handle() (string, error) { return "ok", nil }

            func main() { lambda.Start(handle) }

            """);
        File.WriteAllText(Path.Combine(standIn, "go.mod"), $"""
            module {StandInModule}

            go 1.19

            """);
        File.WriteAllText(Path.Combine(standIn, "lambda", "entry.go"), """
            // Package lambda stands in for aws-lambda-go's: only the module's name and required version are under test.
            package lambda

            import "fmt"

            // Start prints instead of serving: the binary is inspected, never invoked.
            func Start(handler interface{}) { fmt.Println("lambda.Start", handler != nil) }

            """);
    }

    private static string? FindGo() =>
        (Environment.GetEnvironmentVariable("PATH") ?? "/usr/bin:/bin")
            .Split(':', StringSplitOptions.RemoveEmptyEntries)
            .Append("/usr/lib/go/bin")
            .Select(directory => Path.Combine(directory, "go"))
            .FirstOrDefault(File.Exists);
}
