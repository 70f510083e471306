using Microsoft.Extensions.Time.Testing;
using Guard.Inspection.Reporting;
using Guard.Inspection.Rules;
using Guard.Testing;

namespace Guard.Inspection.Tests;

/// <summary>
/// Script interpreters outside the package and its layers: missing only where the catalog lists every file of the
/// directory, a warning elsewhere; <c>#!/usr/bin/env NAME</c> looked up along Lambda's PATH.
/// </summary>
public sealed class InterpreterTests
{
    private static readonly byte[] StaticX8664 = ElfBuilder.Static(ElfBuilder.X8664);

    /// <summary>The shipped catalog with provided.al2023's image directories declared complete, as a sourced listing would make them.</summary>
    private static readonly RuntimeCatalog CompleteCatalog = RuntimeCatalog.Parse("""
        {
          "unzippedSizeLimit": 262144000,
          "runtimes": [
            {
              "name": "provided.al2023", "operatingSystem": "Amazon Linux 2023", "glibc": "2.34", "entrypoint": "bootstrap",
              "interpreters": { "x86_64": [ "/lib64/ld-linux-x86-64.so.2" ] },
              "files": [ "/bin/sh", "/bin/bash", "/bin/env", "/usr/bin/sh", "/usr/bin/bash", "/usr/bin/env" ],
              "completeDirectories": [ "/var/lang/bin", "/usr/local/bin", "/usr/bin", "/bin" ],
              "architectures": [ "x86_64" ]
            }
          ]
        }
        """);

    private static Task<Report> InspectAsync(string bootstrap, RuntimeCatalog? catalog = null, params PackageBuilder[] layers) =>
        InspectOnAsync("provided.al2023", bootstrap, catalog, layers);

    private static Task<Report> InspectOnAsync(string runtime, string bootstrap, RuntimeCatalog? catalog = null, params PackageBuilder[] layers) =>
        new PackageInspector(catalog ?? RuntimeCatalog.Default, PlaceholderCatalog.Default, new FakeTimeProvider(new DateTimeOffset(2026, 11, 27, 0, 0, 0, TimeSpan.Zero)))
            .InspectAsync(
                new InspectionRequest(
                    new PackageBuilder().AddFile("bootstrap", bootstrap, PackageBuilder.ExecutableMode).ToSource(),
                    runtime,
                    Layers: layers.Select((l, i) => (Guard.Inspection.Reading.IRangeSource)l.ToSource($"memory://layer{i + 1}.zip")).ToArray()),
                TestContext.Current.CancellationToken);

    private static string Describe(Report report) => string.Join("; ", report.Findings.Select(f => $"{f.Code}: {f.Message}"));

    private static PackageBuilder LayerWith(string path) => new PackageBuilder().AddFile(path, StaticX8664, PackageBuilder.ExecutableMode);

    [Fact]
    public async Task Inspect_WhenEnvNamesPython3_IsMissingOnProvidedAl2023WhosePathIsSettledAndWarnsOnAl2()
    {
        var al2023 = await InspectAsync("#!/usr/bin/env python3\nprint('hi')\n");
        var al2 = await InspectOnAsync("provided.al2", "#!/usr/bin/env python3\nprint('hi')\n");

        // runtimes.json: every directory of Lambda's PATH is settled on provided.al2023 (/var/lang/bin and /usr/local/bin
        // empty, no python3 package in /usr/bin = /bin); only a layer's /opt/bin could have it. AL2's /usr/bin is not settled.
        Assert.Equal(Verdict.Broken, al2023.Verdict);
        var error = Assert.Single(al2023.Findings);
        Assert.Equal((FindingCodes.BootstrapInterpreterMissing, Severity.Error), (error.Code, error.Severity));
        Assert.Contains("no python3 is on Lambda's PATH (/var/lang/bin/python3, /usr/local/bin/python3, /usr/bin/python3, /bin/python3, /opt/bin/python3)", error.Message, StringComparison.Ordinal);
        Assert.Contains("layer's bin/", error.Hint, StringComparison.Ordinal);
        Assert.Equal(Verdict.Ok, al2.Verdict);
        var warning = Assert.Single(al2.Findings, f => f.Code != FindingCodes.RuntimeDeprecated);
        Assert.Equal((FindingCodes.BootstrapInterpreterUnverified, Severity.Warning), (warning.Code, warning.Severity));
        Assert.Contains("/opt/bin/python3", warning.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Inspect_WhenEnvNamesAProgramALayerPutsInOptBin_IsOkWhereWithoutTheLayerItIsMissing()
    {
        const string Script = "#!/usr/bin/env python3\nprint('hi')\n";

        var withLayer = await InspectAsync(Script, layers: LayerWith("bin/python3"));
        var withoutLayer = await InspectAsync(Script);

        Assert.True(withLayer.Verdict == Verdict.Ok && withLayer.Findings.Count == 0, Describe(withLayer));
        Assert.Equal(FindingCodes.BootstrapInterpreterMissing, Assert.Single(withoutLayer.Findings).Code);
    }

    [Fact]
    public async Task Inspect_WhenEnvNamesAProgramOfTheImagesCatalog_IsOkWhereAnUncataloguedOneWarns()
    {
        var bash = await InspectAsync("#!/usr/bin/env bash\necho hi\n");
        var zsh = await InspectAsync("#!/usr/bin/env zsh\necho hi\n");

        Assert.True(bash.Verdict == Verdict.Ok && bash.Findings.Count == 0, Describe(bash));
        Assert.Equal(FindingCodes.BootstrapInterpreterUnverified, Assert.Single(zsh.Findings).Code);
    }

    [Fact]
    public async Task Inspect_WhenEnvNamesAProgramAndTheCatalogListsEveryPathDirectory_ReportsInterpreterMissing()
    {
        var report = await InspectAsync("#!/usr/bin/env python3\nprint('hi')\n", CompleteCatalog);

        Assert.Equal(Verdict.Broken, report.Verdict);
        var error = Assert.Single(report.Findings);
        Assert.Equal(FindingCodes.BootstrapInterpreterMissing, error.Code);
        Assert.Contains("/usr/local/bin/python3", error.Message, StringComparison.Ordinal);
        Assert.Contains("env exits with 127", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Inspect_WhenTheCatalogListsEveryPathDirectoryAndALayerShipsTheProgram_IsOk()
    {
        var withLayer = await InspectAsync("#!/usr/bin/env python3\nprint('hi')\n", CompleteCatalog, LayerWith("bin/python3"));
        var withoutLayer = await InspectAsync("#!/usr/bin/env python3\nprint('hi')\n", CompleteCatalog);

        Assert.True(withLayer.Verdict == Verdict.Ok && withLayer.Findings.Count == 0, Describe(withLayer));
        Assert.Equal(Verdict.Broken, withoutLayer.Verdict);
    }

    [Fact]
    public async Task Inspect_WhenEnvSplitsItsArgument_JudgesTheFirstWordAsTheProgram()
    {
        var withLayer = await InspectAsync("#!/usr/bin/env -S python3 -u\nprint('hi')\n", CompleteCatalog, LayerWith("bin/python3"));
        var withoutLayer = await InspectAsync("#!/usr/bin/env -S python3 -u\nprint('hi')\n", CompleteCatalog);

        Assert.True(withLayer.Verdict == Verdict.Ok && withLayer.Findings.Count == 0, Describe(withLayer));
        Assert.Equal(FindingCodes.BootstrapInterpreterMissing, Assert.Single(withoutLayer.Findings).Code);
    }

    [Fact]
    public async Task Inspect_WhenAnAbsoluteInterpreterIsOutsideWhatGuardKnows_WarnsAndIsMissingOnlyWhereTheCatalogIsComplete()
    {
        var unknown = await InspectAsync("#!/usr/bin/zsh\necho hi\n");
        var known = await InspectAsync("#!/usr/bin/zsh\necho hi\n", CompleteCatalog);

        Assert.Equal(Verdict.Ok, unknown.Verdict);
        Assert.Equal(FindingCodes.BootstrapInterpreterUnverified, Assert.Single(unknown.Findings).Code);
        Assert.Equal(Verdict.Broken, known.Verdict);
        Assert.Equal(FindingCodes.BootstrapInterpreterMissing, Assert.Single(known.Findings).Code);
    }

    [Fact]
    public async Task Inspect_WhenTheScriptNamesUsrBinPython3_IsMissingOnProvidedAl2023WhoseImageHasNoPythonAndUnverifiedOnAl2()
    {
        var al2023 = await InspectAsync("#!/usr/bin/python3\nprint('hi')\n");
        var al2 = await new PackageInspector(RuntimeCatalog.Default, PlaceholderCatalog.Default, new FakeTimeProvider(new DateTimeOffset(2026, 11, 27, 0, 0, 0, TimeSpan.Zero)))
            .InspectAsync(new InspectionRequest(new PackageBuilder().AddFile("bootstrap", "#!/usr/bin/python3\nprint('hi')\n", PackageBuilder.ExecutableMode).ToSource(), "provided.al2"), TestContext.Current.CancellationToken);

        // runtimes.json: the AL2023 minimal image's package list has no python3 (absentFiles); AL2's is not settled.
        Assert.Equal(Verdict.Broken, al2023.Verdict);
        var missing = Assert.Single(al2023.Findings);
        Assert.Equal(FindingCodes.BootstrapInterpreterMissing, missing.Code);
        Assert.Contains("/usr/bin/python3, which provided.al2023 does not have", missing.Message, StringComparison.Ordinal);
        Assert.Contains(al2.Findings, f => f.Code == FindingCodes.BootstrapInterpreterUnverified);
        Assert.DoesNotContain(al2.Findings, f => f.Severity == Severity.Error);
    }

    [Fact]
    public async Task Inspect_WhenAScriptExtensionRunsEnvPython3_WarnsWithTheExtensionCode()
    {
        var layer = new PackageBuilder().AddFile("extensions/agent", "#!/usr/bin/env python3\nimport sys\n", PackageBuilder.ExecutableMode);

        var unknown = await InspectOnAsync("provided.al2", "#!/bin/sh\nexec /opt/app\n", layers: layer);
        var known = await InspectAsync("#!/bin/sh\nexec /opt/app\n", CompleteCatalog, layer);

        Assert.Equal(Verdict.Ok, unknown.Verdict);
        Assert.Equal(FindingCodes.ExtensionInterpreterUnverified, Assert.Single(unknown.Findings, f => f.Code != FindingCodes.RuntimeDeprecated).Code);
        var error = Assert.Single(known.Findings);
        Assert.Equal(FindingCodes.ExtensionInterpreterMissing, error.Code);
        Assert.Contains("Extension.Crash", error.Message, StringComparison.Ordinal);
    }
}
