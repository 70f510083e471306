using System.Text.RegularExpressions;
using Guard.Testing;

namespace Guard.Function.Tests.EndToEnd;

/// <summary>
/// The Native AOT <c>bootstrap</c> for linux-x64, as <c>build/test-fixtures.sh</c> published it (with the x86_64
/// release zip) before the tests. Fails the tests that run it on any trimming or AOT warning (IL2xxx/IL3xxx) in that
/// build's log.
/// </summary>
public sealed partial class PublishedBootstrap
{
    public PublishedBootstrap()
    {
        ExecutablePath = PrebuiltFixtures.Require(Path.Combine("release", "artifacts", "out-x86_64", "bootstrap"));
        var publishLog = File.ReadAllText(PrebuiltFixtures.Require("release.log"));
        var aotWarnings = AotWarning().Matches(publishLog).Select(m => m.Value).Distinct().ToArray();
        if (aotWarnings.Length > 0)
        {
            throw new InvalidOperationException($"the AOT publish warned: {string.Join(", ", aotWarnings)}\n{publishLog}");
        }
    }

    public string ExecutablePath { get; }

    [GeneratedRegex(@"warning IL[23]\d{3}")]
    private static partial Regex AotWarning();
}
