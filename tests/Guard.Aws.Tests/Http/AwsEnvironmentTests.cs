using Guard.Aws.Http;

namespace Guard.Aws.Tests.Http;

public sealed class AwsEnvironmentTests
{
    [Fact]
    public void Region_WhenNothingSet_IsUsEast1()
    {
        var environment = AwsEnvironment.From(new Dictionary<string, string?>());

        Assert.Equal("us-east-1", environment.Region);
        Assert.Equal(new Uri("https://lambda.us-east-1.amazonaws.com/"), environment.EndpointFor(AwsService.Lambda));
    }

    [Fact]
    public void Region_WhenBothSet_PrefersAwsRegion()
    {
        var environment = AwsEnvironment.From(new Dictionary<string, string?> { ["AWS_REGION"] = "eu-west-1", ["AWS_DEFAULT_REGION"] = "us-west-2" });

        Assert.Equal("eu-west-1", environment.Region);
        Assert.Equal(new Uri("https://sns.eu-west-1.amazonaws.com/"), environment.EndpointFor(AwsService.Sns));
    }

    [Fact]
    public void Region_WhenOnlyDefaultRegionSet_UsesIt()
    {
        var environment = AwsEnvironment.From(new Dictionary<string, string?> { ["AWS_REGION"] = "", ["AWS_DEFAULT_REGION"] = "ap-south-1" });

        Assert.Equal("ap-south-1", environment.Region);
    }

    [Fact]
    public void EndpointFor_ChinaRegion_UsesChinaDnsSuffix()
    {
        var environment = AwsEnvironment.From(new Dictionary<string, string?> { ["AWS_REGION"] = "cn-north-1" });

        Assert.Equal(new Uri("https://ssm.cn-north-1.amazonaws.com.cn/"), environment.EndpointFor(AwsService.Ssm));
    }

    [Fact]
    public void EndpointFor_WhenServiceVariableSet_PrefersItOverGeneral()
    {
        var environment = AwsEnvironment.From(new Dictionary<string, string?>
        {
            ["AWS_ENDPOINT_URL"] = "http://127.0.0.1:5000",
            ["AWS_ENDPOINT_URL_LAMBDA"] = "http://127.0.0.1:6000",
        });

        Assert.Equal(new Uri("http://127.0.0.1:6000/"), environment.EndpointFor(AwsService.Lambda));
        Assert.Equal(new Uri("http://127.0.0.1:5000/"), environment.EndpointFor(AwsService.Sns));
        Assert.Equal(new Uri("http://127.0.0.1:5000/"), environment.ConfiguredEndpointFor(AwsService.S3));
    }

    [Fact]
    public void ConfiguredEndpointFor_WhenNothingSet_IsNull()
    {
        var environment = AwsEnvironment.From(new Dictionary<string, string?>());

        Assert.Null(environment.ConfiguredEndpointFor(AwsService.Ssm));
    }

    [Fact]
    public void EndpointFor_WhenIgnoreConfiguredEndpoints_UsesRealEndpoint()
    {
        var environment = AwsEnvironment.From(new Dictionary<string, string?>
        {
            ["AWS_ENDPOINT_URL"] = "http://127.0.0.1:5000",
            ["AWS_IGNORE_CONFIGURED_ENDPOINT_URLS"] = "true",
        });

        Assert.Equal(new Uri("https://lambda.us-east-1.amazonaws.com/"), environment.EndpointFor(AwsService.Lambda));
    }

    [Fact]
    public void EndpointFor_WhenVariableIsNotUrl_ThrowsNamingVariable()
    {
        var environment = AwsEnvironment.From(new Dictionary<string, string?> { ["AWS_ENDPOINT_URL_SNS"] = "localhost:4566" });

        var error = Assert.Throws<InvalidOperationException>(() => environment.EndpointFor(AwsService.Sns));
        Assert.Contains("AWS_ENDPOINT_URL_SNS", error.Message, StringComparison.Ordinal);
    }
}
