using Microsoft.Extensions.Time.Testing;
using Guard.Inspection.Reading;
using Guard.Inspection.Reporting;
using Guard.Inspection.Rules;
using Guard.Testing;

namespace Guard.Inspection.Tests;

/// <summary>One behaviour per finding code, on packages built the way real tools build them.</summary>
public class PackageInspectorTests
{
    private static readonly byte[] StaticX8664 = ElfBuilder.Static(ElfBuilder.X8664);
    private static readonly byte[] StaticArm64 = ElfBuilder.Static(ElfBuilder.Aarch64);
    private static readonly byte[] StaticGoArm64 = ElfBuilder.Static(ElfBuilder.Aarch64, go: true);

    private static readonly PackageInspector Inspector = new(
        RuntimeCatalog.Default, PlaceholderCatalog.Default, new FakeTimeProvider(new DateTimeOffset(2026, 11, 27, 0, 0, 0, TimeSpan.Zero)));

    private static Task<Report> InspectAsync(
        PackageBuilder package,
        string runtime = "provided.al2023",
        Architecture architecture = Architecture.X8664,
        IReadOnlyList<PackageBuilder>? layers = null,
        string? handler = null) =>
        InspectAsync(package.ToSource(), runtime, architecture, layers?.Select((l, i) => (IRangeSource)l.ToSource($"memory://layer{i + 1}.zip")).ToArray(), handler);

    private static Task<Report> InspectAsync(
        IRangeSource package,
        string runtime = "provided.al2023",
        Architecture architecture = Architecture.X8664,
        IReadOnlyList<IRangeSource>? layers = null,
        string? handler = null) =>
        Inspector.InspectAsync(new InspectionRequest(package, runtime, architecture, layers, handler), TestContext.Current.CancellationToken);

    private static Finding Single(Report report, string code) => Assert.Single(report.Findings, f => f.Code == code);

    private static void AssertOnlyError(Report report, string code)
    {
        Assert.Equal(Verdict.Broken, report.Verdict);
        var error = Assert.Single(report.Findings, f => f.Severity == Severity.Error);
        Assert.Equal(code, error.Code);
        Assert.False(string.IsNullOrWhiteSpace(error.Message));
        Assert.False(string.IsNullOrWhiteSpace(error.Hint));
    }

    [Fact]
    public async Task Inspect_WhenStaticBootstrapMatchesArchitecture_IsOkWithFacts()
    {
        var report = await InspectAsync(new PackageBuilder().AddFile("bootstrap", StaticGoArm64, PackageBuilder.ExecutableMode), architecture: Architecture.Arm64);

        Assert.Equal(Verdict.Ok, report.Verdict);
        Assert.Empty(report.Findings);
        var bootstrap = Assert.IsType<BootstrapSummary>(report.Bootstrap);
        Assert.Equal(("bootstrap", "function", "elf", "aarch64", "static", "0755", "go"),
            (bootstrap.Path, bootstrap.Origin, bootstrap.Kind, bootstrap.Machine, bootstrap.Linkage, bootstrap.Mode, bootstrap.Toolchain));
        Assert.Equal(1, report.Stats.Requests);
    }

    [Fact]
    public async Task Inspect_WhenNoBootstrap_ReportsMissingAndNamesTheExecutableCandidate()
    {
        var report = await InspectAsync(new PackageBuilder()
            .AddFile("hello", StaticX8664, PackageBuilder.ExecutableMode)
            .AddFile("config.json", "{}"));

        AssertOnlyError(report, FindingCodes.BootstrapMissing);
        Assert.Contains("rename hello to bootstrap", Single(report, FindingCodes.BootstrapMissing).Hint, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(Architecture.X8664, "arm64", "x86_64", "GOARCH=amd64")]
    [InlineData(Architecture.Arm64, "x86_64", "arm64", "GOARCH=arm64")]
    public async Task Inspect_WhenTheExecutableCandidateIsBuiltForTheOtherCpu_SaysSoInsteadOfHintingARename(Architecture architecture, string builtFor, string runsOn, string goArch)
    {
        var other = architecture == Architecture.X8664 ? StaticArm64 : StaticX8664;

        var report = await InspectAsync(new PackageBuilder().AddFile("hello", other, PackageBuilder.ExecutableMode), architecture: architecture);

        var hint = Single(report, FindingCodes.BootstrapMissing).Hint;
        Assert.Contains($"hello looks like the bootstrap under another name, but it is built for {builtFor}, not {runsOn}", hint, StringComparison.Ordinal);
        Assert.Contains(goArch, hint, StringComparison.Ordinal);
        Assert.Contains($"set Architectures: [{builtFor}]", hint, StringComparison.Ordinal);
        Assert.DoesNotContain("rename hello to bootstrap", hint, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Inspect_WhenTheExecutableCandidatesDeflateDataIsCorrupt_StillReportsMissingWithTheRenameHint()
    {
        var zip = new PackageBuilder().AddFile("hello", StaticX8664, PackageBuilder.ExecutableMode).ToArray();
        // The first entry's data follows its 30-byte local header and its 5-byte name: 0xFF opens a block of the
        // reserved type 3, which no inflater accepts.
        zip[30 + "hello".Length] = 0xFF;

        var report = await InspectAsync(new InMemoryRangeSource(zip, "memory://corrupt.zip"));

        Assert.Contains("rename hello to bootstrap", Single(report, FindingCodes.BootstrapMissing).Hint, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Inspect_WhenBootstrapNameDiffersInCase_ReportsMissing()
    {
        var report = await InspectAsync(new PackageBuilder().AddFile("Bootstrap", StaticX8664, PackageBuilder.ExecutableMode));

        AssertOnlyError(report, FindingCodes.BootstrapMissing);
    }

    [Fact]
    public async Task Inspect_WhenBootstrapIsOnlyInASubfolder_ReportsNestedWithTheFolder()
    {
        var report = await InspectAsync(new PackageBuilder()
            .AddDirectory("build/")
            .AddFile("build/bootstrap", StaticX8664, PackageBuilder.ExecutableMode));

        AssertOnlyError(report, FindingCodes.BootstrapNested);
        Assert.Contains("cd build", Single(report, FindingCodes.BootstrapNested).Hint, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Inspect_WhenBootstrapIsADirectory_ReportsNotFile()
    {
        var report = await InspectAsync(new PackageBuilder()
            .AddDirectory("bootstrap/")
            .AddFile("bootstrap/main", StaticX8664, PackageBuilder.ExecutableMode));

        AssertOnlyError(report, FindingCodes.BootstrapNotFile);
    }

    [Fact]
    public async Task Inspect_WhenBootstrapIsADanglingSymlink_ReportsNotFile()
    {
        var report = await InspectAsync(new PackageBuilder().AddSymlink("bootstrap", "bin/app"));

        AssertOnlyError(report, FindingCodes.BootstrapNotFile);
        Assert.Contains("bin/app", Single(report, FindingCodes.BootstrapNotFile).Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Inspect_WhenBootstrapIsASymlinkToAnExecutableInThePackage_JudgesTheTarget()
    {
        var report = await InspectAsync(new PackageBuilder()
            .AddSymlink("bootstrap", "bin/app")
            .AddFile("bin/app", StaticX8664, PackageBuilder.ExecutableMode));

        Assert.Equal(Verdict.Ok, report.Verdict);
        Assert.Equal("elf", report.Bootstrap!.Kind);
    }

    [Fact]
    public async Task Inspect_WhenBootstrapIsASymlinkIntoALayer_JudgesTheLayerFile()
    {
        var report = await InspectAsync(
            new PackageBuilder().AddSymlink("bootstrap", "/opt/runtime/bootstrap"),
            layers: [new PackageBuilder().AddFile("runtime/bootstrap", StaticArm64, PackageBuilder.ExecutableMode)]);

        AssertOnlyError(report, FindingCodes.BootstrapWrongArch);
    }

    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public async Task Inspect_WhenRootBootstrapIsADirectoryAndALayerHasOne_RunsTheLayersWithAWarning(bool directoryEntry)
    {
        var package = new PackageBuilder();
        if (directoryEntry)
        {
            package.AddDirectory("bootstrap/");
        }

        var report = await InspectAsync(
            package.AddFile("bootstrap/main", StaticX8664, PackageBuilder.ExecutableMode),
            layers: [new PackageBuilder().AddFile("bootstrap", StaticX8664, PackageBuilder.ExecutableMode)]);

        Assert.Equal(Verdict.Ok, report.Verdict);
        Assert.Equal(("/opt/bootstrap", "layer", "elf"), (report.Bootstrap!.Path, report.Bootstrap.Origin, report.Bootstrap.Kind));
        var skipped = Single(report, FindingCodes.BootstrapSkipped);
        Assert.Equal(Severity.Warning, skipped.Severity);
        Assert.Contains("bootstrap is a directory: Lambda skips it and runs /opt/bootstrap", skipped.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Inspect_WhenRootBootstrapIsADanglingSymlinkAndALayerHasOne_RunsTheLayers()
    {
        var report = await InspectAsync(
            new PackageBuilder().AddSymlink("bootstrap", "bin/app"),
            layers: [new PackageBuilder().AddFile("bootstrap", StaticX8664, PackageBuilder.ExecutableMode)]);

        Assert.Equal(Verdict.Ok, report.Verdict);
        Assert.Equal("/opt/bootstrap", report.Bootstrap!.Path);
        Assert.Contains("symlink to bin/app", Single(report, FindingCodes.BootstrapSkipped).Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Inspect_WhenRootBootstrapLinksToAFolderAndALayerHasOne_RunsTheLayers()
    {
        var report = await InspectAsync(
            new PackageBuilder().AddSymlink("bootstrap", "dist").AddFile("dist/app", StaticX8664, PackageBuilder.ExecutableMode),
            layers: [new PackageBuilder().AddFile("bootstrap", StaticX8664, PackageBuilder.ExecutableMode)]);

        Assert.Equal(Verdict.Ok, report.Verdict);
        Assert.Equal("/opt/bootstrap", report.Bootstrap!.Path);
        Single(report, FindingCodes.BootstrapSkipped);
    }

    [Fact]
    public async Task Inspect_WhenRootBootstrapIsSkippedForABrokenLayerBootstrap_JudgesTheLayers()
    {
        var report = await InspectAsync(
            new PackageBuilder().AddDirectory("bootstrap/"),
            layers: [new PackageBuilder().AddFile("bootstrap", StaticArm64, PackageBuilder.ExecutableMode)]);

        AssertOnlyError(report, FindingCodes.BootstrapWrongArch);
        Assert.Contains("/opt/bootstrap", Single(report, FindingCodes.BootstrapWrongArch).Message, StringComparison.Ordinal);
        Single(report, FindingCodes.BootstrapSkipped);
    }

    [Fact]
    public async Task Inspect_WhenRootAndLayerBootstrapsAreBothDirectories_ReportsNotFileForBoth()
    {
        var report = await InspectAsync(
            new PackageBuilder().AddDirectory("bootstrap/"),
            layers: [new PackageBuilder().AddFile("bootstrap/x", "x")]);

        Assert.Equal(Verdict.Broken, report.Verdict);
        Assert.Equal(2, report.Findings.Count(f => f.Code == FindingCodes.BootstrapNotFile && f.Severity == Severity.Error));
        Assert.DoesNotContain(report.Findings, f => f.Code == FindingCodes.BootstrapSkipped);
    }

    [Theory]
    [InlineData("/bin/sh", "/bin/sh")]
    [InlineData("/usr/bin/bash", "/usr/bin/bash")]
    [InlineData("/usr/bin/env", "/usr/bin/env")]
    [InlineData("../../bin/sh", "/bin/sh")] // from /var/task: /var/task/../../bin/sh
    [InlineData("../../../../usr/bin/bash", "/usr/bin/bash")] // ".." at / stays at /, as the kernel resolves it
    public async Task Inspect_WhenBootstrapLinksToAFileTheRuntimeHas_IsOkWithAnInfo(string target, string resolved)
    {
        foreach (var runtime in new[] { "provided.al2023", "provided.al2" })
        {
            var report = await InspectAsync(new PackageBuilder().AddSymlink("bootstrap", target), runtime);

            Assert.Equal(Verdict.Ok, report.Verdict);
            Assert.DoesNotContain(report.Findings, f => f.Severity == Severity.Error || f.Code == FindingCodes.BootstrapLinkUnverified);
            var info = Single(report, FindingCodes.BootstrapLinksToRuntimeFile);
            Assert.Equal(Severity.Info, info.Severity);
            Assert.Contains($"({resolved})", info.Message, StringComparison.Ordinal);
            Assert.Equal("symlink", report.Bootstrap!.Kind);
        }
    }

    [Theory]
    [InlineData("provided.al2023", "/etc/passwd", "0644")]
    [InlineData("provided.al2", "/etc/passwd", "0644")]
    [InlineData("provided.al2023", "../../etc/shadow", "0000")]
    public async Task Inspect_WhenBootstrapLinksToAnImageFileWithoutExecuteBits_IsNotExecutable(string runtime, string target, string mode)
    {
        var report = await InspectAsync(new PackageBuilder().AddSymlink("bootstrap", target), runtime);

        // runtimes.json fileModes: the setup package installs /etc/passwd 0644 and /etc/shadow 0000 on both images; Lambda
        // stats the link (a file, so it is picked), then exec fails with permission denied.
        Assert.Equal(Verdict.Broken, report.Verdict);
        var error = Single(report, FindingCodes.BootstrapNotExecutable);
        Assert.Contains($"mode {mode}", error.Message, StringComparison.Ordinal);
        Assert.Contains("fork/exec /var/task/bootstrap: permission denied", error.Message, StringComparison.Ordinal);
        Assert.DoesNotContain(report.Findings, f => f.Code == FindingCodes.BootstrapLinkUnverified);
    }

    [Fact]
    public async Task Inspect_WhenALayersExtensionLinksToEtcPasswd_IsExtensionNotExecutable()
    {
        var report = await InspectAsync(
            new PackageBuilder().AddFile("bootstrap", StaticX8664, PackageBuilder.ExecutableMode),
            layers: [new PackageBuilder().AddSymlink("extensions/agent", "/etc/passwd")]);

        Assert.Equal(Verdict.Broken, report.Verdict);
        Assert.Contains("fork/exec /opt/extensions/agent: permission denied", Single(report, FindingCodes.ExtensionNotExecutable).Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("/usr/bin/something", "/usr/bin/something")]
    [InlineData("../../bin/x", "/bin/x")]
    [InlineData("/usr/local/bin/app", "/usr/local/bin/app")]
    public async Task Inspect_WhenBootstrapLinksOutOfThePackageToAnUnknownPath_WarnsThatGuardCannotTell(string target, string resolved)
    {
        var report = await InspectAsync(new PackageBuilder().AddSymlink("bootstrap", target));

        Assert.Equal(Verdict.Ok, report.Verdict);
        var warning = Single(report, FindingCodes.BootstrapLinkUnverified);
        Assert.Equal(Severity.Warning, warning.Severity);
        Assert.Contains($"({resolved})", warning.Message, StringComparison.Ordinal);
        Assert.Contains("Runtime.InvalidEntrypoint", warning.Message, StringComparison.Ordinal);
        Assert.DoesNotContain(report.Findings, f => f.Code == FindingCodes.BootstrapNotFile);
    }

    [Fact]
    public async Task Inspect_WhenBootstrapLinksToAnUnknownPathAndALayerHasOne_SaysTheLayersRunsInstead()
    {
        var report = await InspectAsync(
            new PackageBuilder().AddSymlink("bootstrap", "/usr/bin/something"),
            layers: [new PackageBuilder().AddFile("bootstrap", StaticX8664, PackageBuilder.ExecutableMode)]);

        Assert.Equal(Verdict.Ok, report.Verdict);
        Assert.Contains("if not, Lambda skips it and runs /opt/bootstrap", Single(report, FindingCodes.BootstrapLinkUnverified).Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(0b111_000_000)] // 0700: owner only
    [InlineData(0b110_100_100)] // 0644: no execute bit at all
    [InlineData(0b111_101_100)] // 0754: group but not others
    public async Task Check_WhenBootstrapLacksExecuteBitForOthers_ReportsNotExecutable(int mode)
    {
        var report = await InspectAsync(new PackageBuilder().AddFile("bootstrap", StaticX8664, mode));

        AssertOnlyError(report, FindingCodes.BootstrapNotExecutable);
        Assert.Contains(Findings.Octal(mode), Single(report, FindingCodes.BootstrapNotExecutable).Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Inspect_WhenArchiveRecordsNoUnixMode_ReportsNotExecutable()
    {
        var report = await InspectAsync(new PackageBuilder().AddFile("bootstrap", StaticX8664, mode: null));

        AssertOnlyError(report, FindingCodes.BootstrapNotExecutable);
        Assert.Null(report.Bootstrap!.Mode);
    }

    [Fact]
    public async Task Inspect_WhenScriptIsExecutableButNotReadableByOthers_ReportsNotExecutable()
    {
        var report = await InspectAsync(new PackageBuilder().AddFile("bootstrap", "#!/bin/sh\nexec ./app\n", 0b111_101_001));

        AssertOnlyError(report, FindingCodes.BootstrapNotExecutable);
    }

    [Fact]
    public async Task Inspect_WhenBootstrapIsEmpty_ReportsEmpty()
    {
        var report = await InspectAsync(new PackageBuilder().AddFile("bootstrap", [], PackageBuilder.ExecutableMode));

        AssertOnlyError(report, FindingCodes.BootstrapEmpty);
    }

    [Theory]
    [InlineData("macho")]
    [InlineData("pe")]
    [InlineData("data")]
    public async Task Inspect_WhenBootstrapIsNotALinuxExecutable_ReportsWrongOs(string kind)
    {
        var content = kind switch
        {
            "macho" => MachOBuilder.Thin(MachOBuilder.CpuTypeArm64),
            "pe" => PortableExecutableBuilder.Build(),
            _ => [0x00, 0x01, 0x02, 0xFF, 0xFE, 0x00, 0x10, 0x80],
        };

        var report = await InspectAsync(new PackageBuilder().AddFile("bootstrap", content, PackageBuilder.ExecutableMode));

        AssertOnlyError(report, FindingCodes.BootstrapWrongOs);
    }

    [Fact]
    public async Task Inspect_WhenMachOBinary_HintsGoosLinux()
    {
        var report = await InspectAsync(new PackageBuilder().AddFile("bootstrap", MachOBuilder.Thin(MachOBuilder.CpuTypeArm64), PackageBuilder.ExecutableMode), architecture: Architecture.Arm64);

        Assert.Contains("GOOS=linux GOARCH=arm64", Single(report, FindingCodes.BootstrapWrongOs).Hint, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Check_WhenX8664BinaryOnArm64Function_ReportsWrongArchWithGoBuildLine()
    {
        var report = await InspectAsync(
            new PackageBuilder().AddFile("bootstrap", ElfBuilder.Static(ElfBuilder.X8664, go: true), PackageBuilder.ExecutableMode),
            architecture: Architecture.Arm64);

        AssertOnlyError(report, FindingCodes.BootstrapWrongArch);
        var finding = Single(report, FindingCodes.BootstrapWrongArch);
        Assert.Equal("bootstrap is an x86_64 executable but the function runs on arm64: Lambda fails with exec format error", finding.Message);
        Assert.StartsWith("rebuild with GOOS=linux GOARCH=arm64 CGO_ENABLED=0", finding.Hint, StringComparison.Ordinal);
        Assert.EndsWith("or set Architectures: [x86_64]", finding.Hint, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Inspect_WhenArm64BinaryOnX8664Function_ReportsWrongArch()
    {
        var report = await InspectAsync(new PackageBuilder().AddFile("bootstrap", StaticArm64, PackageBuilder.ExecutableMode));

        AssertOnlyError(report, FindingCodes.BootstrapWrongArch);
    }

    [Theory]
    [InlineData("i386")]
    [InlineData("arm")]
    [InlineData("s390x")]
    public async Task Inspect_WhenBinaryIs32BitOrBigEndian_ReportsWrongArch(string target)
    {
        var elf = target switch
        {
            "i386" => ElfBuilder.Static(ElfBuilder.I386),
            "arm" => ElfBuilder.Static(ElfBuilder.Arm),
            _ => ElfBuilder.Static(ElfBuilder.S390x),
        };

        var report = await InspectAsync(new PackageBuilder().AddFile("bootstrap", elf, PackageBuilder.ExecutableMode));

        AssertOnlyError(report, FindingCodes.BootstrapWrongArch);
    }

    [Theory]
    [InlineData("provided.al2023", "GLIBC_2.34", false)]
    [InlineData("provided.al2023", "GLIBC_2.38", true)]
    [InlineData("provided.al2", "GLIBC_2.26", false)]
    [InlineData("provided.al2", "GLIBC_2.28", true)]
    public async Task Inspect_WhenBinaryNeedsGlibc_ComparesWithTheRuntimes(string runtime, string needed, bool tooNew)
    {
        var elf = ElfBuilder.Dynamic(ElfBuilder.X8664, glibc: ["GLIBC_2.2.5", needed]);

        var report = await InspectAsync(new PackageBuilder().AddFile("bootstrap", elf, PackageBuilder.ExecutableMode), runtime);

        Assert.Equal(needed["GLIBC_".Length..], report.Bootstrap!.GlibcRequired);
        Assert.Equal("dynamic", report.Bootstrap.Linkage);
        Assert.Equal(tooNew, report.Findings.Any(f => f.Code == FindingCodes.BootstrapGlibcTooNew));
        Assert.Equal(tooNew ? Verdict.Broken : Verdict.Ok, report.Verdict);
    }

    [Fact]
    public async Task Inspect_WhenBinaryUsesPackedRelativeRelocations_NeedsGlibc236()
    {
        var elf = ElfBuilder.Dynamic(ElfBuilder.X8664, glibc: ["GLIBC_2.34", "GLIBC_ABI_DT_RELR"]);

        var report = await InspectAsync(new PackageBuilder().AddFile("bootstrap", elf, PackageBuilder.ExecutableMode));

        AssertOnlyError(report, FindingCodes.BootstrapGlibcTooNew);
        Assert.Equal("2.36", report.Bootstrap!.GlibcRequired);
    }

    [Fact]
    public async Task Inspect_WhenAl2BinaryNeedsGlibcThatAl2023Has_SuggestsMovingRuntime()
    {
        var elf = ElfBuilder.Dynamic(ElfBuilder.X8664, glibc: ["GLIBC_2.32"]);

        var report = await InspectAsync(new PackageBuilder().AddFile("bootstrap", elf, PackageBuilder.ExecutableMode), "provided.al2");

        var finding = Single(report, FindingCodes.BootstrapGlibcTooNew);
        Assert.Contains("GLIBC_2.32", finding.Message, StringComparison.Ordinal);
        Assert.Contains("provided.al2023", finding.Hint, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Inspect_WhenBinaryNeedsMuslLoader_ReportsInterpreterMissing()
    {
        var elf = ElfBuilder.Dynamic(ElfBuilder.X8664, interpreter: ElfBuilder.X8664.MuslInterpreter);

        var report = await InspectAsync(new PackageBuilder().AddFile("bootstrap", elf, PackageBuilder.ExecutableMode));

        AssertOnlyError(report, FindingCodes.BootstrapInterpreterMissing);
        Assert.Contains("musl", Single(report, FindingCodes.BootstrapInterpreterMissing).Hint, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Inspect_WhenLoaderIsShippedInThePackage_AcceptsIt()
    {
        var elf = ElfBuilder.Dynamic(ElfBuilder.X8664, interpreter: "/var/task/lib/ld-musl-x86_64.so.1");

        var report = await InspectAsync(new PackageBuilder()
            .AddFile("bootstrap", elf, PackageBuilder.ExecutableMode)
            .AddFile("lib/ld-musl-x86_64.so.1", StaticX8664, PackageBuilder.ExecutableMode));

        Assert.Equal(Verdict.Ok, report.Verdict);
    }

    [Fact]
    public async Task Inspect_WhenTextFileHasNoShebang_ReportsNoShebang()
    {
        var report = await InspectAsync(new PackageBuilder().AddFile("bootstrap", "cd /var/task && ./app\n", PackageBuilder.ExecutableMode));

        AssertOnlyError(report, FindingCodes.BootstrapNoShebang);
    }

    [Fact]
    public async Task Inspect_WhenScriptStartsWithByteOrderMark_ReportsNoShebang()
    {
        var report = await InspectAsync(new PackageBuilder().AddFile("bootstrap", [0xEF, 0xBB, 0xBF, .. "#!/bin/sh\nexec ./app\n"u8.ToArray()], PackageBuilder.ExecutableMode));

        AssertOnlyError(report, FindingCodes.BootstrapNoShebang);
        Assert.Contains("byte order mark", Single(report, FindingCodes.BootstrapNoShebang).Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Inspect_WhenShebangNamesNoInterpreter_ReportsNoShebang()
    {
        var report = await InspectAsync(new PackageBuilder().AddFile("bootstrap", "#!\nexec ./app\n", PackageBuilder.ExecutableMode));

        AssertOnlyError(report, FindingCodes.BootstrapNoShebang);
    }

    [Fact]
    public async Task Inspect_WhenElfHeaderIsTruncated_ReportsDamagedExecutable()
    {
        var report = await InspectAsync(new PackageBuilder().AddFile("bootstrap", StaticX8664.AsSpan(0, 40).ToArray(), PackageBuilder.ExecutableMode));

        AssertOnlyError(report, FindingCodes.BootstrapWrongOs);
        Assert.Contains("damaged ELF", Single(report, FindingCodes.BootstrapWrongOs).Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Inspect_WhenShebangLineEndsInCarriageReturn_ReportsCrlf()
    {
        var report = await InspectAsync(new PackageBuilder().AddFile("bootstrap", "#!/bin/sh\r\nexec ./app\r\n", PackageBuilder.ExecutableMode));

        AssertOnlyError(report, FindingCodes.BootstrapCrlf);
    }

    [Fact]
    public async Task Inspect_WhenScriptUsesAShell_IsOk()
    {
        var report = await InspectAsync(new PackageBuilder().AddFile("bootstrap", "#!/bin/bash\nset -euo pipefail\nexec ./app\n", PackageBuilder.ExecutableMode));

        Assert.Equal(Verdict.Ok, report.Verdict);
        Assert.Equal(("script", "/bin/bash"), (report.Bootstrap!.Kind, report.Bootstrap.Interpreter));
    }

    [Fact]
    public async Task Inspect_WhenScriptInterpreterShouldComeFromAMissingLayer_ReportsInterpreterMissing()
    {
        var report = await InspectAsync(new PackageBuilder().AddFile("bootstrap", "#!/opt/bin/node\nrequire('./index')\n", PackageBuilder.ExecutableMode));

        AssertOnlyError(report, FindingCodes.BootstrapInterpreterMissing);
    }

    [Theory]
    [InlineData("#!", "BOOTSTRAP_NO_SHEBANG")]
    [InlineData("#!\n", "BOOTSTRAP_NO_SHEBANG")]
    [InlineData("#! \t", "BOOTSTRAP_NO_SHEBANG")]
    [InlineData("#!bin/sh\necho hi\n", "BOOTSTRAP_INTERPRETER_MISSING")]
    [InlineData("#!./run\n", "BOOTSTRAP_INTERPRETER_MISSING")]
    [InlineData("\uFEFF#!/bin/sh\n", "BOOTSTRAP_NO_SHEBANG")]
    public async Task Inspect_WhenTheKernelWouldRefuseTheShebang_IsBroken(string bootstrap, string code)
    {
        var report = await InspectAsync(new PackageBuilder().AddFile("bootstrap", bootstrap, PackageBuilder.ExecutableMode));

        AssertOnlyError(report, code);
    }

    [Fact]
    public async Task Inspect_WhenARelativeInterpreterIsShippedUnderTheTaskRoot_IsOk()
    {
        // execve opens "bin/sh" from the working directory, /var/task on Lambda: the package's own bin/sh.
        var report = await InspectAsync(new PackageBuilder()
            .AddFile("bootstrap", "#!bin/busybox sh\necho hi\n", PackageBuilder.ExecutableMode)
            .AddFile("bin/busybox", StaticX8664, PackageBuilder.ExecutableMode));

        Assert.True(report.Verdict == Verdict.Ok, string.Join("; ", report.Findings.Select(f => f.Code + ": " + f.Message)));
    }

    [Fact]
    public async Task Inspect_WhenARelativeInterpreterWithDotsResolvesToAShippedFile_IsOk()
    {
        var report = await InspectAsync(new PackageBuilder()
            .AddFile("bootstrap", "#!./tools/../bin/busybox sh\necho hi\n", PackageBuilder.ExecutableMode)
            .AddFile("bin/busybox", StaticX8664, PackageBuilder.ExecutableMode));

        Assert.True(report.Verdict == Verdict.Ok, string.Join("; ", report.Findings.Select(f => f.Code + ": " + f.Message)));
    }

    [Fact]
    public async Task Inspect_WhenAScriptsInterpreterIsInALayerSubfolder_IsOk()
    {
        // bin/node is not among the entries kept by name: it is found by looking, not assumed missing.
        var report = await InspectAsync(
            new PackageBuilder().AddFile("bootstrap", "#!/opt/bin/node\nrequire('./index')\n", PackageBuilder.ExecutableMode),
            layers: [new PackageBuilder().AddFile("bin/node", StaticX8664, PackageBuilder.ExecutableMode)]);

        Assert.True(report.Verdict == Verdict.Ok, string.Join("; ", report.Findings.Select(f => f.Code + ": " + f.Message)));
    }

    [Fact]
    public async Task Inspect_WhenShebangHasAnArgumentAndFitsTheKernelBuffer_IsOk()
    {
        var report = await InspectAsync(new PackageBuilder().AddFile("bootstrap", "#!/bin/bash -eu\nexec ./app\n", PackageBuilder.ExecutableMode));

        Assert.Equal(Verdict.Ok, report.Verdict);
    }

    [Fact]
    public async Task Inspect_WhenTheInterpreterPathRunsPastTheKernelsBuffer_IsBroken()
    {
        var report = await InspectAsync(new PackageBuilder().AddFile("bootstrap", "#!/opt/" + new string('x', 260) + "/node\n", PackageBuilder.ExecutableMode));

        AssertOnlyError(report, FindingCodes.BootstrapNoShebang);
    }

    [Fact]
    public async Task Inspect_WhenPackageIsNotAZip_ReportsZipInvalid()
    {
        var report = await InspectAsync(new InMemoryRangeSource("this is not a zip file at all"u8.ToArray()));

        AssertOnlyError(report, FindingCodes.ZipInvalid);
        Assert.Null(report.Bootstrap);
    }

    [Fact]
    public async Task Inspect_WhenPackageIsTruncated_ReportsZipInvalid()
    {
        var bytes = new PackageBuilder().AddFile("bootstrap", StaticX8664, PackageBuilder.ExecutableMode).ToArray();

        var report = await InspectAsync(new InMemoryRangeSource(bytes.AsMemory(0, bytes.Length - 10)));

        AssertOnlyError(report, FindingCodes.ZipInvalid);
    }

    [Fact]
    public async Task Inspect_WhenAnEntryIsEncrypted_ReportsZipEncrypted()
    {
        var bytes = new PackageBuilder()
            .AddFile("bootstrap", StaticX8664, PackageBuilder.ExecutableMode)
            .AddFile("secret.txt", "hello")
            .ToArray();
        PatchFlags(bytes, "secret.txt", 0x0001);

        var report = await InspectAsync(new InMemoryRangeSource(bytes));

        AssertOnlyError(report, FindingCodes.ZipEncrypted);
    }

    [Fact]
    public async Task Inspect_WhenAnEntryUsesBzip2_ReportsUnsupportedCompression()
    {
        var bytes = new PackageBuilder()
            .AddFile("bootstrap", StaticX8664, PackageBuilder.ExecutableMode)
            .AddFile("data.bin", "hello", stored: true)
            .ToArray();
        PatchCompressionMethod(bytes, "data.bin", 12);

        var report = await InspectAsync(new InMemoryRangeSource(bytes));

        AssertOnlyError(report, FindingCodes.ZipUnsupportedCompression);
        Assert.Contains("bzip2", Single(report, FindingCodes.ZipUnsupportedCompression).Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Inspect_WhenFunctionAndLayersUnzipPastTheLimit_ReportsTooLarge()
    {
        var function = new SparsePackage().AddFile("bootstrap", StaticX8664, PackageBuilder.ExecutableMode).AddZeros("model.bin", 200_000_000).ToSource();
        var layer = new SparsePackage().AddZeros("lib/libtorch.so", 100_000_000).ToSource("memory://layer.zip");

        var report = await InspectAsync(function, layers: [layer]);

        Assert.Contains(report.Findings, f => f.Code == FindingCodes.PackageTooLarge);
        Assert.Equal(Verdict.Broken, report.Verdict);
    }

    [Fact]
    public async Task Inspect_WhenFunctionHasNoBootstrapButALayerHas_UsesOptBootstrap()
    {
        var report = await InspectAsync(
            new PackageBuilder().AddFile("handler.sh", "#!/bin/sh\necho hi\n", PackageBuilder.ExecutableMode),
            layers: [new PackageBuilder().AddFile("bootstrap", StaticX8664, PackageBuilder.ExecutableMode)]);

        Assert.Equal(Verdict.Ok, report.Verdict);
        Assert.Equal(("/opt/bootstrap", "layer", "memory://layer1.zip"), (report.Bootstrap!.Path, report.Bootstrap.Origin, report.Bootstrap.Layer));
    }

    [Fact]
    public async Task Inspect_WhenSeveralLayersHaveBootstrap_TheLastLayerWins()
    {
        var report = await InspectAsync(
            new PackageBuilder().AddFile("readme.txt", "hi"),
            architecture: Architecture.Arm64,
            layers:
            [
                new PackageBuilder().AddFile("bootstrap", StaticX8664, PackageBuilder.ExecutableMode),
                new PackageBuilder().AddFile("bootstrap", StaticArm64, PackageBuilder.ExecutableMode),
            ]);

        Assert.Equal(Verdict.Ok, report.Verdict);
        Assert.Equal("memory://layer2.zip", report.Bootstrap!.Layer);
    }

    [Fact]
    public async Task Inspect_WhenFunctionHasItsOwnBootstrap_IgnoresTheLayers()
    {
        var report = await InspectAsync(
            new PackageBuilder().AddFile("bootstrap", StaticX8664, PackageBuilder.ExecutableMode),
            layers: [new PackageBuilder().AddFile("bootstrap", StaticArm64, 0b110_000_000)]);

        Assert.Equal(Verdict.Ok, report.Verdict);
        Assert.Equal("function", report.Bootstrap!.Origin);
    }

    [Fact]
    public async Task Inspect_WhenALayerIsNotAZip_ReportsZipInvalidNamingTheLayer()
    {
        var report = await InspectAsync(
            new PackageBuilder().AddFile("bootstrap", StaticX8664, PackageBuilder.ExecutableMode).ToSource(),
            layers: [new InMemoryRangeSource("garbage"u8.ToArray(), "memory://broken-layer.zip")]);

        var finding = Single(report, FindingCodes.ZipInvalid);
        Assert.Contains("layer 1 (memory://broken-layer.zip)", finding.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("provided.al2", true)]
    [InlineData("provided", true)]
    [InlineData("provided.al2023", false)]
    public async Task Inspect_OnDeprecatedRuntime_WarnsWithDates(string runtime, bool deprecated)
    {
        var report = await InspectAsync(new PackageBuilder().AddFile("bootstrap", StaticX8664, PackageBuilder.ExecutableMode), runtime);

        Assert.Equal(Verdict.Ok, report.Verdict);
        Assert.Equal(deprecated, report.Findings.Any(f => f.Code == FindingCodes.RuntimeDeprecated && f.Severity == Severity.Warning));
    }

    [Fact]
    public async Task Inspect_OnGo1x_JudgesTheHandlerExecutable()
    {
        var package = new PackageBuilder().AddFile("main", StaticX8664, PackageBuilder.ExecutableMode);

        var report = await InspectAsync(package, "go1.x", handler: "main");

        Assert.Equal(Verdict.Ok, report.Verdict);
        Assert.Equal("main", report.Bootstrap!.Path);
        Assert.Contains("guard migrate", Single(report, FindingCodes.RuntimeDeprecated).Hint, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Inspect_OnGo1xWhenPackageHasBootstrapInstead_HintsTheCustomRuntime()
    {
        var package = new PackageBuilder().AddFile("bootstrap", StaticX8664, PackageBuilder.ExecutableMode);

        var report = await InspectAsync(package, "go1.x", handler: "main");

        var finding = Single(report, FindingCodes.BootstrapMissing);
        Assert.Contains("set Runtime: provided.al2023 and Handler: bootstrap", finding.Hint, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Inspect_WhenHandlerNamesAnotherFile_NotesThatItIsIgnored()
    {
        var report = await InspectAsync(new PackageBuilder().AddFile("bootstrap", StaticX8664, PackageBuilder.ExecutableMode), handler: "main");

        Assert.Equal(Verdict.Ok, report.Verdict);
        Assert.Equal(Severity.Info, Single(report, FindingCodes.HandlerIgnored).Severity);
    }

    [Fact]
    public async Task Inspect_WhenHandlerNamesAnotherFile_NeverHintsAChangeThatBreaksAScriptRuntime()
    {
        // A shell bootstrap dispatches on $_HANDLER: "set Handler: bootstrap" would break a function that works.
        var script = "#!/bin/sh\nexec \"$LAMBDA_TASK_ROOT/$_HANDLER\"\n"u8.ToArray();
        var report = await InspectAsync(new PackageBuilder().AddFile("bootstrap", script, PackageBuilder.ExecutableMode), handler: "handler.sh");

        var finding = Single(report, FindingCodes.HandlerIgnored);
        Assert.DoesNotContain("set Handler", finding.Hint, StringComparison.Ordinal);
        Assert.Contains("$_HANDLER", finding.Hint, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(Architecture.Arm64, "GOARCH=arm64")]
    [InlineData(Architecture.X8664, "GOARCH=amd64")]
    public async Task Inspect_WhenBootstrapIsMissing_HintsTheBuildForTheFunctionsArchitecture(Architecture architecture, string goArch)
    {
        var report = await InspectAsync(new PackageBuilder().AddFile("README.md", "hello"u8.ToArray(), PackageBuilder.RegularFileMode).AddFile("config.json", "{}"u8.ToArray(), PackageBuilder.RegularFileMode), architecture: architecture);

        Assert.Contains(goArch, Single(report, FindingCodes.BootstrapMissing).Hint, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Inspect_WhenArchiveIsEmpty_IsAPlaceholder()
    {
        var report = await InspectAsync(new PackageBuilder());

        Assert.Equal(Verdict.Placeholder, report.Verdict);
        Assert.Equal(FindingCodes.Placeholder, Assert.Single(report.Findings).Code);
    }

    [Theory]
    [InlineData("index.js", "\"use strict\";\nexports.handler = () => {};\n")] // SST v3 empty-function
    [InlineData("index", "exports.handler = () => {}")] // SST's Pulumi AssetArchive stub
    [InlineData("placeholder.txt", "placeholder")] // Terraform archive_file
    [InlineData("dummy.txt", "hello")] // Terraform archive_file
    [InlineData("bootstrap", "#!/bin/sh\necho 'Placeholder - deploy real code via CI/CD'")]
    [InlineData("index.mjs", "export const handler = async (event) => {};")]
    [InlineData("lambda_function.py", "def lambda_handler(event, context):\n    pass\n")]
    public async Task Inspect_WhenPackageIsAKnownStub_IsAPlaceholder(string name, string content)
    {
        var report = await InspectAsync(new PackageBuilder().AddFile(name, content, PackageBuilder.RegularFileMode));

        Assert.Equal(Verdict.Placeholder, report.Verdict);
        Assert.Equal(FindingCodes.Placeholder, Assert.Single(report.Findings).Code);
    }

    [Theory]
    [InlineData("index.js", "exports.handler = async (event) => { return fetch(process.env.URL); };")]
    [InlineData("bootstrap", "#!/bin/sh\n# placeholder for the env\nexec ./app")]
    [InlineData("main.go", "package main")]
    public async Task Inspect_WhenSmallPackageIsRealCode_IsNotAPlaceholder(string name, string content)
    {
        var report = await InspectAsync(new PackageBuilder().AddFile(name, content, PackageBuilder.ExecutableMode));

        Assert.NotEqual(Verdict.Placeholder, report.Verdict);
        Assert.DoesNotContain(report.Findings, f => f.Code == FindingCodes.Placeholder);
    }

    [Fact]
    public async Task Inspect_WhenDigestIsListedAsPlaceholder_IsAPlaceholder()
    {
        var source = new PackageBuilder().AddFile("bootstrap", StaticArm64, PackageBuilder.ExecutableMode).ToSource();

        var report = await Inspector.InspectAsync(
            new InspectionRequest(source, PackageSha256: "abc=", PlaceholderSha256: new HashSet<string> { "abc=" }),
            TestContext.Current.CancellationToken);

        Assert.Equal(Verdict.Placeholder, report.Verdict);
    }

    [Fact]
    public async Task Inspect_LargePackageWithStaticBootstrap_ReadsTailAndOnePrefix()
    {
        var package = new RecordingRangeSource(new SparsePackage()
            .AddFile("bootstrap", StaticX8664, PackageBuilder.ExecutableMode)
            .AddZeros("assets/a.bin", 150_000_000)
            .AddZeros("assets/b.bin", 50_000_000)
            .ToSource());

        var report = await InspectAsync(package);

        Assert.Equal(2, report.Stats.Requests);
        Assert.True(report.Stats.BytesRead <= 512 * 1024, $"read {report.Stats.BytesRead} bytes");
        Assert.Equal(report.Stats.BytesRead, package.BytesRead);
    }

    /// <summary>docs/performance.md's budget for a large static binary: the tail, then the local header and 64 KiB of data.</summary>
    private const long StaticBinaryCheckBudget = 140 * 1024;

    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public async Task Inspect_LargePackageWithALargeStaticBinary_CostsTwoRequestsWithin140KiB(bool stored)
    {
        // A 4 MiB static binary of random bytes after its headers: deflate cannot shrink it, so the compressed bytes
        // behind 64 KiB of output are the most the first read can need (a real Go binary needs about half).
        var binary = new byte[4 * 1024 * 1024];
        new Random(5).NextBytes(binary);
        StaticX8664.CopyTo(binary, 0);
        var source = stored
            ? (IRangeSource)new SparsePackage()
                .AddFile("bootstrap", binary, PackageBuilder.ExecutableMode)
                .AddZeros("assets/a.bin", 200_000_000)
                .ToSource()
            : new PackageBuilder()
                .AddFile("bootstrap", binary, PackageBuilder.ExecutableMode)
                .AddFile("assets/a.bin", binary, stored: true)
                .ToSource();
        var package = new RecordingRangeSource(source);

        var report = await InspectAsync(package);

        Assert.Equal(Verdict.Ok, report.Verdict);
        Assert.Equal(2, report.Stats.Requests);
        Assert.True(report.Stats.BytesRead <= StaticBinaryCheckBudget, $"read {report.Stats.BytesRead} bytes: {string.Join(", ", package.Requests)}");
        Assert.Equal(report.Stats.BytesRead, package.BytesRead);
    }

    [Fact]
    public async Task Inspect_FindingsAreOrderedBySeverity()
    {
        var report = await InspectAsync(new PackageBuilder().AddFile("bootstrap", StaticArm64, PackageBuilder.ExecutableMode), "provided.al2", handler: "main");

        Assert.Equal([Severity.Error, Severity.Warning, Severity.Info], report.Findings.Select(f => f.Severity));
    }

    private static void PatchFlags(byte[] zip, string name, ushort flags) => PatchCentralAndLocal(zip, name, centralOffset: 8, localOffset: 6, flags);

    private static void PatchCompressionMethod(byte[] zip, string name, ushort method) => PatchCentralAndLocal(zip, name, centralOffset: 10, localOffset: 8, method);

    private static void PatchCentralAndLocal(byte[] zip, string name, int centralOffset, int localOffset, ushort value)
    {
        var layout = ZipLayout.Of(zip);
        var index = layout.CentralDirectoryHeaders.ToList().FindIndex(header =>
            System.Text.Encoding.UTF8.GetString(zip, header + 46, BitConverter.ToUInt16(zip, header + 28)) == name);
        BitConverter.TryWriteBytes(zip.AsSpan(layout.CentralDirectoryHeaders[index] + centralOffset), value);
        BitConverter.TryWriteBytes(zip.AsSpan(layout.LocalHeaders[index] + localOffset), value);
    }
}
