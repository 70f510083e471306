using Microsoft.Extensions.Time.Testing;
using Guard.Inspection.Reading;
using Guard.Inspection.Reporting;
using Guard.Inspection.Rules;
using Guard.Testing;

namespace Guard.Inspection.Tests;

/// <summary>
/// Extensions: every file of a layer's extensions/ folder is exec'd at init before the runtime, so each is judged
/// like bootstrap. The binaries are built here by gcc and aarch64-linux-gnu-gcc.
/// </summary>
public sealed class ExtensionTests
{
    private static readonly byte[] StaticX8664 = ElfBuilder.Static(ElfBuilder.X8664);
    private static readonly byte[] StaticArm64 = ElfBuilder.Static(ElfBuilder.Aarch64);

    private static readonly Lazy<Task<byte[]>> GccX8664 = new(() => CCompiler.CompileAsync(CCompiler.X8664));
    private static readonly Lazy<Task<byte[]>> GccAarch64 = new(() => CCompiler.CompileAsync(CCompiler.Aarch64));

    private static readonly PackageInspector Inspector = new(
        RuntimeCatalog.Default, PlaceholderCatalog.Default, new FakeTimeProvider(new DateTimeOffset(2026, 11, 27, 0, 0, 0, TimeSpan.Zero)));

    private const string LayerArn = "arn:aws:lambda:eu-west-1:123456789012:layer:telemetry:7";

    private static Task<Report> InspectAsync(Architecture architecture, string runtime = "provided.al2023", params PackageBuilder[] layers)
    {
        var bootstrap = architecture == Architecture.Arm64 ? StaticArm64 : StaticX8664;
        var package = new PackageBuilder().AddFile("bootstrap", bootstrap, PackageBuilder.ExecutableMode).ToSource();
        var sources = layers.Select((l, i) => (IRangeSource)l.ToSource(i == layers.Length - 1 ? LayerArn : $"arn:aws:lambda:eu-west-1:123456789012:layer:base:{i + 1}")).ToArray();
        return Inspector.InspectAsync(new InspectionRequest(package, runtime, architecture, sources), TestContext.Current.CancellationToken);
    }

    private static string Describe(Report report) => string.Join("; ", report.Findings.Select(f => $"{f.Code}: {f.Message}"));

    private static Finding OnlyError(Report report, string code)
    {
        Assert.True(report.Verdict == Verdict.Broken, Describe(report));
        var error = Assert.Single(report.Findings, f => f.Severity == Severity.Error);
        Assert.Equal(code, error.Code);
        Assert.False(string.IsNullOrWhiteSpace(error.Hint));
        return error;
    }

    [Theory]
    [InlineData(CCompiler.X8664, Architecture.Arm64, "x86_64")]
    [InlineData(CCompiler.Aarch64, Architecture.X8664, "aarch64")]
    public async Task Inspect_WhenAnExtensionIsBuiltForTheOtherCpu_ReportsExtensionWrongArchNamingTheLayer(string compiler, Architecture architecture, string machine)
    {
        var extension = await (compiler == CCompiler.X8664 ? GccX8664 : GccAarch64).Value;

        var report = await InspectAsync(architecture, layers: new PackageBuilder().AddFile("extensions/telemetry", extension, PackageBuilder.ExecutableMode));

        var error = OnlyError(report, FindingCodes.ExtensionWrongArch);
        Assert.Contains($"/opt/extensions/telemetry is an {machine} executable", error.Message, StringComparison.Ordinal);
        Assert.Contains(LayerArn, error.Message, StringComparison.Ordinal);
        Assert.Contains("Extension.LaunchError", error.Message, StringComparison.Ordinal);
        Assert.Equal("bootstrap", report.Bootstrap!.Path);
    }

    [Fact]
    public async Task Inspect_WhenAnExtensionHasMode0644_ReportsExtensionNotExecutable()
    {
        var extension = await GccX8664.Value;

        var report = await InspectAsync(Architecture.X8664, layers: new PackageBuilder().AddFile("extensions/telemetry", extension, PackageBuilder.RegularFileMode));

        var error = OnlyError(report, FindingCodes.ExtensionNotExecutable);
        Assert.Contains("/opt/extensions/telemetry has mode 0644", error.Message, StringComparison.Ordinal);
        Assert.Contains(LayerArn, error.Message, StringComparison.Ordinal);
        Assert.Contains("chmod 755 extensions/telemetry", error.Hint, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(CCompiler.X8664, Architecture.X8664, Architecture.Arm64)]
    [InlineData(CCompiler.Aarch64, Architecture.Arm64, Architecture.X8664)]
    public async Task Inspect_WhenAnExtensionMatchesTheFunction_IsOkAndOnlyTheOtherArchitectureBreaksIt(string compiler, Architecture matching, Architecture other)
    {
        var extension = await (compiler == CCompiler.X8664 ? GccX8664 : GccAarch64).Value;
        var layer = new PackageBuilder().AddFile("extensions/telemetry", extension, PackageBuilder.ExecutableMode);

        var good = await InspectAsync(matching, layers: layer);
        var wrong = await InspectAsync(other, layers: layer);

        Assert.True(good.Verdict == Verdict.Ok && good.Findings.Count == 0, Describe(good));
        OnlyError(wrong, FindingCodes.ExtensionWrongArch);
    }

    [Fact]
    public async Task Inspect_WhenAScriptExtensionUsesBinSh_IsOkOnlyWhenExecutable()
    {
        const string Script = "#!/bin/sh\nexec /opt/logs-agent\n";

        var good = await InspectAsync(Architecture.X8664, layers: new PackageBuilder().AddFile("extensions/logs", Script, PackageBuilder.ExecutableMode));
        var plain = await InspectAsync(Architecture.X8664, layers: new PackageBuilder().AddFile("extensions/logs", Script, PackageBuilder.RegularFileMode));

        Assert.True(good.Verdict == Verdict.Ok && good.Findings.Count == 0, Describe(good));
        OnlyError(plain, FindingCodes.ExtensionNotExecutable);
    }

    [Fact]
    public async Task Inspect_WhenAScriptExtensionIsNotReadableByOthers_ReportsExtensionNotExecutable()
    {
        var report = await InspectAsync(Architecture.X8664, layers: new PackageBuilder().AddFile("extensions/logs", "#!/bin/sh\nexec /opt/logs-agent\n", 0b111_101_001));

        OnlyError(report, FindingCodes.ExtensionNotExecutable);
    }

    [Fact]
    public async Task Inspect_WhenAScriptExtensionsInterpreterNoLayerProvides_ReportsExtensionInterpreterMissing()
    {
        var report = await InspectAsync(Architecture.X8664, layers: new PackageBuilder().AddFile("extensions/agent", "#!/opt/bin/node\nrequire('/opt/agent')\n", PackageBuilder.ExecutableMode));

        var error = OnlyError(report, FindingCodes.ExtensionInterpreterMissing);
        Assert.Contains("/opt/bin/node", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Inspect_WhenAnExtensionHasCrlfShebang_ReportsExtensionCrlfWithItsPathInTheHint()
    {
        var report = await InspectAsync(Architecture.X8664, layers: new PackageBuilder().AddFile("extensions/logs", "#!/bin/sh\r\nexec /opt/agent\r\n", PackageBuilder.ExecutableMode));

        var error = OnlyError(report, FindingCodes.ExtensionCrlf);
        Assert.Contains("dos2unix extensions/logs", error.Hint, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Inspect_WhenAnExtensionNeedsANewerGlibcThanProvidedAl2_ReportsExtensionGlibcTooNewAsACrash()
    {
        // gcc here links against glibc 2.34 or later (__libc_start_main@GLIBC_2.34); provided.al2 has 2.26.
        var extension = await GccX8664.Value;

        var report = await InspectAsync(Architecture.X8664, "provided.al2", new PackageBuilder().AddFile("extensions/telemetry", extension, PackageBuilder.ExecutableMode));

        var error = OnlyError(report, FindingCodes.ExtensionGlibcTooNew);
        Assert.Contains("Extension.Crash", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Inspect_WhenALaterLayerReplacesABrokenExtension_JudgesTheEffectiveFile()
    {
        var broken = new PackageBuilder().AddFile("extensions/telemetry", await GccAarch64.Value, PackageBuilder.ExecutableMode);
        var fixedUp = new PackageBuilder().AddFile("extensions/telemetry", await GccX8664.Value, PackageBuilder.ExecutableMode);

        var replaced = await InspectAsync(Architecture.X8664, layers: [broken, fixedUp]);
        var replacing = await InspectAsync(Architecture.X8664, layers: [fixedUp, broken]);

        Assert.True(replaced.Verdict == Verdict.Ok && replaced.Findings.Count == 0, Describe(replaced));
        OnlyError(replacing, FindingCodes.ExtensionWrongArch);
    }

    [Fact]
    public async Task Inspect_WhenALaterLayerBringsABrokenExtension_NamesThatLayer()
    {
        var report = await InspectAsync(
            Architecture.X8664,
            layers:
            [
                new PackageBuilder().AddFile("extensions/telemetry", await GccX8664.Value, PackageBuilder.ExecutableMode),
                new PackageBuilder().AddFile("extensions/telemetry", await GccX8664.Value, PackageBuilder.RegularFileMode),
            ]);

        Assert.Contains(LayerArn, OnlyError(report, FindingCodes.ExtensionNotExecutable).Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Inspect_WhenFilesSitInASubfolderOfExtensions_JudgesOnlyTheFolderItself()
    {
        var report = await InspectAsync(Architecture.X8664, layers: new PackageBuilder()
            .AddDirectory("extensions/")
            .AddFile("extensions/telemetry", "#!/bin/sh\nexec /opt/telemetry-lib/agent\n", PackageBuilder.RegularFileMode)
            .AddDirectory("extensions/telemetry-lib/")
            .AddFile("extensions/telemetry-lib/config.json", "{}")
            .AddFile("extensions/telemetry-lib/helper", StaticArm64, PackageBuilder.RegularFileMode));

        var error = OnlyError(report, FindingCodes.ExtensionNotExecutable);
        Assert.Contains("/opt/extensions/telemetry has mode", error.Message, StringComparison.Ordinal);
        Assert.DoesNotContain(report.Findings, f => f.Message.Contains("telemetry-lib", StringComparison.Ordinal) && f.Code != FindingCodes.ExtensionNotExecutable);
    }

    [Fact]
    public async Task Inspect_WhenAnExtensionIsADanglingSymlink_ReportsExtensionNotFile()
    {
        var report = await InspectAsync(Architecture.X8664, layers: new PackageBuilder().AddSymlink("extensions/telemetry", "../telemetry/bin/agent"));

        var error = OnlyError(report, FindingCodes.ExtensionNotFile);
        Assert.Contains("../telemetry/bin/agent", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Inspect_WhenAnExtensionLinksToABinaryElsewhereInTheLayer_JudgesTheTarget()
    {
        var report = await InspectAsync(Architecture.X8664, layers: new PackageBuilder()
            .AddSymlink("extensions/telemetry", "../telemetry/agent")
            .AddFile("telemetry/agent", StaticArm64, PackageBuilder.ExecutableMode));

        OnlyError(report, FindingCodes.ExtensionWrongArch);
    }

    [Fact]
    public async Task Inspect_WhenTheFunctionHasNoBootstrap_StillJudgesExtensions()
    {
        var package = new PackageBuilder().AddFile("main", StaticX8664, PackageBuilder.ExecutableMode).ToSource();
        var layer = new PackageBuilder().AddFile("extensions/telemetry", StaticArm64, PackageBuilder.ExecutableMode).ToSource(LayerArn);

        var report = await Inspector.InspectAsync(new InspectionRequest(package, Layers: [layer]), TestContext.Current.CancellationToken);

        Assert.Contains(report.Findings, f => f.Code == FindingCodes.BootstrapMissing);
        Assert.Contains(report.Findings, f => f.Code == FindingCodes.ExtensionWrongArch);
    }

    [Fact]
    public async Task Inspect_WhenALayerShipsAnExtensionAmongLargeFiles_ReadsOnlyItsCentralDirectoryAndTheExtensionsFirstBytes()
    {
        // A 4 MiB library stored before the extension: the tail read cannot cover the extension, and the library is never read.
        var library = new byte[4 * 1024 * 1024];
        new Random(7).NextBytes(library);
        var extension = await GccX8664.Value;
        var withExtension = new PackageBuilder()
            .AddFile("lib/libtelemetry.so", library, PackageBuilder.ExecutableMode, stored: true)
            .AddFile("extensions/telemetry", extension, PackageBuilder.ExecutableMode)
            .AddFile("lib/libmore.so", library, PackageBuilder.ExecutableMode, stored: true);
        var withoutExtension = new PackageBuilder()
            .AddFile("lib/libtelemetry.so", library, PackageBuilder.ExecutableMode, stored: true)
            .AddFile("telemetry/agent", extension, PackageBuilder.ExecutableMode)
            .AddFile("lib/libmore.so", library, PackageBuilder.ExecutableMode, stored: true);

        var (withRequests, withBytes) = await LayerCostAsync(withExtension);
        var (withoutRequests, withoutBytes) = await LayerCostAsync(withoutExtension);

        // Without an extension the layer costs its central directory only; with one, a few small ranged reads more,
        // bounded by the extension's compressed size plus its local header, far below the layer's 8 MiB.
        Assert.True(withRequests - withoutRequests is > 0 and <= 3, $"{withRequests} vs {withoutRequests} requests");
        Assert.True(withBytes - withoutBytes <= extension.Length + 1024, $"{withBytes} vs {withoutBytes} bytes, extension {extension.Length} B");
        Assert.True(withBytes < 128 * 1024, $"{withBytes} bytes read");
    }

    private static async Task<(int Requests, long Bytes)> LayerCostAsync(PackageBuilder layer)
    {
        var recording = new RecordingRangeSource(layer.ToSource(LayerArn));
        var package = new PackageBuilder().AddFile("bootstrap", StaticX8664, PackageBuilder.ExecutableMode).ToSource();

        var report = await Inspector.InspectAsync(new InspectionRequest(package, Layers: [recording]), TestContext.Current.CancellationToken);

        Assert.True(report.Verdict == Verdict.Ok, Describe(report));
        return (recording.Requests.Count, recording.BytesRead);
    }

    /// <summary>A managed-runtime function: its handler module and no bootstrap (Lambda supplies it), with its layers.</summary>
    private static Task<Report> InspectManagedAsync(string runtime, Architecture architecture, params PackageBuilder[] layers)
    {
        var package = new PackageBuilder().AddFile("lambda_function.py", "def handler(event, context):\n    return event\n", PackageBuilder.RegularFileMode).ToSource();
        var sources = layers.Select(l => (IRangeSource)l.ToSource(LayerArn)).ToArray();
        return Inspector.InspectAsync(
            new InspectionRequest(package, runtime, architecture, sources, Handler: "lambda_function.handler"), TestContext.Current.CancellationToken);
    }

    [Fact]
    public async Task Inspect_OnPython312_WhenAnExtensionIsAarch64_ReportsExtensionWrongArchAndNothingAboutBootstrap()
    {
        var extension = await GccAarch64.Value;

        var report = await InspectManagedAsync("python3.12", Architecture.X8664, new PackageBuilder().AddFile("extensions/telemetry", extension, PackageBuilder.ExecutableMode));

        var error = OnlyError(report, FindingCodes.ExtensionWrongArch);
        Assert.Contains("/opt/extensions/telemetry is an aarch64 executable", error.Message, StringComparison.Ordinal);
        Assert.Contains(LayerArn, error.Message, StringComparison.Ordinal);
        Assert.DoesNotContain(report.Findings, f => f.Code.StartsWith("BOOTSTRAP_", StringComparison.Ordinal));
        Assert.Null(report.Bootstrap);
        Assert.Equal("python3.12", report.Runtime);
    }

    [Fact]
    public async Task Inspect_OnNodejs20_WhenTheExtensionMatches_IsOk()
    {
        var extension = await GccX8664.Value;

        var report = await InspectManagedAsync("nodejs20.x", Architecture.X8664, new PackageBuilder().AddFile("extensions/telemetry", extension, PackageBuilder.ExecutableMode));

        Assert.True(report.Verdict == Verdict.Ok && report.Findings.Count == 0, Describe(report));
    }

    [Fact]
    public async Task Inspect_OnPython312_WhenAScriptExtensionHasNoExecBit_ReportsExtensionNotExecutable()
    {
        var report = await InspectManagedAsync(
            "python3.12", Architecture.X8664, new PackageBuilder().AddFile("extensions/logs", "#!/bin/sh\nexec /opt/logs-agent\n", PackageBuilder.RegularFileMode));

        var error = OnlyError(report, FindingCodes.ExtensionNotExecutable);
        Assert.Contains("chmod 755 extensions/logs", error.Hint, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("python3.12")]
    [InlineData("nodejs20.x")]
    [InlineData("java21")]
    [InlineData("python3.11")]
    public async Task Inspect_OnAManagedRuntime_WithoutBootstrapOrLayers_IsOkWithNoFinding(string runtime)
    {
        var report = await InspectManagedAsync(runtime, Architecture.X8664);

        Assert.True(report.Verdict == Verdict.Ok && report.Findings.Count == 0, Describe(report));
    }

    [Fact]
    public async Task Inspect_OnPython311_WhenAnExtensionNeedsGlibc234_ReportsExtensionGlibcTooNewButNotOnPython312()
    {
        // python3.11 runs on Amazon Linux 2 (glibc 2.26), python3.12 on Amazon Linux 2023 (2.34); gcc here links against 2.34 or later.
        var extension = await GccX8664.Value;
        var layer = new PackageBuilder().AddFile("extensions/telemetry", extension, PackageBuilder.ExecutableMode);

        var al2 = await InspectManagedAsync("python3.11", Architecture.X8664, layer);
        var al2023 = await InspectManagedAsync("python3.12", Architecture.X8664, layer);

        OnlyError(al2, FindingCodes.ExtensionGlibcTooNew);
        Assert.True(al2023.Verdict == Verdict.Ok && al2023.Findings.Count == 0, Describe(al2023));
    }

    [Fact]
    public async Task Inspect_OnPython312_WhenAScriptExtensionRunsPython3_IsNotReportedMissing()
    {
        // The OS-only AL2023 image has no python3 (EXTENSION_INTERPRETER_MISSING on provided.al2023); python3.12's image adds it.
        var layer = new PackageBuilder().AddFile("extensions/agent", "#!/usr/bin/env python3\nimport agent\n", PackageBuilder.ExecutableMode);

        var managed = await InspectManagedAsync("python3.12", Architecture.X8664, layer);

        Assert.DoesNotContain(managed.Findings, f => f.Severity == Severity.Error);
    }
    private const string FunctionArn = "arn:aws:lambda:eu-west-1:123456789012:function:orders";

    private static Task<Report> InspectLayersOnlyAsync(string runtime, Architecture architecture, params PackageBuilder[] layers) =>
        Inspector.InspectAsync(
            new InspectionRequest(new UnreadPackage(FunctionArn), runtime, architecture, [.. layers.Select(l => (IRangeSource)l.ToSource(LayerArn))], Handler: "app.handler") { LayersOnly = true },
            TestContext.Current.CancellationToken);

    [Fact]
    public async Task Inspect_LayersOnly_JudgesTheExtensionsWithoutReadingTheFunctionsCode()
    {
        var extension = await GccAarch64.Value;

        // UnreadPackage throws on any read: the report proves the function's code was never touched.
        var report = await InspectLayersOnlyAsync("python3.12", Architecture.X8664, new PackageBuilder().AddFile("extensions/telemetry", extension, PackageBuilder.ExecutableMode));

        OnlyError(report, FindingCodes.ExtensionWrongArch);
        Assert.Equal(FunctionArn, report.Source);
        Assert.Equal("python3.12", report.Runtime);
    }

    [Fact]
    public async Task Inspect_LayersOnly_WhenAScriptExtensionsInterpreterIsInTheFunctionsCode_IsUnverifiedNotMissing()
    {
        var layer = new PackageBuilder().AddFile("extensions/agent", "#!/var/task/bin/agent-runner\n", PackageBuilder.ExecutableMode);

        var unread = await InspectLayersOnlyAsync("python3.12", Architecture.X8664, layer);
        var read = await InspectManagedAsync("python3.12", Architecture.X8664, layer);

        var warning = Assert.Single(unread.Findings);
        Assert.True(unread.Verdict == Verdict.Ok && warning.Code == FindingCodes.ExtensionInterpreterUnverified, Describe(unread));
        Assert.Contains("in the function's own code, which Guard does not read", warning.Message, StringComparison.Ordinal);
        // Read, the function's code settles it: it does not ship the interpreter.
        OnlyError(read, FindingCodes.ExtensionInterpreterMissing);
    }

    [Fact]
    public async Task Inspect_LayersOnly_OnACustomRuntime_IsRefused()
    {
        await Assert.ThrowsAsync<ArgumentException>(() => InspectLayersOnlyAsync("provided.al2023", Architecture.X8664));
    }
}
