using Guard.Aws.Ecr;
using Guard.Aws.Http;
using Guard.Aws.Tests.Http;
using Guard.Testing;

namespace Guard.Aws.Tests.Ecr;

/// <summary>
/// EcrClient against a real moto_server for BatchGetImage (moto has no GetDownloadUrlForLayer: <see cref="EcrImageSourceTests"/>
/// cover it on <see cref="EcrStandIn"/>). moto ignores acceptedMediaTypes.
/// </summary>
public sealed class EcrClientMotoTests(MotoServer moto) : IClassFixture<MotoServer>
{
    /// <summary>moto's default account, whose registry the calls name.</summary>
    private const string MotoAccount = "123456789012";

    private static CancellationToken Cancel => TestContext.Current.CancellationToken;

    [Fact]
    public async Task GetManifest_ByTagAndByDigest_ReturnsTheBytesPushedAndTheirMediaType()
    {
        using var aws = MotoAws.Account(moto.Endpoint);
        using var ecr = EcrClient.Create(aws.Environment, MotoAws.Credentials);
        var image = EcrImageSourceTests.GoImage();
        await aws.CreateRepositoryAsync("guard-orders", Cancel);
        await aws.PutImageAsync("guard-orders", image.TopBytes, image.TopMediaType, "v1", image.TopDigest, Cancel);

        var byTag = await ecr.GetManifestAsync(MotoAccount, "guard-orders", "v1", null, [ImageBuilder.OciManifest, ImageBuilder.OciIndex], Cancel);
        var byDigest = await ecr.GetManifestAsync(MotoAccount, "guard-orders", null, image.TopDigest, [ImageBuilder.OciManifest], Cancel);

        Assert.Equal(image.TopBytes, byTag.Bytes);
        Assert.Equal(image.TopBytes, byDigest.Bytes);
        Assert.Equal((image.TopDigest, image.TopMediaType), (byTag.Digest, byTag.MediaType));
    }

    [Fact]
    public async Task GetManifest_MissingTag_ThrowsTheFailureCodeOfThe200Answer()
    {
        using var aws = MotoAws.Account(moto.Endpoint);
        using var ecr = EcrClient.Create(aws.Environment, MotoAws.Credentials);
        await aws.CreateRepositoryAsync("guard-empty", Cancel);

        var error = await Assert.ThrowsAsync<AwsServiceException>(() => ecr.GetManifestAsync(MotoAccount, "guard-empty", "v1", null, [ImageBuilder.OciManifest], Cancel));

        Assert.Equal("ImageNotFound", error.ErrorCode);
        Assert.Equal(AwsActions.EcrBatchGetImage, error.Action);
    }

    [Fact]
    public async Task GetManifest_MissingRepository_ThrowsRepositoryNotFound()
    {
        using var aws = MotoAws.Account(moto.Endpoint);
        using var ecr = EcrClient.Create(aws.Environment, MotoAws.Credentials);

        var error = await Assert.ThrowsAsync<AwsServiceException>(() => ecr.GetManifestAsync(MotoAccount, "guard-none", "v1", null, [ImageBuilder.OciManifest], Cancel));

        Assert.Equal("RepositoryNotFoundException", error.ErrorCode);
        Assert.False(error.IsTransient);
    }
}
