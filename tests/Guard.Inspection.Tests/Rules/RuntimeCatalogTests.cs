using Guard.Inspection.Rules;

namespace Guard.Inspection.Tests.Rules;

public sealed class RuntimeCatalogTests
{
    [Theory]
    [InlineData("provided.al2023023", "provided.al2023")]
    [InlineData("provided.al22", "provided.al2")]
    [InlineData("python3.1222", "python3.12")]
    [InlineData("go1x", "go1.x")]
    public void Nearest_ToATypo_IsTheRealRuntimeFewestEditsAway(string typo, string nearest)
    {
        Assert.False(RuntimeCatalog.Default.IsLambdaRuntime(typo));
        Assert.Equal(nearest, RuntimeCatalog.Default.Nearest(typo));
    }

    [Theory]
    [InlineData("python3.12")]
    [InlineData("nodejs22.x")]
    [InlineData("provided.al2023")]
    [InlineData("go1.x")]
    public void IsLambdaRuntime_ForWhatLambdasApiAccepts_IsTrue(string runtime) =>
        Assert.True(RuntimeCatalog.Default.IsLambdaRuntime(runtime));

    [Fact]
    public void Dates_WhereSourcesDisagree_AreTheEarliestAndEveryClaimNamesItsSource()
    {
        var al2 = RuntimeCatalog.Default.Find("provided.al2");

        // AWS's Go page and cfn-lint say 2026-06-30 / 07-31 / 08-31; Guard's first contract said 2026-07-31 / 2027-02-01 / 2027-03-03.
        Assert.Equal(new DateOnly(2026, 6, 30), al2.Deprecated);
        Assert.Equal(new DateOnly(2026, 7, 31), al2.BlockCreate);
        Assert.Equal(new DateOnly(2026, 8, 31), al2.BlockUpdate);
        Assert.True(al2.Lifecycle!.Count >= 2);
        Assert.All(al2.Lifecycle, claim => Assert.False(string.IsNullOrWhiteSpace(claim.Source)));
        Assert.Contains(al2.Lifecycle, claim => claim.Url == "https://docs.aws.amazon.com/lambda/latest/dg/lambda-golang.html");
    }

    [Fact]
    public void RuntimeDeployBlocked_OnGo1x_IsAnErrorNamingTheDatesSourcesAndTheirDisagreement()
    {
        var go = RuntimeCatalog.Default.Find("go1.x");

        var finding = Findings.RuntimeDeployBlocked(go, new DateOnly(2026, 12, 6), ArchitectureNames.X8664);

        Assert.Equal(Severity.Error, finding.Severity);
        Assert.Equal(FindingCodes.RuntimeDeployBlocked, finding.Code);
        Assert.Contains("since 2023-12-31 (AWS's e-mail to go1.x customers (Aug 2023); cfn-lint 1.51.0 says 2024-02-08; Guard takes the earliest)", finding.Message, StringComparison.Ordinal);
        Assert.Contains("update them since 2024-01-30", finding.Message, StringComparison.Ordinal);
        Assert.Contains("GOARCH=amd64", finding.Hint, StringComparison.Ordinal);
    }
}
