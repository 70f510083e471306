using System.Reflection;

namespace Guard.Aws.Tests;

public sealed class AwsActionsTests
{
    [Fact]
    public void All_EveryConstant_ListedOnceAndSorted()
    {
        var constants = typeof(AwsActions).GetFields(BindingFlags.Public | BindingFlags.Static)
            .Where(f => f.IsLiteral)
            .Select(f => (string)f.GetRawConstantValue()!)
            .Order(StringComparer.Ordinal)
            .ToList();

        Assert.Equal(constants, AwsActions.All.Concat(AwsActions.CliOnly).Concat(AwsActions.MemberOnly).Order(StringComparer.Ordinal));
        Assert.Equal(AwsActions.All.Order(StringComparer.Ordinal), AwsActions.All);
        Assert.Equal(AwsActions.All.Count, AwsActions.All.Distinct(StringComparer.Ordinal).Count());
        Assert.All(constants, action => Assert.Matches("^(lambda|sns|ssm|s3|sts|organizations|iam|securityhub|events|ecr):[A-Z][A-Za-z]+$", action));
    }
}
