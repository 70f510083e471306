using Guard.Aws.Ecr;

namespace Guard.Aws.Tests.Ecr;

public sealed class EcrImageUriTests
{
    private const string Digest = "sha256:0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef";

    [Fact]
    public void TryParse_ByTag_NamesRegistryRegionRepositoryAndTag()
    {
        Assert.True(EcrImageUri.TryParse("111122223333.dkr.ecr.eu-west-1.amazonaws.com/team/orders-api:v1.2", out var image));

        Assert.Equal(("111122223333", "eu-west-1", "team/orders-api", "v1.2", (string?)null), (image.RegistryId, image.Region, image.Repository, image.Tag, image.Digest));
        Assert.Equal("111122223333.dkr.ecr.eu-west-1.amazonaws.com/team/orders-api:v1.2", image.ToString());
    }

    [Fact]
    public void TryParse_ByDigestInChina_KeepsTheCnHostAndTheDigest()
    {
        Assert.True(EcrImageUri.TryParse($"111122223333.dkr.ecr.cn-north-1.amazonaws.com.cn/orders@{Digest}", out var image));

        Assert.Equal(("cn-north-1", "111122223333.dkr.ecr.cn-north-1.amazonaws.com.cn", Digest, (string?)null), (image.Region, image.Host, image.Digest, image.Tag));
    }

    [Fact]
    public void At_ATaggedImage_PinsItToTheDigest()
    {
        var image = EcrImageUri.Parse("111122223333.dkr.ecr.us-gov-west-1.amazonaws.com/orders:latest").At(Digest);

        Assert.Equal($"111122223333.dkr.ecr.us-gov-west-1.amazonaws.com/orders@{Digest}", image.ToString());
    }

    [Theory]
    [InlineData("docker.io/library/alpine:3")]
    [InlineData("public.ecr.aws/lambda/provided:al2023")]
    [InlineData("1111.dkr.ecr.us-east-1.amazonaws.com/orders:v1")]
    [InlineData("111122223333.dkr.ecr.us-east-1.amazonaws.com/Orders:v1")]
    [InlineData("111122223333.dkr.ecr.us-east-1.amazonaws.com.evil.example/orders:v1")]
    [InlineData("111122223333.dkr.ecr.us-east-1.amazonaws.com/orders@sha256:short")]
    public void TryParse_NotAPrivateEcrImage_False(string text)
    {
        Assert.False(EcrImageUri.TryParse(text, out _));
        Assert.Throws<FormatException>(() => EcrImageUri.Parse(text));
    }
}
