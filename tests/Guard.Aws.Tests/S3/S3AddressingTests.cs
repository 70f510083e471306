using Guard.Aws.Http;
using Guard.Aws.S3;

namespace Guard.Aws.Tests.S3;

public sealed class S3AddressingTests
{
    private static S3Addressing Real(string region = "eu-west-1") =>
        S3Addressing.For(AwsEnvironment.From(new Dictionary<string, string?> { ["AWS_REGION"] = region }));

    [Fact]
    public void ObjectUri_DnsLabelBucketOnAws_IsVirtualHostedInTheRegion()
    {
        var uri = Real().ObjectUri("my-artifacts", "builds/fn.zip");

        Assert.Equal("https://my-artifacts.s3.eu-west-1.amazonaws.com/builds/fn.zip", uri.AbsoluteUri);
    }

    [Fact]
    public void ObjectUri_BucketWithDots_IsPathStyle()
    {
        // A dotted bucket name breaks the *.s3.region.amazonaws.com certificate under virtual-hosted addressing.
        var uri = Real().ObjectUri("my.artifacts", "fn.zip");

        Assert.Equal("https://s3.eu-west-1.amazonaws.com/my.artifacts/fn.zip", uri.AbsoluteUri);
    }

    [Fact]
    public void ObjectUri_ChinaRegion_UsesTheChinaDomain()
    {
        var uri = Real("cn-north-1").ObjectUri("bucket", "fn.zip");

        Assert.Equal("https://bucket.s3.cn-north-1.amazonaws.com.cn/fn.zip", uri.AbsoluteUri);
    }

    [Fact]
    public void ObjectUri_ConfiguredEndpoint_IsPathStyleUnderItsPath()
    {
        var addressing = S3Addressing.For(AwsEnvironment.From(new Dictionary<string, string?> { ["AWS_ENDPOINT_URL_S3"] = "http://localhost:4566/s3" }));

        var uri = addressing.ObjectUri("bucket", "a/b.zip", "versionId=v1");

        Assert.Equal("http://localhost:4566/s3/bucket/a/b.zip?versionId=v1", uri.AbsoluteUri);
    }

    [Theory]
    [InlineData("fn.zip", "fn.zip")]
    [InlineData("dir/sub dir/fn.zip", "dir/sub%20dir/fn.zip")]
    [InlineData("c++/fn+1.zip", "c%2B%2B/fn%2B1.zip")]
    [InlineData("a/../b", "a/%2E%2E/b")]
    [InlineData("ünï/ça?.zip", "%C3%BCn%C3%AF/%C3%A7a%3F.zip")]
    [InlineData("a//b/", "a//b/")]
    public void EscapeKey_Segments_AreEscapedAndSlashesKept(string key, string expected)
    {
        Assert.Equal(expected, S3Addressing.EscapeKey(key));
    }

    [Fact]
    public void ObjectUri_DotSegmentKey_SurvivesUriNormalisation()
    {
        var uri = Real().ObjectUri("bucket", "a/../b");

        Assert.Equal("/a/%2E%2E/b", uri.AbsolutePath);
    }
}
