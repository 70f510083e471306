using Guard.Aws.Functions;

namespace Guard.Aws.Tests.Functions;

public sealed class FunctionOwnerTests
{
    private static Dictionary<string, string> Tags(params (string Key, string Value)[] tags) => tags.ToDictionary(t => t.Key, t => t.Value, StringComparer.Ordinal);

    [Fact]
    public void FromTags_SamStack_NamesSamStackAndLogicalId()
    {
        var owner = FunctionOwner.FromTags(Tags(
            ("aws:cloudformation:stack-name", "orders-prod"), ("aws:cloudformation:logical-id", "OrdersFunction"), ("lambda:createdBy", "SAM")));

        Assert.Equal(new FunctionOwner("SAM", "orders-prod", "OrdersFunction"), owner);
        Assert.Equal("SAM stack orders-prod (logical ID OrdersFunction)", owner!.ToString());
    }

    [Fact]
    public void FromTags_ServerlessStageTag_NamesServerlessFramework()
    {
        var owner = FunctionOwner.FromTags(Tags(("aws:cloudformation:stack-name", "orders-dev"), ("aws:cloudformation:logical-id", "HelloLambdaFunction"), ("STAGE", "dev")));

        Assert.Equal("Serverless Framework", owner?.Tool);
    }

    [Fact]
    public void FromTags_PlainStackTags_NamesCloudFormation()
    {
        // What a CDK app's function carries: CloudFormation's tags only (aws:cdk:path is template metadata, not a tag).
        var owner = FunctionOwner.FromTags(Tags(("aws:cloudformation:stack-name", "OrdersStack"), ("aws:cloudformation:logical-id", "Handler886CB40B")));

        Assert.Equal(new FunctionOwner("CloudFormation", "OrdersStack", "Handler886CB40B"), owner);
    }

    [Theory]
    [InlineData("lambda:createdBy", "SAM")]
    [InlineData("STAGE", "prod")]
    [InlineData("guard:mode", "rollback")]
    public void FromTags_WithoutStackNameTag_IsNoOwner(string key, string value)
    {
        // SAM's or the Serverless Framework's own tag alone could be set by anyone; only CloudFormation's says a stack owns it.
        Assert.Null(FunctionOwner.FromTags(Tags((key, value))));
    }
}
