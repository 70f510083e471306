using Guard.Inspection.Rules;
using Guard.Testing;

namespace Guard.Inspection.Tests.Rules;

public sealed class FindingCodesTests
{
    [Fact]
    public void All_EveryCode_HasARowInTheFindingsTable()
    {
        var page = File.ReadAllLines(Path.Combine(Checkout.Root, "docs", "findings.md"));
        var rows = page.Where(line => line.StartsWith("| `", StringComparison.Ordinal)).ToArray();

        var missing = FindingCodes.All.Where(c => !rows.Any(row => row.StartsWith($"| `{c.Code}` | {c.Severity.ToString().ToLowerInvariant()} |", StringComparison.Ordinal))).Select(c => c.Code).ToArray();

        Assert.True(missing.Length == 0, $"docs/findings.md's table lacks a row (with the right severity) for: {string.Join(", ", missing)}");
    }

    [Fact]
    public void ExtensionCodeFor_EveryBootstrapCodeTheSharedRulesReport_HasAnExtensionCodeListedInAll()
    {
        string[] shared =
        [
            FindingCodes.BootstrapNotFile, FindingCodes.BootstrapNotExecutable, FindingCodes.BootstrapEmpty, FindingCodes.BootstrapWrongOs,
            FindingCodes.BootstrapWrongArch, FindingCodes.BootstrapGlibcTooNew, FindingCodes.BootstrapInterpreterMissing,
            FindingCodes.BootstrapInterpreterUnverified, FindingCodes.BootstrapNoShebang, FindingCodes.BootstrapCrlf,
            FindingCodes.BootstrapLibraryMissing, FindingCodes.BootstrapLibraryVersionMissing, FindingCodes.BootstrapLibraryUnverified,
        ];
        var all = FindingCodes.All.ToDictionary(c => c.Code, c => c.Severity, StringComparer.Ordinal);

        foreach (var code in shared)
        {
            var extension = FindingCodes.ExtensionCodeFor(code);
            Assert.NotNull(extension);
            Assert.Equal(code.Replace("BOOTSTRAP_", "EXTENSION_", StringComparison.Ordinal), extension);
            Assert.Equal(all[code], all[extension]);
        }
    }
}
