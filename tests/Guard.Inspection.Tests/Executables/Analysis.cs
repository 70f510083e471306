using Guard.Inspection.Executables;
using Guard.Inspection.Reading;

namespace Guard.Inspection.Tests.Executables;

/// <summary>Shorthands for running the analyzer over bytes in tests.</summary>
internal static class Analysis
{
    public static Task<ExecutableFacts> OfAsync(byte[] bytes) =>
        ExecutableAnalyzer.AnalyzeAsync(new InMemoryEntryContent(bytes), TestContext.Current.CancellationToken);

    public static async Task<ElfFacts> ElfOfAsync(byte[] bytes)
    {
        var facts = await OfAsync(bytes);
        Assert.Equal(ExecutableKind.Elf, facts.Kind);
        return Assert.IsType<ElfFacts>(facts.Elf);
    }

    public static Version[] Versions(params string[] versions) => [.. versions.Select(Version.Parse)];
}
