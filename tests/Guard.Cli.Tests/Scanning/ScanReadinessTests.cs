using System.Text.Json;
using Guard.Cli.Commands;
using Guard.Cli.Scanning;
using Guard.Testing;

namespace Guard.Cli.Tests.Scanning;

/// <summary>
/// An account on the runtimes Lambda retires, in moto: real binaries, each a different answer to "can it move to
/// provided.al2023?". The gcc program runs on AL2 (it needs only GLIBC_2.2.5, and libssl.so.10, which AL2 has and
/// AL2023 lacks); the Go binary with aws-lambda-go v1.17.0 speaks only go1.x's RPC protocol.
/// </summary>
public sealed class LegacyAccount : IAsyncLifetime
{
    internal ScanMotoAccount Account { get; private set; } = null!;

    public string GoVersion { get; private set; } = "";

    public async ValueTask InitializeAsync()
    {
        var ct = CancellationToken.None;
        Account = await ScanMotoAccount.StartAsync(ct);
        var ssl10 = await NativeBuild.LibraryAsync(
            NativeArchitecture.X8664, "libssl.so.10", new Dictionary<string, IReadOnlyList<string>> { ["libssl.so.10"] = ["SSL_new"] }, cancellationToken: ct);
        var needsSsl10 = await NativeBuild.ProgramCallingAsync(NativeArchitecture.X8664, [ssl10], withoutStartFiles: true, cancellationToken: ct);
        var oldClient = await GoProgram.BuildLambdaAsync("v1.17.0", cancellationToken: ct);
        GoVersion = (await Guard.Inspection.Executables.ExecutableAnalyzer.AnalyzeAsync(new Guard.Inspection.Reading.InMemoryEntryContent(oldClient), ct)).Elf!.GoBuild!.GoVersion;
        var go = ElfBuilder.Static(ElfBuilder.X8664, go: true);

        await Create("al2-libssl10", ("bootstrap", needsSsl10, PackageBuilder.ExecutableMode), "provided.al2");
        await Create("al2-go", ("bootstrap", go, PackageBuilder.ExecutableMode), "provided.al2");
        await Create("go1x-main", ("main", go, PackageBuilder.ExecutableMode), "go1.x", handler: "main");
        await Create("go1x-rpc-client", ("main", oldClient, PackageBuilder.ExecutableMode), "go1.x", handler: "main");
        await Create("al2-not-executable", ("bootstrap", go, PackageBuilder.RegularFileMode), "provided.al2");
        await Create("already-al2023", ("bootstrap", go, PackageBuilder.ExecutableMode), "provided.al2023", tags: new Dictionary<string, string>
        {
            ["aws:cloudformation:stack-name"] = "orders-prod",
            ["aws:cloudformation:logical-id"] = "OrdersFunction",
            ["STAGE"] = "prod",
        });
    }

    public async ValueTask DisposeAsync() => await Account.DisposeAsync();

    private Task Create(string name, (string Name, byte[] Content, int Mode) file, string runtime, string handler = "bootstrap", IReadOnlyDictionary<string, string>? tags = null) =>
        Account.CreateZipFunctionAsync(name, SeededAccount.Zip(file), runtime, handler: handler, tags: tags, cancellationToken: CancellationToken.None);
}

public sealed class ScanReadinessTests(LegacyAccount legacy) : IClassFixture<LegacyAccount>
{
    private static CancellationToken Token => TestContext.Current.CancellationToken;

    private async Task<(int ExitCode, string Output, string Error)> ScanAsync(ScanSettings settings, RecordingLambda? recording = null)
    {
        using var connection = legacy.Account.Connection(recording is null ? null : lambda => recording.Wrap(lambda));
        var output = new StringWriter();
        var error = new StringWriter();
        var exit = await ScanCommand.RunAsync(settings, connection, output, error, isTerminal: false, Token);
        return (exit, output.ToString(), error.ToString());
    }

    [Fact]
    public async Task Scan_WithTargetRuntime_JudgesEachLegacyFunctionAgainstIt()
    {
        var (exit, output, error) = await ScanAsync(new ScanSettings([], "json", 4) { TargetRuntime = "provided.al2023" });

        Assert.True(exit == ExitCodes.Broken, error);
        using var json = JsonDocument.Parse(output);
        var functions = json.RootElement.GetProperty("functions").EnumerateArray().ToDictionary(f => f.GetProperty("functionName").GetString()!);
        string? Field(string function, string name) =>
            functions[function].GetProperty("readiness") is { ValueKind: JsonValueKind.Object } r ? r.GetProperty(name).GetString() : null;

        Assert.Equal("ready", Field("al2-go", "state"));
        Assert.Equal("ready", Field("go1x-main", "state"));
        Assert.Equal("rebuild", Field("al2-libssl10", "state"));
        Assert.Equal("library", Field("al2-libssl10", "cause"));
        Assert.Equal("BOOTSTRAP_LIBRARY_MISSING", Field("al2-libssl10", "code"));
        Assert.Contains("libssl.so.10", Field("al2-libssl10", "message"), StringComparison.Ordinal);
        Assert.Equal("rebuild", Field("go1x-rpc-client", "state"));
        Assert.Equal("go-client", Field("go1x-rpc-client", "cause"));
        Assert.Equal("broken", Field("al2-not-executable", "state"));
        Assert.Equal("BOOTSTRAP_NOT_EXECUTABLE", Field("al2-not-executable", "code"));
        Assert.Equal(JsonValueKind.Null, functions["already-al2023"].GetProperty("readiness").ValueKind);

        // Where they are, the two that need a rebuild run: it is the move that would break them.
        Assert.Equal("ok", functions["al2-libssl10"].GetProperty("verdict").GetString());
        Assert.Equal("ok", functions["go1x-rpc-client"].GetProperty("verdict").GetString());

        var counts = Assert.Single(json.RootElement.GetProperty("readiness").EnumerateArray());
        Assert.Equal("123456789012", counts.GetProperty("account").GetString());
        Assert.Equal((2, 2, 1), (counts.GetProperty("ready").GetInt32(), counts.GetProperty("rebuild").GetInt32(), counts.GetProperty("broken").GetInt32()));
    }

    [Fact]
    public async Task Scan_WithoutTargetRuntime_HasNoReadiness()
    {
        var (_, output, _) = await ScanAsync(new ScanSettings([], "json", 4));

        using var json = JsonDocument.Parse(output);
        Assert.Equal(JsonValueKind.Null, json.RootElement.GetProperty("readiness").ValueKind);
        Assert.All(json.RootElement.GetProperty("functions").EnumerateArray(), f => Assert.Equal(JsonValueKind.Null, f.GetProperty("readiness").ValueKind));
    }

    [Fact]
    public async Task Scan_TextWithTargetRuntime_ShowsReadinessColumnWhyAndCountsPerAccount()
    {
        var (_, output, _) = await ScanAsync(new ScanSettings([], "text", 4) { TargetRuntime = "provided.al2023" });

        var lines = output.Split('\n');
        Assert.Matches(@"^FUNCTION\s+RUNTIME\s+ARCH\s+TOOLCHAIN\s+VERDICT\s+FIRST FINDING\s+OWNER\s+READINESS\s+DEPRECATED$", lines[0]);
        Assert.Contains(lines, l => l.StartsWith("al2-libssl10 ", StringComparison.Ordinal) && l.Contains("rebuild (library)", StringComparison.Ordinal));
        Assert.Contains(lines, l => l.StartsWith("go1x-main ", StringComparison.Ordinal) && l.Contains(" ready ", StringComparison.Ordinal));
        Assert.Contains(lines, l => l.StartsWith("al2-libssl10: needs a rebuild for provided.al2023: BOOTSTRAP_LIBRARY_MISSING", StringComparison.Ordinal));
        Assert.Contains("readiness for provided.al2023 in 123456789012: 2 ready to move as is, 2 need a rebuild, 1 already broken", output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Scan_StackOwnedFunction_ShowsOwnerInTableAndJson()
    {
        var (_, text, _) = await ScanAsync(new ScanSettings([], "text", 4));
        var (_, jsonText, _) = await ScanAsync(new ScanSettings([], "json", 4));

        Assert.Contains(text.Split('\n'), l => l.StartsWith("already-al2023 ", StringComparison.Ordinal) && l.Contains(" orders-prod/OrdersFunction ", StringComparison.Ordinal));
        using var json = JsonDocument.Parse(jsonText);
        var function = json.RootElement.GetProperty("functions").EnumerateArray().Single(f => f.GetProperty("functionName").GetString() == "already-al2023");
        Assert.Equal("orders-prod", function.GetProperty("owner").GetString());
        Assert.Equal("OrdersFunction", function.GetProperty("ownerLogicalId").GetString());
        Assert.Equal("Serverless Framework", function.GetProperty("ownerTool").GetString());
        var unowned = json.RootElement.GetProperty("functions").EnumerateArray().Single(f => f.GetProperty("functionName").GetString() == "al2-go");
        Assert.Equal(JsonValueKind.Null, unowned.GetProperty("owner").ValueKind);
    }

    [Fact]
    public async Task Scan_WithTag_WritesEachFunctionsToolchainAsTag()
    {
        var (_, output, error) = await ScanAsync(new ScanSettings([], "json", 4) { Tag = true });

        using var json = JsonDocument.Parse(output);
        var functions = json.RootElement.GetProperty("functions").EnumerateArray().ToDictionary(f => f.GetProperty("functionName").GetString()!);
        Assert.Equal(legacy.GoVersion, functions["go1x-rpc-client"].GetProperty("toolchain").GetString());
        Assert.Equal("c:gcc-", functions["al2-libssl10"].GetProperty("toolchain").GetString()![..6]);
        Assert.Contains("guard: tagged ", error, StringComparison.Ordinal);

        // Read back through moto, not through what guard believes it wrote.
        var lambda = legacy.Account.Lambda();
        Assert.Equal(legacy.GoVersion, (await lambda.GetFunctionAsync("go1x-rpc-client", Token)).Tags["guard:toolchain"]);
        Assert.Equal(functions["al2-libssl10"].GetProperty("toolchain").GetString(), (await lambda.GetFunctionAsync("al2-libssl10", Token)).Tags["guard:toolchain"]);
        // The hand-made Go binary has a build ID note and no build information: go, without a version.
        Assert.Equal("go", (await lambda.GetFunctionAsync("al2-go", Token)).Tags["guard:toolchain"]);
    }

    /// <summary>The actions <see cref="CliPermissions"/> grants scan, without those only <paramref name="excludedOption"/> needs.</summary>
    private static HashSet<string> Granted(string command, string? excludedOption = null) =>
    [
        .. CliPermissions.ByCommand[command].Where(g => excludedOption is null || !g.When.Contains(excludedOption, StringComparison.Ordinal)).Select(g => g.Action),
    ];

    [Fact]
    public async Task Scan_WithoutTag_CallsOnlyWhatItsPermissionsListAndNeverTagResource()
    {
        var recording = new RecordingLambda();

        await ScanAsync(new ScanSettings([], "json", 4) { TargetRuntime = "provided.al2023" }, recording);

        Assert.Subset(Granted("scan", excludedOption: "--tag"), recording.Actions.ToHashSet(StringComparer.Ordinal));
        Assert.DoesNotContain(Guard.Aws.AwsActions.LambdaTagResource, recording.Actions);
    }

    [Fact]
    public async Task Scan_WithTag_CallsTagResourceWhichItsPermissionsList()
    {
        var recording = new RecordingLambda();

        await ScanAsync(new ScanSettings([], "json", 4) { Tag = true }, recording);

        Assert.Contains(Guard.Aws.AwsActions.LambdaTagResource, recording.Actions);
        Assert.Subset(Granted("scan"), recording.Actions.ToHashSet(StringComparer.Ordinal));
    }
}
