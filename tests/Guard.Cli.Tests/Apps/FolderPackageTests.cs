using System.IO.Compression;
using System.Text.Json;
using Guard.Cli.Apps;
using Guard.Cli.Tests.Support;
using Guard.Inspection.Zip;
using Guard.Testing;

namespace Guard.Cli.Tests.Apps;

/// <summary><c>guard check FOLDER/</c>: the folder judged as the zip <c>sam deploy</c> or <c>aws cloudformation package</c> would make of it.</summary>
public sealed class FolderPackageTests : IDisposable
{
    private readonly Scratch _scratch = new();

    public void Dispose() => _scratch.Dispose();

    internal static async Task<(int ExitCode, string Output, string Error)> RunAsync(params string[] args)
    {
        var output = new StringWriter();
        var error = new StringWriter();
        var exitCode = await GuardCommandLine.RunAsync(args, output, error, TestContext.Current.CancellationToken);
        ReportSchemaGate.AssertReportMatches(args, output.ToString());
        return (exitCode, output.ToString(), error.ToString());
    }

    [Fact]
    public async Task Check_WhenFolderHasAnExecutableBootstrap_IsOk()
    {
        _scratch.Write("build/bootstrap", ElfBuilder.Static(ElfBuilder.X8664), Scratch.Executable);
        _scratch.Write("build/config.json", "{}");

        var (exitCode, output, _) = await RunAsync("check", _scratch.PathOf("build") + "/");

        Assert.Equal(ExitCodes.Ok, exitCode);
        Assert.StartsWith("OK", output, StringComparison.Ordinal);
        Assert.Contains("ELF x86_64, static, mode 0755", output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Check_WhenFolderBootstrapLacksTheExecuteBit_ReportsNotExecutable()
    {
        _scratch.Write("build/bootstrap", ElfBuilder.Static(ElfBuilder.X8664), Scratch.Regular);

        var (exitCode, output, _) = await RunAsync("check", _scratch.PathOf("build"));

        Assert.Equal(ExitCodes.Broken, exitCode);
        Assert.Contains("BOOTSTRAP_NOT_EXECUTABLE", output, StringComparison.Ordinal);
        Assert.Contains("mode 0644", output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Check_WhenFolderBootstrapIsASymlink_JudgesTheTargetAsThePackagersZipIt()
    {
        _scratch.Write("build/bin/server", ElfBuilder.Static(ElfBuilder.Aarch64), Scratch.Executable);
        _scratch.Symlink("build/bootstrap", "bin/server");

        var (exitCode, output, _) = await RunAsync("check", _scratch.PathOf("build"), "--architecture", "arm64");

        Assert.Equal(ExitCodes.Ok, exitCode);
        Assert.Contains("ELF aarch64", output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Check_WhenFolderBootstrapIsADanglingSymlink_KeepsItAsALinkForTheEngineToJudge()
    {
        _scratch.Symlink("build/bootstrap", "/opt/nowhere/bootstrap");

        var (exitCode, output, _) = await RunAsync("check", _scratch.PathOf("build"));

        // Which finding names the dangling link is the engine's business (main is refining symlink lookup);
        // what this edge owes is the link itself, so the engine sees where it points.
        Assert.Equal(ExitCodes.Broken, exitCode);
        Assert.Contains("/opt/nowhere/bootstrap", output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Check_WhenFolderHoldsTheBuildFolderItself_ReportsNested()
    {
        _scratch.Write("project/dist/bootstrap", ElfBuilder.Static(ElfBuilder.X8664), Scratch.Executable);

        var (exitCode, output, _) = await RunAsync("check", _scratch.PathOf("project"));

        Assert.Equal(ExitCodes.Broken, exitCode);
        Assert.Contains("BOOTSTRAP_NESTED", output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Check_WhenFolderIsEmpty_ExitsTwoSayingNothingWasBuilt()
    {
        var empty = _scratch.Folder("build");

        var (exitCode, output, error) = await RunAsync("check", empty);

        Assert.Equal(ExitCodes.UsageOrUnavailable, exitCode);
        Assert.Empty(output);
        Assert.Equal($"guard: {empty}: the folder is empty: nothing was built into it", error.Trim());
    }

    [Fact]
    public async Task Check_WhenFolderHoldsLargeFiles_ReadsOnlyTheBootstrapsFirstBytes()
    {
        _scratch.Write("build/bootstrap", ElfBuilder.Static(ElfBuilder.X8664), Scratch.Executable);
        _scratch.Write("build/assets/model.bin", new byte[32 * 1024 * 1024]);

        var (exitCode, output, _) = await RunAsync("check", _scratch.PathOf("build"), "--format", "json");

        Assert.Equal(ExitCodes.Ok, exitCode);
        using var json = JsonDocument.Parse(output);
        Assert.Equal(1, json.RootElement.GetProperty("schemaVersion").GetInt32());
        var stats = json.RootElement.GetProperty("stats");
        Assert.True(stats.GetProperty("bytesRead").GetInt64() < 512 * 1024, $"read {stats.GetProperty("bytesRead").GetInt64()} bytes of a 32 MiB folder");
        Assert.True(stats.GetProperty("requests").GetInt32() <= 4);
    }

    [Fact]
    public async Task FolderPackageSource_ReadByZipArchive_IsAZipWithTheFilesModesAndSizes()
    {
        _scratch.Write("build/bootstrap", ElfBuilder.Static(ElfBuilder.X8664), Scratch.Executable);
        _scratch.Write("build/lib/data.txt", "hello");
        _scratch.Write("build/.hidden", "h", (UnixFileMode)0b110_000_000);

        await using var source = FolderPackageSource.Open(_scratch.PathOf("build"));
        var bytes = new byte[source.Length];
        Assert.Equal(bytes.Length, await source.ReadAsync(0, bytes, TestContext.Current.CancellationToken));
        using var archive = new ZipArchive(new MemoryStream(bytes), ZipArchiveMode.Read);

        var entries = archive.Entries.ToDictionary(e => e.FullName, e => (Mode: (int)((uint)e.ExternalAttributes >> 16), e.Length));
        Assert.Equal([".hidden", "bootstrap", "lib/data.txt"], entries.Keys.Order(StringComparer.Ordinal));
        Assert.Equal((0x8000 | 0b111_101_101, ElfBuilder.Static(ElfBuilder.X8664).Length), entries["bootstrap"]);
        Assert.Equal((0x8000 | 0b110_100_100, 5L), entries["lib/data.txt"]);
        Assert.Equal(0x8000 | 0b110_000_000, entries[".hidden"].Mode);
    }

    [Fact]
    public async Task FolderPackageSource_WithAFifoAndALinkToADevice_LeavesThemOutAsZipDoes()
    {
        var build = _scratch.Folder("special");
        _scratch.Write("special/bootstrap", ElfBuilder.Static(ElfBuilder.X8664), Scratch.Executable);
        _scratch.Symlink("special/zero", "/dev/zero");
        ExternalProcess.MakeFifo(Path.Combine(build, "pipe"));

        await using var source = FolderPackageSource.Open(build);

        Assert.Equal(1, source.EntryCount);
    }

    [Fact]
    public async Task FolderPackageSource_WithMoreThan65535Files_IsReadAsZip64()
    {
        var build = _scratch.Folder("big");
        _scratch.Write("big/bootstrap", ElfBuilder.Static(ElfBuilder.X8664), Scratch.Executable);
        for (var i = 0; i < 66_000; i++)
        {
            File.WriteAllBytes(Path.Combine(build, $"f{i:D5}"), []);
        }

        await using var source = FolderPackageSource.Open(build);
        var zip = await ZipPackage.ReadAsync(source, e => e.Name == "bootstrap", 8, TestContext.Current.CancellationToken);

        Assert.Equal(66_001, zip.EntryCount);
        var bootstrap = Assert.Single(zip.KeptEntries);
        Assert.Equal(0b111_101_101, bootstrap.UnixMode & 0b111_111_111);
    }

    [Fact]
    public async Task Check_WithManyPaths_JudgesEachAndExitsWithTheWorst()
    {
        _scratch.Write("good/bootstrap", ElfBuilder.Static(ElfBuilder.X8664), Scratch.Executable);
        _scratch.Write("bad/bootstrap", ElfBuilder.Static(ElfBuilder.X8664), Scratch.Regular);
        var missing = _scratch.PathOf("missing.zip");

        var (exitCode, output, error) = await RunAsync("check", _scratch.PathOf("good"), missing, _scratch.PathOf("bad"), Sample("function.zip"));

        Assert.Equal(ExitCodes.Broken, exitCode);
        Assert.Equal($"guard: {missing}: no such file", error.Trim());
        Assert.Contains("OK  " + _scratch.PathOf("good"), output, StringComparison.Ordinal);
        Assert.Contains("BROKEN  " + _scratch.PathOf("bad"), output, StringComparison.Ordinal);
        Assert.Contains("NOT CHECKED  " + missing, output, StringComparison.Ordinal);
        Assert.EndsWith("4 packages: 2 ok, 1 broken, 1 not checked; exit 1\n", output, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(new[] { "function.zip", "missing.zip" }, ExitCodes.UsageOrUnavailable)]
    [InlineData(new[] { "function.zip", "empty.zip" }, ExitCodes.Placeholder)]
    [InlineData(new[] { "missing.zip", "empty.zip", "function.zip" }, ExitCodes.UsageOrUnavailable)]
    [InlineData(new[] { "made-on-windows.zip", "missing.zip", "empty.zip" }, ExitCodes.Broken)]
    [InlineData(new[] { "function.zip", "function.zip" }, ExitCodes.Ok)]
    public async Task Check_WithManyPaths_ExitCodeFollowsBrokenThenUncheckedThenPlaceholder(string[] names, int expected)
    {
        File.WriteAllBytes(_scratch.PathOf("empty.zip"), new PackageBuilder().ToArray());
        var paths = names.Select(n => n is "empty.zip" or "missing.zip" ? _scratch.PathOf(n) : Sample(n));

        var (exitCode, _, _) = await RunAsync(["check", .. paths]);

        Assert.Equal(expected, exitCode);
    }

    [Fact]
    public async Task Check_WithManyPathsAsJson_WritesSchemaVersion2WithOneEntryEach()
    {
        var missing = _scratch.PathOf("missing.zip");

        var (exitCode, output, _) = await RunAsync("check", Sample("function.zip"), missing, Sample("made-on-windows.zip"), "--format", "json");

        Assert.Equal(ExitCodes.Broken, exitCode);
        using var json = JsonDocument.Parse(output);
        Assert.Equal(2, json.RootElement.GetProperty("schemaVersion").GetInt32());
        Assert.Equal(1, json.RootElement.GetProperty("exitCode").GetInt32());
        var functions = json.RootElement.GetProperty("functions").EnumerateArray().ToArray();
        Assert.Equal(["ok", "unchecked", "broken"], functions.Select(f => f.GetProperty("verdict").GetString()));
        Assert.Equal($"{missing}: no such file", functions[1].GetProperty("reason").GetString());
        Assert.Equal(JsonValueKind.Null, functions[0].GetProperty("logicalId").ValueKind);
        Assert.Equal("BOOTSTRAP_NOT_EXECUTABLE", functions[2].GetProperty("findings")[0].GetProperty("code").GetString());
        Assert.False(functions[2].GetProperty("findings")[0].GetProperty("suppressed").GetBoolean());
    }

    [Fact]
    public async Task Check_WithManyPathsAsSarif_RecordsTheUncheckedOneAndTheOthersResults()
    {
        var missing = _scratch.PathOf("missing.zip");

        var (exitCode, output, _) = await RunAsync("check", missing, Sample("zipped-folder.zip"), "--format", "sarif");

        Assert.Equal(ExitCodes.Broken, exitCode);
        using var json = JsonDocument.Parse(output);
        var run = json.RootElement.GetProperty("runs")[0];
        Assert.Equal("BOOTSTRAP_NESTED", Assert.Single(run.GetProperty("results").EnumerateArray()).GetProperty("ruleId").GetString());
        var invocation = run.GetProperty("invocations")[0];
        Assert.False(invocation.GetProperty("executionSuccessful").GetBoolean());
        Assert.Contains("no such file", invocation.GetProperty("toolExecutionNotifications")[0].GetProperty("message").GetProperty("text").GetString(), StringComparison.Ordinal);
    }

    private static string Sample(string name) => Path.Combine(AppContext.BaseDirectory, "samples", name);
}
