using System.Security.Cryptography;
using System.Text.Json;
using System.Text.Json.Nodes;
using Guard.Cli.Tests.Apps;
using Guard.Cli.Tests.Support;
using Guard.Testing;

namespace Guard.Cli.Tests;

/// <summary>
/// <c>schemas/guard-report.schema.json</c> against what <c>guard check --format json</c> writes over a spread of
/// packages, each chosen to fill fields the others leave null; and the schema's strictness, which is what makes
/// drift fail (every other CLI test's JSON report also goes through <see cref="ReportSchemaGate"/>).
/// </summary>
public sealed class ReportSchemaTests : IDisposable
{
    private readonly Scratch _scratch = new();

    public void Dispose() => _scratch.Dispose();

    private static string Sample(string name) => Path.Combine(AppContext.BaseDirectory, "samples", name);

    public static TheoryData<string> Spread() =>
    [
        "ok", "broken-wrong-arch", "broken-no-mode", "broken-nested", "placeholder", "go1x", "folder", "go-build-info",
        "layer", "suppressed", "app", "app-suppressed", "app-unresolved", "several-paths",
    ];

    [Theory]
    [MemberData(nameof(Spread))]
    public async Task Check_AsJson_MatchesThePublishedSchema(string package)
    {
        var (args, schemaVersion, exercised) = await ArgumentsForAsync(package);

        var output = new StringWriter();
        await GuardCommandLine.RunAsync([.. args, "--format", "json"], output, new StringWriter(), TestContext.Current.CancellationToken);

        using var report = ReportSchema.Parse(output.ToString());
        Assert.Equal(schemaVersion, report.RootElement.GetProperty("schemaVersion").GetInt32());
        // The case must fill the field it is here for, or it proves nothing the others do not.
        Assert.Contains(exercised, output.ToString(), StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("ok", "/unknownField", "1")]
    [InlineData("ok", "/bootstrap/unknownField", "1")]
    [InlineData("ok", "/stats/unknownField", "1")]
    [InlineData("broken-wrong-arch", "/findings/0/unknownField", "1")]
    [InlineData("several-paths", "/functions/0/unknownField", "1")]
    [InlineData("several-paths", "/unknownField", "1")]
    public async Task Schema_WhenAReportGainsAnUnknownField_RejectsIt(string package, string where, string value)
    {
        var report = await ValidReportAsync(package);
        var slash = where.LastIndexOf('/');
        Locate(report, where[..slash])!.AsObject()[where[(slash + 1)..]] = JsonNode.Parse(value);

        Assert.NotNull(ReportSchema.Problems(report.ToJsonString()));
    }

    [Theory]
    [InlineData("ok", "/verdict", "\"fine\"")]
    [InlineData("ok", "/verdict", "\"skipped\"")] // version 2 only: a single package is always judged
    [InlineData("ok", "/schemaVersion", "3")]
    [InlineData("ok", "/findings", "null")]
    [InlineData("broken-wrong-arch", "/findings/0/severity", "\"fatal\"")]
    [InlineData("ok", "/bootstrap/mode", "\"755\"")]
    [InlineData("several-paths", "/functions/0/verdict", "\"fine\"")]
    [InlineData("several-paths", "/exitCode", "4")]
    [InlineData("several-paths", "/functions/0/findings/0/suppressedBy", "\"--ignore\"")] // not suppressed, yet by something
    public async Task Schema_WhenAFieldHasAWrongValue_RejectsIt(string package, string where, string value)
    {
        var report = await ValidReportAsync(package);
        var slash = where.LastIndexOf('/');
        Locate(report, where[..slash])![where[(slash + 1)..]] = JsonNode.Parse(value);

        Assert.NotNull(ReportSchema.Problems(report.ToJsonString()));
    }

    [Fact]
    public async Task Schema_WhenARequiredFieldIsMissing_RejectsIt()
    {
        var report = await ValidReportAsync("ok");
        report["bootstrap"]!.AsObject().Remove("goVersion");

        Assert.NotNull(ReportSchema.Problems(report.ToJsonString()));
    }

    private async Task<JsonNode> ValidReportAsync(string package)
    {
        var (args, _, _) = await ArgumentsForAsync(package);
        var output = new StringWriter();
        await GuardCommandLine.RunAsync([.. args, "--format", "json"], output, new StringWriter(), TestContext.Current.CancellationToken);
        Assert.Null(ReportSchema.Problems(output.ToString()));
        return JsonNode.Parse(output.ToString())!;
    }

    private static JsonNode? Locate(JsonNode root, string pointer) =>
        pointer.Split('/', StringSplitOptions.RemoveEmptyEntries)
            .Aggregate<string, JsonNode?>(root, (node, step) => int.TryParse(step, out var index) ? node![index] : node![step]);

    /// <summary>The command line for a case, the schema version it must write, and a text its report must contain.</summary>
    private async Task<(string[] Args, int SchemaVersion, string Exercised)> ArgumentsForAsync(string package)
    {
        switch (package)
        {
            case "ok":
                return (["check", Sample("function.zip")], 1, "\"verdict\": \"ok\"");
            case "broken-wrong-arch":
                return (["check", Sample("function.zip"), "--architecture", "arm64"], 1, "BOOTSTRAP_WRONG_ARCH");
            case "broken-no-mode":
                return (["check", Sample("made-on-windows.zip")], 1, "\"mode\": null");
            case "broken-nested":
                return (["check", Sample("zipped-folder.zip")], 1, "BOOTSTRAP_NESTED");
            case "placeholder":
                var digest = Convert.ToBase64String(SHA256.HashData(await File.ReadAllBytesAsync(Sample("function.zip"), TestContext.Current.CancellationToken)));
                return (["check", Sample("function.zip"), "--placeholder-sha256", digest], 1, "\"verdict\": \"placeholder\"");
            case "go1x":
                return (["check", Sample("go1x-main.zip"), "--handler", "main"], 1, "\"hint\": \"");
            case "folder":
                _scratch.Write("build/bootstrap", ElfBuilder.Dynamic(ElfBuilder.X8664, glibc: ["GLIBC_2.34"]), Scratch.Executable);
                return (["check", _scratch.PathOf("build") + "/"], 1, "\"glibcRequired\": \"2.34\"");
            case "go-build-info":
                var binary = await GoProgram.BuildLambdaAsync("v1.47.0", cancellationToken: TestContext.Current.CancellationToken);
                var go = _scratch.Write("go.zip", new PackageBuilder().AddFile("bootstrap", binary, PackageBuilder.ExecutableMode, stored: true).ToArray());
                return (["check", go], 1, "\"awsLambdaGo\": \"v1.47.0\"");
            case "layer":
                var layer = _scratch.Write("layer.zip", new PackageBuilder().AddFile("bootstrap", ElfBuilder.Static(ElfBuilder.X8664, go: true), PackageBuilder.ExecutableMode).ToArray());
                var code = _scratch.Write("code.zip", new PackageBuilder().AddFile("handler.sh", "echo"u8.ToArray()).ToArray());
                return (["check", code, "--layer", layer], 1, "\"toolchain\": \"go\"");
            case "suppressed":
                return (["check", Sample("made-on-windows.zip"), "--ignore", "BOOTSTRAP_NOT_EXECUTABLE"], 1, "\"suppressed\": true");
            case "app":
                return (["check", TestApps.WriteApp(_scratch), "--parameter-overrides", "Arch=x86_64"], 2, "\"origin\": \"layer\"");
            case "app-suppressed":
                return (["check", TestApps.WriteLegacy(_scratch), "--parameter-overrides", "RuntimeVersion=provided.al2", "--ignore", "RUNTIME_DEPLOY_BLOCKED"], 2, "\"suppressedBy\": \"Metadata");
            case "app-unresolved":
                return (["check", TestApps.WriteGetAtt(_scratch)], 2, "\"verdict\": \"unchecked\"");
            case "several-paths":
                return (["check", Sample("made-on-windows.zip"), _scratch.PathOf("missing.zip"), Sample("function.zip")], 2, "\"logicalId\": null");
            default:
                throw new ArgumentOutOfRangeException(nameof(package), package, "no such case");
        }
    }
}
