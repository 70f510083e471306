using System.Text.Json;
using System.Text.Json.Serialization.Metadata;
using Guard.Aws.Lambda;

namespace Guard.Aws.Tests.Lambda;

/// <summary>One round trip per root type: proves the source-generated context covers it (reflection is off).</summary>
public sealed class LambdaJsonContextTests
{
    [Fact]
    public void GetFunctionResponse_RoundTrips() => AssertRoundTrips(
        """{"Configuration":{"FunctionName":"fn","FunctionArn":"arn:aws:lambda:us-east-1:1:function:fn","Architectures":["arm64"],"Layers":[{"Arn":"arn:l:1","CodeSize":3}],"CodeSize":10},"Code":{"Location":"https://x","RepositoryType":"S3"},"Tags":{"guard:mode":"rollback"}}""",
        LambdaJsonContext.Default.GetFunctionResponse);

    [Fact]
    public void FunctionConfigurationWire_RoundTrips() => AssertRoundTrips(
        """{"FunctionName":"fn","FunctionArn":"arn","Runtime":"provided.al2023","Handler":"bootstrap","PackageType":"Zip","CodeSha256":"abc=","CodeSize":134,"RevisionId":"r","State":"Active","LastUpdateStatus":"Successful","Version":"$LATEST","Role":"arn:role"}""",
        LambdaJsonContext.Default.FunctionConfigurationWire);

    [Fact]
    public void ListFunctionsResponse_RoundTrips() => AssertRoundTrips(
        """{"Functions":[{"FunctionName":"a","FunctionArn":"arn:a","CodeSize":0}],"NextMarker":"m"}""",
        LambdaJsonContext.Default.ListFunctionsResponse);

    [Fact]
    public void GetLayerVersionResponse_RoundTrips() => AssertRoundTrips(
        """{"LayerVersionArn":"arn:l:1","Content":{"Location":"https://x","CodeSha256":"abc=","CodeSize":5}}""",
        LambdaJsonContext.Default.GetLayerVersionResponse);

    [Fact]
    public void UpdateFunctionCodeRequest_OmitsNulls() => AssertRoundTrips(
        """{"S3Bucket":"b","S3Key":"k"}""",
        LambdaJsonContext.Default.UpdateFunctionCodeRequest);

    [Fact]
    public void UpdateFunctionConfigurationRequest_KeepsEmptyLayerList() => AssertRoundTrips(
        """{"Runtime":"provided.al2","Layers":[],"RevisionId":"r"}""",
        LambdaJsonContext.Default.UpdateFunctionConfigurationRequest);

    [Fact]
    public void FunctionConcurrency_RoundTrips() => AssertRoundTrips(
        """{"ReservedConcurrentExecutions":0}""",
        LambdaJsonContext.Default.FunctionConcurrency);

    [Fact]
    public void TagResourceRequest_RoundTrips() => AssertRoundTrips(
        """{"Tags":{"guard:rolled-back":"2026-01-01T00:00:00Z"}}""",
        LambdaJsonContext.Default.TagResourceRequest);

    [Fact]
    public void ListTagsResponse_RoundTrips() => AssertRoundTrips(
        """{"Tags":{"aws:cloudformation:stack-name":"orders-prod","guard:toolchain":"go1.22.5"}}""",
        LambdaJsonContext.Default.ListTagsResponse);

    private static void AssertRoundTrips<T>(string json, JsonTypeInfo<T> type)
        where T : class
    {
        var value = JsonSerializer.Deserialize(json, type);
        Assert.NotNull(value);
        Assert.Equal(json, JsonSerializer.Serialize(value, type));
    }
}
