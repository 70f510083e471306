using Guard.Inspection.Executables;
using Guard.Inspection.Rules;

namespace Guard.Inspection.Tests.Rules;

/// <summary>
/// What ld.so's failures become: a library found nowhere and a version its provider lacks are errors; what the image
/// catalog cannot settle is one warning; the executable's own GLIBC_ needs stay BOOTSTRAP_GLIBC_TOO_NEW's.
/// </summary>
public sealed class LibraryRulesTests
{
    private const string Bootstrap = "/var/task/bootstrap";

    private static readonly RuntimeFacts Al2 = RuntimeCatalog.Default.Find("provided.al2");

    private static readonly ImageLibrary OldLibStdCxx = new("libstdc++.so.6", "/usr/lib64/libstdc++.so.6", "libstdc++ 7.3",
        [new ImageLibraryVersions(null, "GLIBCXX_", new Version(3, 4, 24)), new ImageLibraryVersions(null, "CXXABI_", new Version(1, 3, 11))]);

    private static readonly ImageLibrary LibC = new("libc.so.6", "/usr/lib64/libc.so.6", "glibc 2.26",
        [new ImageLibraryVersions(null, "GLIBC_", new Version(2, 26)), new ImageLibraryVersions("GLIBC_PRIVATE", null, null)]);

    private static ElfFacts Elf(string[] needed, params LibraryVersionNeed[] versions) => new(
        true, true, ElfFacts.MachineX8664, "x86_64", ElfFacts.TypeSharedObject, ElfLinkage.Dynamic, "/lib64/ld-linux-x86-64.so.2",
        [], needed, IsGo: false, VersionNeeds: versions);

    private static LibraryVersionNeed Need(string library, string version, bool weak = false) => new(library, version, weak);

    private static LibraryResolution.InImage InImage(ImageLibrary library) => new(library.SoName, Bootstrap, library, []);

    [Fact]
    public void Judge_WhenImageLibraryStopsBelowTheNeededVersion_ReportsEachMissingVersionOnce()
    {
        var executable = Elf(["libstdc++.so.6"], Need("libstdc++.so.6", "GLIBCXX_3.4.9"), Need("libstdc++.so.6", "GLIBCXX_3.4.30"), Need("libstdc++.so.6", "GLIBCXX_3.4.26"), Need("libstdc++.so.6", "CXXABI_1.3.9"));
        var map = new LinkMap([new LinkedObject(Bootstrap, executable)], [InImage(OldLibStdCxx)], SearchPathsKnown: true);

        var finding = Assert.Single(LibraryRules.Judge("bootstrap", map, Al2));

        Assert.Equal((FindingCodes.BootstrapLibraryVersionMissing, Severity.Error), (finding.Code, finding.Severity));
        Assert.Contains("needs GLIBCXX_3.4.30, GLIBCXX_3.4.26 from libstdc++.so.6", finding.Message, StringComparison.Ordinal);
        Assert.Contains("version `GLIBCXX_3.4.30' not found (required by /var/task/bootstrap)", finding.Message, StringComparison.Ordinal);
        Assert.Contains("-static-libstdc++", finding.Hint, StringComparison.Ordinal);
    }

    [Fact]
    public void Judge_WhenTheExecutableNeedsANewerGlibc_LeavesItToTheGlibcRule()
    {
        var executable = Elf(["libc.so.6"], Need("libc.so.6", "GLIBC_2.34"));
        var map = new LinkMap([new LinkedObject(Bootstrap, executable)], [InImage(LibC)], SearchPathsKnown: true);

        Assert.Empty(LibraryRules.Judge("bootstrap", map, Al2));
    }

    [Fact]
    public void Judge_WhenAShippedLibraryNeedsANewerGlibc_ReportsItAgainstTheImagesLibc()
    {
        var executable = Elf(["libfoo.so.1"]);
        var shippedFacts = Elf(["libc.so.6"], Need("libc.so.6", "GLIBC_2.34")) with { SoName = "libfoo.so.1" };
        var map = new LinkMap(
            [new LinkedObject(Bootstrap, executable), new LinkedObject("/var/task/lib/libfoo.so.1", shippedFacts)],
            [new LibraryResolution.Shipped("libfoo.so.1", Bootstrap, "/var/task/lib/libfoo.so.1", shippedFacts), InImage(LibC) with { NeededBy = "/var/task/lib/libfoo.so.1" }],
            SearchPathsKnown: true);

        var finding = Assert.Single(LibraryRules.Judge("bootstrap", map, Al2));

        Assert.Equal(FindingCodes.BootstrapLibraryVersionMissing, finding.Code);
        Assert.StartsWith("/var/task/lib/libfoo.so.1 (loaded for bootstrap) needs GLIBC_2.34 from libc.so.6", finding.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Judge_WhenAShippedLibraryDefinesNoVersions_AVersionedNeedIsBrokenAsLdSoAborts()
    {
        var executable = Elf(["libssl.so.3"], Need("libssl.so.3", "OPENSSL_3.2.0"));
        var unversioned = Elf([]) with { SoName = "libssl.so.3", VersionDefinitions = null };
        var versioned = unversioned with { VersionDefinitions = ["OPENSSL_3.0.0"] };
        var onlyItsFirstBytesRead = unversioned with { VersionNeedsFromPrefix = true };

        LinkMap MapWith(ElfFacts library) => new(
            [new LinkedObject(Bootstrap, executable), new LinkedObject("/var/task/lib/libssl.so.3", library)],
            [new LibraryResolution.Shipped("libssl.so.3", Bootstrap, "/var/task/lib/libssl.so.3", library)],
            SearchPathsKnown: true);

        // ld.so warns "no version information available", then aborts in check_match (see SharedLibraryTests' run of it).
        var unversionedFinding = Assert.Single(LibraryRules.Judge("bootstrap", MapWith(unversioned), Al2));
        Assert.Equal((FindingCodes.BootstrapLibraryVersionMissing, Severity.Error), (unversionedFinding.Code, unversionedFinding.Severity));
        Assert.Contains("check_match: Assertion", unversionedFinding.Message, StringComparison.Ordinal);
        var finding = Assert.Single(LibraryRules.Judge("bootstrap", MapWith(versioned), Al2));
        Assert.Contains("the shipped /var/task/lib/libssl.so.3 does not define", finding.Message, StringComparison.Ordinal);
        Assert.Equal(FindingCodes.BootstrapLibraryUnverified, Assert.Single(LibraryRules.Judge("bootstrap", MapWith(onlyItsFirstBytesRead), Al2)).Code);
    }

    [Fact]
    public void Judge_WhenAWeakNeedIsMissing_SaysNothing()
    {
        var executable = Elf(["libstdc++.so.6"], Need("libstdc++.so.6", "GLIBCXX_3.4.30", weak: true));
        var map = new LinkMap([new LinkedObject(Bootstrap, executable)], [InImage(OldLibStdCxx)], SearchPathsKnown: true);

        Assert.Empty(LibraryRules.Judge("bootstrap", map, Al2));
    }

    [Fact]
    public void Judge_WhenLibrariesAndVersionsAreUnknown_GivesOneWarningNamingEach()
    {
        var executable = Elf(["libfoo.so.1", "libbar.so.2", "libstdc++.so.6"], Need("libstdc++.so.6", "GLIBCXX_TM_9"));
        var map = new LinkMap(
            [new LinkedObject(Bootstrap, executable)],
            [new LibraryResolution.Unknown("libfoo.so.1", Bootstrap, [], []), new LibraryResolution.Unknown("libbar.so.2", Bootstrap, [], []), InImage(OldLibStdCxx)],
            SearchPathsKnown: true);

        var finding = Assert.Single(LibraryRules.Judge("bootstrap", map, Al2));

        Assert.Equal((FindingCodes.BootstrapLibraryUnverified, Severity.Warning), (finding.Code, finding.Severity));
        Assert.Contains("libfoo.so.1, libbar.so.2, GLIBCXX_TM_9 from libstdc++.so.6", finding.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Judge_WhenALibraryIsMissing_NamesWhereLdSoLookedWhatItPassedOverAndTheFix()
    {
        var executable = Elf(["libssl.so.1.1"]);
        var missing = new LibraryResolution.Missing("libssl.so.1.1", Bootstrap, ["/var/task", "/var/task/lib", "/opt/lib"], ["/var/task/lib/libssl.so.1.1 (built for aarch64)"], [],
            new AbsentLibrary("libssl.so.1.1", "the image has OpenSSL 1.0.2 only", null));
        var map = new LinkMap([new LinkedObject(Bootstrap, executable)], [missing], SearchPathsKnown: true);

        var finding = Assert.Single(LibraryRules.Judge("bootstrap", map, Al2));

        Assert.Equal((FindingCodes.BootstrapLibraryMissing, Severity.Error), (finding.Code, finding.Severity));
        Assert.Contains("libssl.so.1.1: cannot open shared object file", finding.Message, StringComparison.Ordinal);
        Assert.Contains("passed over: /var/task/lib/libssl.so.1.1 (built for aarch64)", finding.Message, StringComparison.Ordinal);
        Assert.Contains("vendored", finding.Hint, StringComparison.Ordinal);
    }

    [Fact]
    public void Judge_WhenTheImagesCopyShadowsAShippedNewerOne_WarnsThatOnlyTheFunctionsOwnLdLibraryPathWouldReachIt()
    {
        var executable = Elf(["libstdc++.so.6"], Need("libstdc++.so.6", "GLIBCXX_3.4.30"));
        var map = new LinkMap([new LinkedObject(Bootstrap, executable)], [InImage(OldLibStdCxx) with { Shadowed = ["/var/task/lib/libstdc++.so.6"] }], SearchPathsKnown: false);

        var finding = Assert.Single(LibraryRules.Judge("bootstrap", map, Al2));

        // Lambda lets a function set LD_LIBRARY_PATH, which Guard does not see: that one fact could put lib/ first.
        Assert.Equal((FindingCodes.BootstrapLibraryUnverified, Severity.Warning), (finding.Code, finding.Severity));
        Assert.Contains("before the copy shipped at /var/task/lib/libstdc++.so.6", finding.Message, StringComparison.Ordinal);
        Assert.Contains("--disable-new-dtags,-rpath,'$ORIGIN/lib'", finding.Hint, StringComparison.Ordinal);
    }
}
