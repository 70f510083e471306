using Guard.Inspection.Rules;

namespace Guard.Inspection.Tests.Rules;

public sealed class GoModuleVersionsTests
{
    [Theory]
    [InlineData("v1.17.0", true)]
    [InlineData("v1.2.0", true)]
    [InlineData("v0.9.0", true)]
    [InlineData("v1.17.0-rc1", true)] // before v1.17.0 itself
    [InlineData("v1.16.3-0.20200601000000-abcdefabcdef", true)]
    [InlineData("v1.17.0+incompatible", true)]
    [InlineData("v1.18.0", false)]
    [InlineData("v1.47.0", false)]
    [InlineData("v1.18.0-rc1", false)] // may already have the Runtime API client
    [InlineData("v1.17.1-0.20200714000000-abcdefabcdef", false)] // a commit after v1.17.0: cannot tell
    [InlineData("(devel)", false)]
    [InlineData("1.17.0", false)]
    public void IsSurelyBefore_118_JudgesOnlyWhatIsCertain(string version, bool expected) =>
        Assert.Equal(expected, GoModuleVersions.IsSurelyBefore(version, 1, 18));
}
