namespace Guard.Testing;

/// <summary>
/// Builds real Go Lambda bootstraps with the machine's <c>go</c> (Debian's <c>golang-go</c>), offline: a main package
/// that calls <c>lambda.Start</c> from a local stand-in module named <c>github.com/aws/aws-lambda-go</c>, required at
/// the version asked and replaced by its directory (<c>GOPROXY=off</c>: no module proxy is reachable from CI). The
/// binary's build information then lists <c>dep github.com/aws/aws-lambda-go VERSION</c> followed by
/// <c>=> ./aws-lambda-go (devel)</c>, exactly as a real build with a <c>replace</c> directive records it.
/// <c>BuildLambdaAsync("v1.17.0")</c>. The stand-in does what the real client of that version does at start: before
/// v1.18.0 it reads <c>_LAMBDA_SERVER_PORT</c> and serves <c>lambda.(*Function).Invoke</c> over net/rpc (go1.x's protocol)
/// only; from v1.18.0 it reads <c>AWS_LAMBDA_RUNTIME_API</c> first. Either way the binary is a few MB, as real ones are.
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
    public static Task<byte[]> BuildLambdaAsync(string awsLambdaGoVersion, string goArch = "amd64", CancellationToken cancellationToken = default) =>
        BuildLambdaAsync(awsLambdaGoVersion, goArch, GoBuildInfoLayout.Go118, cancellationToken: cancellationToken);

    /// <summary>As <see cref="BuildLambdaAsync(string, string, CancellationToken)"/>, with the build information laid out as an older Go would.</summary>
    /// <param name="embeddedAssetBytes">A string asset of that many code-like bytes (//go:embed, in .rodata): a large binary
    /// whose data segment, and so its build information, lies that much further in.</param>
    public static async Task<byte[]> BuildLambdaAsync(string awsLambdaGoVersion, string goArch, GoBuildInfoLayout layout, int embeddedAssetBytes = 0, CancellationToken cancellationToken = default)
    {
        var go = FindGo() ?? throw new InvalidOperationException(
            $"go is not installed; the Go build-information tests build real Go binaries: apt-get install -y --no-install-recommends {AptPackage} (build/test.sh installs it)");
        var scratch = Checkout.ScratchDirectory("guard-go");
        var project = Path.Combine(scratch, $"fn-{awsLambdaGoVersion}-{goArch}-{layout}-{embeddedAssetBytes}");
        var output = Path.Combine(project, "bootstrap");

        await OneBuildAtATime.WaitAsync(cancellationToken);
        try
        {
            WriteProject(project, awsLambdaGoVersion, embeddedAssetBytes);
            // The Go 1.13-1.17 layout points at runtime.buildVersion and runtime.modinfo: their addresses come from the symbols.
            string[] flags = layout == GoBuildInfoLayout.Go113 ? ["build", "-trimpath", "-o", output, "."] : ["build", "-trimpath", "-ldflags=-s -w", "-o", output, "."];
            var environment = new Dictionary<string, string?>
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
            var build = await ExternalProcess.RunAsync(go, flags, cancellationToken, new() { WorkingDirectory = project, Environment = environment });
            if (build.ExitCode != 0)
            {
                throw BuildLog.Failure($"go build of a Lambda function requiring {StandInModule} {awsLambdaGoVersion} for {goArch}", build.ExitCode, build.Log);
            }

            var binary = await File.ReadAllBytesAsync(output, cancellationToken);
            switch (layout)
            {
                case GoBuildInfoLayout.Go113:
                    var symbols = await RunAsync(go, ["tool", "nm", output], project, environment, cancellationToken);
                    RewriteAsPointerLayout(binary, Address(symbols, "runtime.buildVersion"), Address(symbols, "runtime.modinfo"));
                    break;
                case GoBuildInfoLayout.None:
                    // Before Go 1.13 there is no blob at all: without its magic, nothing finds it.
                    binary[BuildInfoOffset(binary)] = 0;
                    break;
            }

            return binary;
        }
        finally
        {
            OneBuildAtATime.Release();
        }
    }

    /// <summary>
    /// Debian's Go 1.19 cannot write the Go 1.13-1.17 layout, so the blob it wrote is rewritten into it, as
    /// cmd/link 1.13-1.17 laid it out: pointer size, flags 0 (little-endian, pointers), then the addresses of the
    /// runtime.buildVersion and runtime.modinfo string headers, which a 1.19 binary still holds with the same text.
    /// </summary>
    private static void RewriteAsPointerLayout(byte[] binary, ulong buildVersion, ulong modinfo)
    {
        var at = BuildInfoOffset(binary);
        binary[at + 14] = 8;
        binary[at + 15] = 0;
        BitConverter.TryWriteBytes(binary.AsSpan(at + 16), buildVersion);
        BitConverter.TryWriteBytes(binary.AsSpan(at + 24), modinfo);
        binary.AsSpan(at + 32, 32).Clear(); // What followed was the inline strings; the old layout has nothing there.
    }

    private static int BuildInfoOffset(byte[] binary)
    {
        ReadOnlySpan<byte> magic = [0xFF, .. " Go buildinf:"u8];
        for (var at = binary.AsSpan().IndexOf(magic); at >= 0; at = binary.AsSpan(at + 1).IndexOf(magic) is var next and >= 0 ? at + 1 + next : -1)
        {
            if (at % 16 == 0)
            {
                return at;
            }
        }

        throw new InvalidOperationException("the Go binary has no build information blob");
    }

    private static ulong Address(string symbols, string name) =>
        symbols.Split('\n').Select(line => line.Trim().Split(' ', StringSplitOptions.RemoveEmptyEntries))
            .Where(fields => fields.Length == 3 && fields[2] == name)
            .Select(fields => Convert.ToUInt64(fields[0], 16))
            .FirstOrDefault() is var address and not 0 ? address : throw new InvalidOperationException($"go tool nm lists no {name}");

    private static async Task<string> RunAsync(string go, string[] arguments, string directory, Dictionary<string, string?> environment, CancellationToken cancellationToken) =>
        (await ExternalProcess.RunAsync(go, arguments, cancellationToken, new() { WorkingDirectory = directory, Environment = environment })).EnsureSuccess().Output;

    private static void WriteProject(string project, string awsLambdaGoVersion, int embeddedAssetBytes)
    {
        var standIn = Path.Combine(project, "aws-lambda-go");
        Directory.CreateDirectory(Path.Combine(standIn, "lambda"));
        File.WriteAllText(Path.Combine(project, "go.mod"), $"""
            module example.com/fn

            go 1.19

            require {StandInModule} {awsLambdaGoVersion}

            replace {StandInModule} => ./aws-lambda-go

            """);
        var asset = new byte[embeddedAssetBytes];
        var random = new Random(embeddedAssetBytes);
        for (var i = 0; i < asset.Length; i++)
        {
            asset[i] = (byte)(random.Next(16) * 17); // about half compressible, as machine code deflates
        }

        File.WriteAllBytes(Path.Combine(project, "asset.bin"), asset);
        File.WriteAllText(Path.Combine(project, "main.go"), """
            package main

            import (
                _ "embed"

                "github.com/aws/aws-lambda-go/lambda"
            )

            //go:embed asset.bin
            var asset string

            func handle() (int, error) { return len(asset), nil }

            func main() { lambda.Start(handle) }

            """);
        File.WriteAllText(Path.Combine(standIn, "go.mod"), $"""
            module {StandInModule}

            go 1.19

            """);
        var runtimeApi = IsBefore118(awsLambdaGoVersion) ? string.Empty : """
                if api := os.Getenv("AWS_LAMBDA_RUNTIME_API"); api != "" {
                    fmt.Println("Runtime API at", api)
                    return
                }

            """;
        File.WriteAllText(Path.Combine(standIn, "lambda", "entry.go"), $$"""
            // Package lambda stands in for aws-lambda-go's: the module's name and required version, and how it starts.
            package lambda

            import (
                "fmt"
                "net"
                "net/rpc"
                "os"
            )

            // Function is what go1.x's runtime calls over net/rpc, as aws-lambda-go's own.
            type Function struct{ handler interface{} }

            // Invoke answers one RPC invocation.
            func (fn *Function) Invoke(request *[]byte, response *[]byte) error {
                *response = *request
                return nil
            }

            // Start serves the function the way the client of the required version does; the binary is inspected, never run.
            func Start(handler interface{}) {
            {{runtimeApi}}    port := os.Getenv("_LAMBDA_SERVER_PORT")
                fmt.Println("go1.x RPC on port", port)
                listener, err := net.Listen("tcp", "localhost:"+port)
                if err != nil {
                    panic(err)
                }
                if err := rpc.Register(&Function{handler}); err != nil {
                    panic(err)
                }
                rpc.Accept(listener)
            }

            """);
    }

    private static bool IsBefore118(string version) =>
        version.TrimStart('v').Split('.') is [var major, var minor, ..] && int.TryParse(major, out var x) && int.TryParse(minor, out var y) && (x, y).CompareTo((1, 18)) < 0;

    private static string? FindGo() =>
        ExternalProcess.TryFind("go") ?? (File.Exists("/usr/lib/go/bin/go") ? "/usr/lib/go/bin/go" : null);
}

/// <summary>How a Go binary carries its build information, by the toolchain that linked it.</summary>
public enum GoBuildInfoLayout
{
    /// <summary>Go 1.18+: the version and module text inline after the header (what the machine's Go writes).</summary>
    Go118,

    /// <summary>Go 1.13-1.17: the header points at runtime.buildVersion and runtime.modinfo.</summary>
    Go113,

    /// <summary>Before Go 1.13: no build information at all.</summary>
    None,
}
