using Microsoft.Extensions.Time.Testing;
using Guard.Inspection.Reading;
using Guard.Inspection.Reporting;
using Guard.Inspection.Rules;
using Guard.Testing;

namespace Guard.Inspection.Tests;

/// <summary>
/// The loader end to end, on real programs and libraries built here by gcc and aarch64-linux-gnu-gcc: where ld.so
/// finds each DT_NEEDED (RPATH, LD_LIBRARY_PATH, RUNPATH, the image), whether the library it picks defines the versions
/// needed, and what that becomes. The image is a small catalog given here, so the search order is what is tested:
/// libssl.so.3 with OPENSSL_3.0.0 only, no libcrypt.so.1, nothing known of ICU.
/// </summary>
public sealed class SharedLibraryTests
{
    private const string ImagesJson = """
        {
          "sources": [ { "id": "test", "url": "-", "says": "a test image" } ],
          "images": [
            { "runtime": "provided.al2023", "architecture": "x86_64", "libraries": [
                { "soname": "libc.so.6", "path": "/usr/lib64/libc.so.6", "package": "glibc 2.34", "versions": [ { "prefix": "GLIBC_", "upTo": "2.34" } ] },
                { "soname": "libssl.so.3", "path": "/usr/lib64/libssl.so.3", "package": "openssl-libs 3.0.8", "versions": [ { "prefix": "OPENSSL_", "upTo": "3.0.0" } ] } ],
              "absent": [ { "soname": "libcrypt.so.1", "why": "only libcrypt.so.2 is installed" } ] },
            { "runtime": "provided.al2023", "architecture": "arm64", "libraries": [
                { "soname": "libc.so.6", "path": "/usr/lib64/libc.so.6", "package": "glibc 2.34", "versions": [ { "prefix": "GLIBC_", "upTo": "2.34" } ] },
                { "soname": "libssl.so.3", "path": "/usr/lib64/libssl.so.3", "package": "openssl-libs 3.0.8", "versions": [ { "prefix": "OPENSSL_", "upTo": "3.0.0" } ] } ],
              "absent": [ { "soname": "libcrypt.so.1", "why": "only libcrypt.so.2 is installed" } ] }
          ]
        }
        """;

    private const string RuntimesJson = """
        {
          "unzippedSizeLimit": 262144000,
          "runtimes": [ {
            "name": "provided.al2023", "operatingSystem": "Amazon Linux 2023", "glibc": "2.34", "entrypoint": "bootstrap",
            "interpreters": { "x86_64": [ "/lib64/ld-linux-x86-64.so.2" ], "arm64": [ "/lib/ld-linux-aarch64.so.1" ] },
            "architectures": [ "x86_64", "arm64" ]
          } ]
        }
        """;

    private static readonly PackageInspector Inspector = new(
        RuntimeCatalog.Parse(RuntimesJson, ImagesJson), PlaceholderCatalog.Default, new FakeTimeProvider(new DateTimeOffset(2026, 12, 3, 0, 0, 0, TimeSpan.Zero)));

    private static CancellationToken Cancel => TestContext.Current.CancellationToken;

    private static readonly Dictionary<string, IReadOnlyList<string>> NewOpenSsl = new()
    {
        ["OPENSSL_3.0.0"] = ["SSL_new"],
        ["OPENSSL_3.2.0"] = ["SSL_new_ex"],
    };

    private static readonly Dictionary<string, IReadOnlyList<string>> OldOpenSsl = new() { ["OPENSSL_3.0.0"] = ["SSL_new"] };

    private static readonly Dictionary<string, IReadOnlyList<string>> Crypt = new() { ["XCRYPT_2.0"] = ["crypt_r"] };

    private static NativeArchitecture Native(Architecture architecture) => architecture == Architecture.Arm64 ? NativeArchitecture.Aarch64 : NativeArchitecture.X8664;

    private static Task<Report> InspectAsync(Architecture architecture, PackageBuilder package, params PackageBuilder[] layers) =>
        Inspector.InspectAsync(
            new InspectionRequest(package.ToSource(), "provided.al2023", architecture, [.. layers.Select((l, i) => (IRangeSource)l.ToSource($"arn:aws:lambda:eu-west-1:123456789012:layer:libs:{i + 1}"))]),
            Cancel);

    private static Task<Report> InspectWithEnvironmentAsync(FunctionEnvironment environment, PackageBuilder package) =>
        Inspector.InspectAsync(new InspectionRequest(package.ToSource(), "provided.al2023", Architecture.X8664, Environment: environment), Cancel);

    private static PackageBuilder Package(byte[] bootstrap) => new PackageBuilder().AddFile("bootstrap", bootstrap, PackageBuilder.ExecutableMode);

    private static string Describe(Report report) => string.Join("; ", report.Findings.Select(f => $"{f.Code}: {f.Message}"));

    private static Finding Only(Report report, string code)
    {
        var finding = Assert.Single(report.Findings);
        Assert.True(finding.Code == code, Describe(report));
        return finding;
    }

    [Theory]
    [InlineData(Architecture.X8664)]
    [InlineData(Architecture.Arm64)]
    public async Task Inspect_WhenTheImageHasTheLibraryAndVersion_IsOkWithoutFindings(Architecture architecture)
    {
        var ssl = await NativeBuild.LibraryAsync(Native(architecture), "libssl.so.3", OldOpenSsl, cancellationToken: Cancel);
        var program = await NativeBuild.ProgramCallingAsync(Native(architecture), [ssl], cancellationToken: Cancel);

        var report = await InspectAsync(architecture, Package(program));

        Assert.True(report.Verdict == Verdict.Ok && report.Findings.Count == 0, Describe(report));
    }

    [Theory]
    [InlineData(Architecture.X8664)]
    [InlineData(Architecture.Arm64)]
    public async Task Inspect_WhenTheProgramNeedsANewerOpenSslThanTheImages_ReportsTheVersionWithTheRustFix(Architecture architecture)
    {
        var ssl = await NativeBuild.LibraryAsync(Native(architecture), "libssl.so.3", NewOpenSsl, cancellationToken: Cancel);
        var program = await NativeBuild.ProgramCallingAsync(Native(architecture), [ssl], cancellationToken: Cancel);

        var report = await InspectAsync(architecture, Package(program));

        Assert.Equal(Verdict.Broken, report.Verdict);
        var error = Only(report, FindingCodes.BootstrapLibraryVersionMissing);
        Assert.Contains("bootstrap needs OPENSSL_3.2.0 from libssl.so.3, which provided.al2023's /usr/lib64/libssl.so.3 (openssl-libs 3.0.8) does not define", error.Message, StringComparison.Ordinal);
        Assert.Contains("version `OPENSSL_3.2.0' not found (required by /var/task/bootstrap)", error.Message, StringComparison.Ordinal);
        Assert.Contains("vendored", error.Hint, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Inspect_WhenANewerCopyIsShippedInLib_TheImagesStillComesFirstUnlessDtRpathNamesLib()
    {
        var ssl = await NativeBuild.LibraryAsync(NativeArchitecture.X8664, "libssl.so.3", NewOpenSsl, cancellationToken: Cancel);
        var plain = await NativeBuild.ProgramCallingAsync(NativeArchitecture.X8664, [ssl], cancellationToken: Cancel);
        var withRunPath = await NativeBuild.ProgramCallingAsync(NativeArchitecture.X8664, [ssl], runPath: "$ORIGIN/lib", cancellationToken: Cancel);
        var withRpath = await NativeBuild.ProgramCallingAsync(NativeArchitecture.X8664, [ssl], runPath: "$ORIGIN/lib", asRpath: true, cancellationToken: Cancel);

        var shadowed = await InspectAsync(Architecture.X8664, Package(plain).AddFile("lib/libssl.so.3", ssl.Bytes));
        var afterLdLibraryPath = await InspectAsync(Architecture.X8664, Package(withRunPath).AddFile("lib/libssl.so.3", ssl.Bytes));
        var first = await InspectAsync(Architecture.X8664, Package(withRpath).AddFile("lib/libssl.so.3", ssl.Bytes));

        // LD_LIBRARY_PATH puts /lib64 and /usr/lib64 before /var/task/lib; DT_RUNPATH comes after it, DT_RPATH before.
        // The function may set its own LD_LIBRARY_PATH, so the shadowed copy is a warning, not broken.
        var warning = Only(shadowed, FindingCodes.BootstrapLibraryUnverified);
        Assert.Equal(Verdict.Ok, shadowed.Verdict);
        Assert.Contains("before the copy shipped at /var/task/lib/libssl.so.3", warning.Message, StringComparison.Ordinal);
        Assert.Contains("version `OPENSSL_3.2.0' not found", warning.Message, StringComparison.Ordinal);
        Assert.Contains("--disable-new-dtags", warning.Hint, StringComparison.Ordinal);
        Only(afterLdLibraryPath, FindingCodes.BootstrapLibraryUnverified);
        Assert.True(first.Verdict == Verdict.Ok && first.Findings.Count == 0, Describe(first));
    }

    [Theory]
    [InlineData(Architecture.X8664)]
    [InlineData(Architecture.Arm64)]
    public async Task Inspect_WhenTheImageLacksTheLibrary_ItIsMissingUntilShippedInLibOrALayersLib(Architecture architecture)
    {
        var crypt = await NativeBuild.LibraryAsync(Native(architecture), "libcrypt.so.1", Crypt, cancellationToken: Cancel);
        var program = await NativeBuild.ProgramCallingAsync(Native(architecture), [crypt], cancellationToken: Cancel);

        var missing = await InspectAsync(architecture, Package(program));
        var inLib = await InspectAsync(architecture, Package(program).AddFile("lib/libcrypt.so.1", crypt.Bytes));
        var inLayer = await InspectAsync(architecture, Package(program), new PackageBuilder().AddFile("lib/libcrypt.so.1", crypt.Bytes));

        var error = Only(missing, FindingCodes.BootstrapLibraryMissing);
        Assert.Equal(Severity.Error, error.Severity);
        Assert.Contains("libcrypt.so.1: cannot open shared object file", error.Message, StringComparison.Ordinal);
        Assert.Contains("only libcrypt.so.2 is installed", error.Message, StringComparison.Ordinal);
        Assert.True(inLib.Verdict == Verdict.Ok && inLib.Findings.Count == 0, Describe(inLib));
        Assert.True(inLayer.Verdict == Verdict.Ok && inLayer.Findings.Count == 0, Describe(inLayer));
    }

    [Fact]
    public async Task Inspect_WhenTheLibraryIsShippedOffTheSearchPath_WarnsNamingWhereAndTheRpathThatReachesIt()
    {
        var crypt = await NativeBuild.LibraryAsync(NativeArchitecture.X8664, "libcrypt.so.1", Crypt, cancellationToken: Cancel);
        var plain = await NativeBuild.ProgramCallingAsync(NativeArchitecture.X8664, [crypt], cancellationToken: Cancel);
        var withRunPath = await NativeBuild.ProgramCallingAsync(NativeArchitecture.X8664, [crypt], runPath: "$ORIGIN/vendor", cancellationToken: Cancel);

        var offPath = await InspectAsync(Architecture.X8664, Package(plain).AddFile("vendor/libcrypt.so.1", crypt.Bytes));
        var reached = await InspectAsync(Architecture.X8664, Package(withRunPath).AddFile("vendor/libcrypt.so.1", crypt.Bytes));

        // Found only if the function's own LD_LIBRARY_PATH names vendor/, which Guard does not see: a warning.
        var warning = Only(offPath, FindingCodes.BootstrapLibraryUnverified);
        Assert.Equal(Verdict.Ok, offPath.Verdict);
        Assert.Contains("shipped at /var/task/vendor/libcrypt.so.1, off Lambda's default LD_LIBRARY_PATH", warning.Message, StringComparison.Ordinal);
        Assert.Contains("move vendor/libcrypt.so.1 to lib/", warning.Message, StringComparison.Ordinal);
        Assert.Contains("-rpath,'$ORIGIN/vendor'", warning.Message, StringComparison.Ordinal);
        Assert.True(reached.Verdict == Verdict.Ok && reached.Findings.Count == 0, Describe(reached));
    }

    [Fact]
    public async Task Inspect_WhenTheFunctionsLdLibraryPathIsKnown_ACopyOffItIsMissingAndOneItNamesIsFound()
    {
        var crypt = await NativeBuild.LibraryAsync(NativeArchitecture.X8664, "libcrypt.so.1", Crypt, cancellationToken: Cancel);
        var program = await NativeBuild.ProgramCallingAsync(NativeArchitecture.X8664, [crypt], cancellationToken: Cancel);
        var package = Package(program).AddFile("vendor/libcrypt.so.1", crypt.Bytes);

        var unset = await InspectWithEnvironmentAsync(FunctionEnvironment.Default, package);
        var naming = await InspectWithEnvironmentAsync(new FunctionEnvironment("/var/task/vendor"), package);

        var error = Only(unset, FindingCodes.BootstrapLibraryMissing);
        Assert.Contains("the copy shipped at /var/task/vendor/libcrypt.so.1 is in a folder neither the function's LD_LIBRARY_PATH nor an RPATH names", error.Message, StringComparison.Ordinal);
        Assert.Contains("add /var/task/vendor to the function's LD_LIBRARY_PATH", error.Hint, StringComparison.Ordinal);
        Assert.True(naming.Verdict == Verdict.Ok && naming.Findings.Count == 0, Describe(naming));
    }

    [Fact]
    public async Task Inspect_WhenTheFunctionsLdLibraryPathIsKnown_AShadowedNewerCopyIsBrokenUnlessItComesFirst()
    {
        var ssl = await NativeBuild.LibraryAsync(NativeArchitecture.X8664, "libssl.so.3", NewOpenSsl, cancellationToken: Cancel);
        var program = await NativeBuild.ProgramCallingAsync(NativeArchitecture.X8664, [ssl], cancellationToken: Cancel);
        var package = Package(program).AddFile("lib/libssl.so.3", ssl.Bytes);

        var unset = await InspectWithEnvironmentAsync(FunctionEnvironment.Default, package);
        var libFirst = await InspectWithEnvironmentAsync(new FunctionEnvironment("/var/task/lib:/lib64:/usr/lib64"), package);

        var error = Only(unset, FindingCodes.BootstrapLibraryVersionMissing);
        Assert.Equal(Verdict.Broken, unset.Verdict);
        Assert.Contains("the copy shipped at /var/task/lib/libssl.so.3 is never loaded", error.Hint, StringComparison.Ordinal);
        Assert.True(libFirst.Verdict == Verdict.Ok && libFirst.Findings.Count == 0, Describe(libFirst));
    }

    [Fact]
    public async Task Inspect_WhenTheShippedLibraryIsBuiltForTheOtherCpu_LdSoPassesItOverAndTheNeedIsMissing()
    {
        var crypt = await NativeBuild.LibraryAsync(NativeArchitecture.X8664, "libcrypt.so.1", Crypt, cancellationToken: Cancel);
        var armCrypt = await NativeBuild.LibraryAsync(NativeArchitecture.Aarch64, "libcrypt.so.1", Crypt, cancellationToken: Cancel);
        var program = await NativeBuild.ProgramCallingAsync(NativeArchitecture.X8664, [crypt], cancellationToken: Cancel);

        var report = await InspectAsync(Architecture.X8664, Package(program).AddFile("lib/libcrypt.so.1", armCrypt.Bytes));

        var error = Only(report, FindingCodes.BootstrapLibraryMissing);
        Assert.Contains("passed over: /var/task/lib/libcrypt.so.1 (built for aarch64)", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Inspect_WhenAShippedLibraryNeedsOneTheImageLacks_ReportsItThroughThatLibrary()
    {
        var crypt = await NativeBuild.LibraryAsync(NativeArchitecture.X8664, "libcrypt.so.1", Crypt, cancellationToken: Cancel);
        var wrapper = await NativeBuild.LibraryAsync(NativeArchitecture.X8664, "libwrap.so.1", new Dictionary<string, IReadOnlyList<string>> { ["WRAP_1"] = ["wrap_hash"] }, needs: [crypt], cancellationToken: Cancel);
        var program = await NativeBuild.ProgramCallingAsync(NativeArchitecture.X8664, [wrapper], cancellationToken: Cancel);

        var report = await InspectAsync(Architecture.X8664, Package(program).AddFile("lib/libwrap.so.1", wrapper.Bytes));

        var error = Only(report, FindingCodes.BootstrapLibraryMissing);
        Assert.Contains("bootstrap needs libcrypt.so.1 (through /var/task/lib/libwrap.so.1)", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Inspect_WhenTheCatalogDoesNotKnowTheLibrary_WarnsAndStaysOk()
    {
        var icu = await NativeBuild.LibraryAsync(NativeArchitecture.X8664, "libicuuc.so.72", new Dictionary<string, IReadOnlyList<string>> { ["ICU_72"] = ["u_init_72"] }, cancellationToken: Cancel);
        var program = await NativeBuild.ProgramCallingAsync(NativeArchitecture.X8664, [icu], cancellationToken: Cancel);

        var report = await InspectAsync(Architecture.X8664, Package(program));

        Assert.Equal(Verdict.Ok, report.Verdict);
        var warning = Only(report, FindingCodes.BootstrapLibraryUnverified);
        Assert.Equal(Severity.Warning, warning.Severity);
        Assert.Contains("libicuuc.so.72", warning.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Inspect_WhenALayersExtensionNeedsALibraryTheImageLacks_ReportsTheExtensionCodeNamingTheLayer()
    {
        var crypt = await NativeBuild.LibraryAsync(NativeArchitecture.X8664, "libcrypt.so.1", Crypt, cancellationToken: Cancel);
        var extension = await NativeBuild.ProgramCallingAsync(NativeArchitecture.X8664, [crypt], cancellationToken: Cancel);
        var bootstrap = await CCompiler.CompileAsync(CCompiler.X8664, "-static", Cancel);

        var report = await InspectAsync(Architecture.X8664, Package(bootstrap), new PackageBuilder().AddFile("extensions/agent", extension, PackageBuilder.ExecutableMode));

        var error = Only(report, FindingCodes.ExtensionLibraryMissing);
        Assert.Contains("/opt/extensions/agent needs libcrypt.so.1", error.Message, StringComparison.Ordinal);
        Assert.Contains("arn:aws:lambda:eu-west-1:123456789012:layer:libs:1", error.Message, StringComparison.Ordinal);
        Assert.Contains("Extension.Crash", error.Message, StringComparison.Ordinal);
    }

    private static readonly PackageInspector Shipped = new(
        RuntimeCatalog.Default, PlaceholderCatalog.Default, new FakeTimeProvider(new DateTimeOffset(2026, 12, 3, 0, 0, 0, TimeSpan.Zero)));

    private static Task<Report> InspectShippedAsync(string runtime, Architecture architecture, byte[] bootstrap) =>
        Shipped.InspectAsync(new InspectionRequest(Package(bootstrap).ToSource(), runtime, architecture), Cancel);

    private const string FilesystemProgram = """
        #include <filesystem>
        #include <iostream>
        int main() { std::cout << std::filesystem::current_path() << std::endl; return 0; }
        """;

    [Theory]
    [InlineData(Architecture.X8664)]
    [InlineData(Architecture.Arm64)]
    public async Task Inspect_WithTheShippedCatalog_APlainCAndCxxProgramRaiseNothingOnProvidedAl2023(Architecture architecture)
    {
        var c = await NativeBuild.CompileAsync(Native(architecture), "c", "#include <stdio.h>\nint main(void) { puts(\"hi\"); return 0; }\n", cancellationToken: Cancel);
        var cxx = await NativeBuild.CompileAsync(Native(architecture), "c++", FilesystemProgram, cancellationToken: Cancel);

        // A guardrail that warns on every good package gets switched off: libc, libm, libgcc_s and libstdc++ are all known.
        foreach (var report in new[] { await InspectShippedAsync("provided.al2023", architecture, c), await InspectShippedAsync("provided.al2023", architecture, cxx) })
        {
            Assert.True(report.Verdict == Verdict.Ok && report.Findings.Count == 0, Describe(report));
        }
    }

    [Theory]
    [InlineData(Architecture.X8664)]
    [InlineData(Architecture.Arm64)]
    public async Task Inspect_WithTheShippedCatalog_ACxxProgramNeedingANewerGlibcxxThanAl2sIsBrokenThere(Architecture architecture)
    {
        var cxx = await NativeBuild.CompileAsync(Native(architecture), "c++", FilesystemProgram, cancellationToken: Cancel);

        var report = await InspectShippedAsync("provided.al2", architecture, cxx);

        // std::filesystem::current_path() is GLIBCXX_3.4.26 (GCC 9); Amazon Linux 2's libstdc++ is GCC 7.3's, up to GLIBCXX_3.4.24.
        var error = Assert.Single(report.Findings, f => f.Code == FindingCodes.BootstrapLibraryVersionMissing);
        Assert.Contains("GLIBCXX_3.4.26 from libstdc++.so.6", error.Message, StringComparison.Ordinal);
        Assert.Contains("libstdc++ 7.3", error.Message, StringComparison.Ordinal);
        Assert.Contains("-static-libstdc++", error.Hint, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("provided.al2023", "libcrypt.so.1", "XCRYPT_2.0", "crypt_r")]
    [InlineData("provided.al2", "libssl.so.3", "OPENSSL_3.0.0", "SSL_new")]
    [InlineData("provided.al2023", "libssl.so.10", "libssl.so.10", "SSL_new")]
    public async Task Inspect_WithTheShippedCatalog_ALibraryTheImageLacksIsMissing(string runtime, string soName, string version, string symbol)
    {
        var library = await NativeBuild.LibraryAsync(NativeArchitecture.X8664, soName, new Dictionary<string, IReadOnlyList<string>> { [version] = [symbol] }, cancellationToken: Cancel);
        var program = await NativeBuild.ProgramCallingAsync(NativeArchitecture.X8664, [library], cancellationToken: Cancel);

        var report = await InspectShippedAsync(runtime, Architecture.X8664, program);

        var error = Assert.Single(report.Findings, f => f.Code == FindingCodes.BootstrapLibraryMissing);
        Assert.Contains($"{soName}: cannot open shared object file", error.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(Architecture.X8664)]
    [InlineData(Architecture.Arm64)]
    public async Task Inspect_WithTheShippedCatalog_AProgramNeedingOpenSsl30IsOkOnProvidedAl2023(Architecture architecture)
    {
        var ssl = await NativeBuild.LibraryAsync(Native(architecture), "libssl.so.3", OldOpenSsl, cancellationToken: Cancel);
        var program = await NativeBuild.ProgramCallingAsync(Native(architecture), [ssl], cancellationToken: Cancel);

        var report = await InspectShippedAsync("provided.al2023", architecture, program);

        Assert.True(report.Verdict == Verdict.Ok && report.Findings.Count == 0, Describe(report));
    }

    // Certainty on the shipped catalog: provided.al2023's image is complete (images.json "complete": AWS lists the AL2023
    // minimal image's whole package set), so a soname outside it that nothing ships is missing; provided.al2's is not, so
    // the same need stays a warning there. Each class is proven on real binaries, stored and deflated, small and over 1 MB.

    private static readonly Dictionary<string, IReadOnlyList<string>> Foo = new() { ["FOO_1.0"] = ["foo_start"] };

    /// <summary>1.5 MB of read-only data puts the program's dynamic section past the first megabyte, as in a real Go or Rust bootstrap.</summary>
    private const int LargePadding = 1_500_000;

    private static Task<Report> InspectShippedAsync(string runtime, Architecture architecture, PackageBuilder package, params PackageBuilder[] layers) =>
        Shipped.InspectAsync(
            new InspectionRequest(package.ToSource(), runtime, architecture, [.. layers.Select((l, i) => (IRangeSource)l.ToSource($"arn:aws:lambda:eu-west-1:123456789012:layer:libs:{i + 1}"))]),
            Cancel);

    private static PackageBuilder Package(byte[] bootstrap, bool stored) => new PackageBuilder().AddFile("bootstrap", bootstrap, PackageBuilder.ExecutableMode, stored);

    public static TheoryData<Architecture, bool, bool> ArchitecturesStorageAndSize()
    {
        var data = new TheoryData<Architecture, bool, bool>();
        foreach (var architecture in new[] { Architecture.X8664, Architecture.Arm64 })
        {
            foreach (var stored in new[] { true, false })
            {
                foreach (var large in new[] { false, true })
                {
                    data.Add(architecture, stored, large);
                }
            }
        }

        return data;
    }

    [Theory]
    [MemberData(nameof(ArchitecturesStorageAndSize))]
    public async Task Inspect_WithTheShippedCatalog_TheProjectsOwnLibraryShippedNowhereIsMissingOnAl2023AndUnverifiedOnAl2(Architecture architecture, bool stored, bool large)
    {
        var foo = await NativeBuild.LibraryAsync(Native(architecture), "libfoo.so.1", Foo, cancellationToken: Cancel);
        var program = await NativeBuild.ProgramCallingAsync(Native(architecture), [foo], paddingBytes: large ? LargePadding : 0, cancellationToken: Cancel);
        Assert.True(!large || program.Length > 1_000_000, $"the large program is {program.Length} bytes");

        var al2023 = await InspectShippedAsync("provided.al2023", architecture, Package(program, stored));
        var al2 = await InspectShippedAsync("provided.al2", architecture, Package(program, stored));
        var shipped = await InspectShippedAsync("provided.al2023", architecture, Package(program, stored).AddFile("lib/libfoo.so.1", foo.Bytes, stored: stored));

        Assert.Equal(Verdict.Broken, al2023.Verdict);
        var error = Assert.Single(al2023.Findings, f => f.Code == FindingCodes.BootstrapLibraryMissing);
        Assert.Contains("bootstrap needs libfoo.so.1", error.Message, StringComparison.Ordinal);
        Assert.Contains("no package of the AL2023 minimal image it is built on ships it", error.Message, StringComparison.Ordinal);
        Assert.Contains("libfoo.so.1: cannot open shared object file", error.Message, StringComparison.Ordinal);
        Assert.Contains("ship it in the package's lib/ folder", error.Hint, StringComparison.Ordinal);
        // provided.al2's catalog is not complete, so the need stays a warning there (this machine's gcc links glibc 2.34+
        // symbols, which AL2's 2.26 lacks: that error is BOOTSTRAP_GLIBC_TOO_NEW's, not the loader's).
        Assert.DoesNotContain(al2.Findings, f => f.Code == FindingCodes.BootstrapLibraryMissing);
        Assert.Contains(al2.Findings, f => f.Code == FindingCodes.BootstrapLibraryUnverified && f.Message.Contains("libfoo.so.1", StringComparison.Ordinal));
        Assert.True(shipped.Verdict == Verdict.Ok && shipped.Findings.Count == 0, Describe(shipped));
    }

    [Theory]
    [InlineData(Architecture.X8664, true)]
    [InlineData(Architecture.Arm64, false)]
    public async Task Inspect_WithTheShippedCatalog_ALibraryNeededByAShippedLibraryAndShippedNowhereIsMissingThroughIt(Architecture architecture, bool stored)
    {
        var foo = await NativeBuild.LibraryAsync(Native(architecture), "libfoo.so.1", Foo, cancellationToken: Cancel);
        var wrapper = await NativeBuild.LibraryAsync(Native(architecture), "libwrap.so.1", new Dictionary<string, IReadOnlyList<string>> { ["WRAP_1"] = ["wrap_start"] }, needs: [foo], cancellationToken: Cancel);
        var program = await NativeBuild.ProgramCallingAsync(Native(architecture), [wrapper], paddingBytes: LargePadding, cancellationToken: Cancel);

        var report = await InspectShippedAsync("provided.al2023", architecture, Package(program, stored).AddFile("lib/libwrap.so.1", wrapper.Bytes, stored: stored));

        Assert.Equal(Verdict.Broken, report.Verdict);
        var error = Assert.Single(report.Findings, f => f.Code == FindingCodes.BootstrapLibraryMissing);
        Assert.Contains("bootstrap needs libfoo.so.1 (through /var/task/lib/libwrap.so.1)", error.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(Architecture.X8664, true, false)]
    [InlineData(Architecture.X8664, false, true)]
    [InlineData(Architecture.Arm64, true, true)]
    [InlineData(Architecture.Arm64, false, false)]
    public async Task Inspect_WithTheShippedCatalog_ANeededLibraryWhoseOnlyCopyIsForTheOtherCpuIsMissing(Architecture architecture, bool stored, bool large)
    {
        var other = architecture == Architecture.X8664 ? NativeArchitecture.Aarch64 : NativeArchitecture.X8664;
        var foo = await NativeBuild.LibraryAsync(Native(architecture), "libfoo.so.1", Foo, cancellationToken: Cancel);
        var otherFoo = await NativeBuild.LibraryAsync(other, "libfoo.so.1", Foo, cancellationToken: Cancel);
        var program = await NativeBuild.ProgramCallingAsync(Native(architecture), [foo], paddingBytes: large ? LargePadding : 0, cancellationToken: Cancel);

        var report = await InspectShippedAsync("provided.al2023", architecture, Package(program, stored).AddFile("lib/libfoo.so.1", otherFoo.Bytes, stored: stored));

        // ld.so skips a file of the right name built for another machine (elf/dl-load.c, open_verify) and searches on.
        Assert.Equal(Verdict.Broken, report.Verdict);
        var error = Assert.Single(report.Findings, f => f.Code == FindingCodes.BootstrapLibraryMissing);
        Assert.Contains($"passed over: /var/task/lib/libfoo.so.1 (built for {(other == NativeArchitecture.Aarch64 ? "aarch64" : "x86_64")})", error.Message, StringComparison.Ordinal);
        Assert.StartsWith("rebuild lib/libfoo.so.1 for the function's architecture", error.Hint, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("libssl.so.1.1", "OPENSSL_1_1_0", "SSL_new")]
    [InlineData("libcrypto.so.1.1", "OPENSSL_1_1_0", "EVP_new")]
    [InlineData("libicuuc.so.72", "ICU_72", "u_init_72")]
    [InlineData("libicui18n.so.72", "ICU_72", "ucol_open_72")]
    public async Task Inspect_WithTheShippedCatalog_LibrariesTheAl2023PackageSetLacksAreMissing(string soName, string version, string symbol)
    {
        var library = await NativeBuild.LibraryAsync(NativeArchitecture.X8664, soName, new Dictionary<string, IReadOnlyList<string>> { [version] = [symbol] }, cancellationToken: Cancel);
        var program = await NativeBuild.ProgramCallingAsync(NativeArchitecture.X8664, [library], cancellationToken: Cancel);

        var report = await InspectShippedAsync("provided.al2023", Architecture.X8664, Package(program, stored: false));

        Assert.Equal(Verdict.Broken, report.Verdict);
        var error = Assert.Single(report.Findings, f => f.Code == FindingCodes.BootstrapLibraryMissing);
        Assert.Contains($"{soName}: cannot open shared object file", error.Message, StringComparison.Ordinal);
        Assert.Contains(soName.StartsWith("libicu", StringComparison.Ordinal) ? "InvariantGlobalization" : "rustls", error.Hint, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(Architecture.X8664, true, false)]
    [InlineData(Architecture.X8664, false, true)]
    [InlineData(Architecture.Arm64, true, true)]
    [InlineData(Architecture.Arm64, false, false)]
    public async Task Inspect_WhenDtNeededIsAnAbsolutePathUnderOptThatNoLayerShips_IsMissingWithTheAdviceThatOpensIt(Architecture architecture, bool stored, bool large)
    {
        var (program, library) = await NativeBuild.ProgramNeedingPathAsync(Native(architecture), "/opt/vendor/libabs.so", large ? LargePadding : 0, Cancel);

        var missing = await InspectShippedAsync("provided.al2023", architecture, Package(program, stored));
        var inLib = await InspectShippedAsync("provided.al2023", architecture, Package(program, stored).AddFile("lib/libabs.so", library, stored: stored));
        var inLayer = await InspectShippedAsync("provided.al2023", architecture, Package(program, stored), new PackageBuilder().AddFile("vendor/libabs.so", library, stored: stored));
        var (_, otherCpuLibrary) = await NativeBuild.ProgramNeedingPathAsync(architecture == Architecture.X8664 ? NativeArchitecture.Aarch64 : NativeArchitecture.X8664, "/opt/vendor/libabs.so", cancellationToken: Cancel);
        var otherCpuInLayer = await InspectShippedAsync("provided.al2023", architecture, Package(program, stored), new PackageBuilder().AddFile("vendor/libabs.so", otherCpuLibrary, stored: stored));

        // ld.so opens a DT_NEEDED containing '/' as it is (elf/dl-load.c, _dl_map_object): no search path, so neither lib/
        // nor LD_LIBRARY_PATH helps, and the image has nothing under /opt; only /opt/vendor/libabs.so from a layer does.
        foreach (var report in new[] { missing, inLib })
        {
            Assert.Equal(Verdict.Broken, report.Verdict);
            var error = Assert.Single(report.Findings, f => f.Code == FindingCodes.BootstrapLibraryMissing);
            Assert.Contains("bootstrap needs /opt/vendor/libabs.so, a DT_NEEDED path that ld.so opens as is", error.Message, StringComparison.Ordinal);
            Assert.Contains("no layer ships /opt/vendor/libabs.so", error.Message, StringComparison.Ordinal);
            Assert.Contains("ship libabs.so in a layer at vendor/libabs.so", error.Hint, StringComparison.Ordinal);
            Assert.Contains("patchelf --replace-needed /opt/vendor/libabs.so libabs.so bootstrap", error.Hint, StringComparison.Ordinal);
            Assert.DoesNotContain("move ", error.Hint, StringComparison.Ordinal);
        }

        Assert.Contains("the copy shipped at /var/task/lib/libabs.so is never looked at", inLib.Findings.Single(f => f.Code == FindingCodes.BootstrapLibraryMissing).Message, StringComparison.Ordinal);
        Assert.True(inLayer.Verdict == Verdict.Ok && inLayer.Findings.Count == 0, Describe(inLayer));
        var otherCpu = Assert.Single(otherCpuInLayer.Findings, f => f.Code == FindingCodes.BootstrapLibraryMissing);
        Assert.Contains("the file shipped at /opt/vendor/libabs.so is one ld.so passes over", otherCpu.Message, StringComparison.Ordinal);
        Assert.Contains("passed over: /opt/vendor/libabs.so (built for", otherCpu.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(Architecture.X8664, true, false)]
    [InlineData(Architecture.X8664, false, true)]
    [InlineData(Architecture.Arm64, false, false)]
    [InlineData(Architecture.Arm64, true, true)]
    public async Task Inspect_WhenTheShippedLibraryHasNoVersionDefinitionsButTheProgramNeedsVersions_IsBrokenWithLdSosAssertion(Architecture architecture, bool stored, bool large)
    {
        var versioned = await NativeBuild.LibraryAsync(Native(architecture), "libfoo.so.1", Foo, cancellationToken: Cancel);
        var unversioned = await NativeBuild.LibraryAsync(Native(architecture), "libfoo.so.1", Foo, withoutVersions: true, cancellationToken: Cancel);
        var program = await NativeBuild.ProgramCallingAsync(Native(architecture), [versioned], paddingBytes: large ? LargePadding : 0, cancellationToken: Cancel);

        var broken = await InspectShippedAsync("provided.al2023", architecture, Package(program, stored).AddFile("lib/libfoo.so.1", unversioned.Bytes, stored: stored));
        var good = await InspectShippedAsync("provided.al2023", architecture, Package(program, stored).AddFile("lib/libfoo.so.1", versioned.Bytes, stored: stored));

        Assert.Equal(Verdict.Broken, broken.Verdict);
        var error = Assert.Single(broken.Findings, f => f.Code == FindingCodes.BootstrapLibraryVersionMissing);
        Assert.Contains("needs FOO_1.0 from libfoo.so.1, but the shipped /var/task/lib/libfoo.so.1 defines no symbol versions", error.Message, StringComparison.Ordinal);
        Assert.Contains("/var/task/lib/libfoo.so.1: no version information available (required by /var/task/bootstrap)", error.Message, StringComparison.Ordinal);
        Assert.Contains("dl-lookup.c: check_match: Assertion", error.Message, StringComparison.Ordinal);
        Assert.Contains("exit status 127", error.Message, StringComparison.Ordinal);
        Assert.Contains("readelf -V lib/libfoo.so.1", error.Hint, StringComparison.Ordinal);
        Assert.True(good.Verdict == Verdict.Ok && good.Findings.Count == 0, Describe(good));
    }

    [Fact]
    public async Task UnversionedLibrary_UnderThisMachinesLdSo_WarnsThenAbortsWithExitStatus127()
    {
        // The rule above, settled by running it: glibc's ld.so (Debian 12's 2.36 here; check_match is unchanged since
        // 2.34, AL2023's) prints "no version information available", then "Inconsistency detected by ld.so: dl-lookup.c:
        // 107: check_match: Assertion `version->filename == NULL || ! _dl_name_match_p (version->filename, map)' failed!"
        // and exits 127 before main. The documented rule it replaces ("satisfies any need with a warning") was wrong.
        if (!OperatingSystem.IsLinux() || System.Runtime.InteropServices.RuntimeInformation.ProcessArchitecture != System.Runtime.InteropServices.Architecture.X64)
        {
            Assert.Fail("this test runs an x86_64 glibc program, so it needs x86_64 Linux");
            return;
        }

        var versioned = await NativeBuild.LibraryAsync(NativeArchitecture.X8664, "libfoo.so.1", Foo, cancellationToken: Cancel);
        var unversioned = await NativeBuild.LibraryAsync(NativeArchitecture.X8664, "libfoo.so.1", Foo, withoutVersions: true, cancellationToken: Cancel);
        var program = await NativeBuild.ProgramCallingAsync(NativeArchitecture.X8664, [versioned], cancellationToken: Cancel);
        var directory = Directory.CreateTempSubdirectory("guard-ldso-").FullName;
        try
        {
            var main = Path.Combine(directory, "bootstrap");
            await File.WriteAllBytesAsync(main, program, Cancel);
            File.SetUnixFileMode(main, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
            await File.WriteAllBytesAsync(Path.Combine(directory, "libfoo.so.1"), unversioned.Bytes, Cancel);
            var run = await ExternalProcess.RunAsync(main, [], Cancel, new() { Environment = new Dictionary<string, string?> { ["LD_LIBRARY_PATH"] = directory } });

            Assert.Equal(127, run.ExitCode);
            Assert.Contains("libfoo.so.1: no version information available", run.Errors, StringComparison.Ordinal);
            Assert.Contains("check_match: Assertion", run.Errors, StringComparison.Ordinal);
        }
        finally
        {
            Directory.Delete(directory, recursive: true);
        }
    }
}
