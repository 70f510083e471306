using System.Text.Json;
using Guard.Aws.Ecr;

namespace Guard.Aws.Tests.Ecr;

/// <summary>ECR's wire JSON as the API reference writes it (camelCase), through the source-generated context only.</summary>
public sealed class EcrJsonContextTests
{
    [Fact]
    public void BatchGetImageRequest_ByDigest_WritesTheReferenceShapeWithoutAbsentFields()
    {
        var request = new BatchGetImageRequest
        {
            RegistryId = "111122223333",
            RepositoryName = "team/orders",
            ImageIds = [new ImageIdentifier { ImageDigest = "sha256:ab" }],
            AcceptedMediaTypes = ["application/vnd.oci.image.manifest.v1+json"],
        };

        var json = JsonSerializer.Serialize(request, EcrJsonContext.Default.BatchGetImageRequest);

        Assert.Equal("""{"registryId":"111122223333","repositoryName":"team/orders","imageIds":[{"imageDigest":"sha256:ab"}],"acceptedMediaTypes":["application/vnd.oci.image.manifest.v1\u002Bjson"]}""", json);
    }

    [Fact]
    public void BatchGetImageResponse_AsTheReferenceWritesIt_ReadsManifestTypeAndFailures()
    {
        var response = JsonSerializer.Deserialize("""
            {"images":[{"registryId":"111122223333","repositoryName":"orders","imageId":{"imageDigest":"sha256:ab","imageTag":"v1"},
              "imageManifest":"{\"schemaVersion\":2}","imageManifestMediaType":"application/vnd.docker.distribution.manifest.v2+json"}],
             "failures":[{"imageId":{"imageTag":"v9"},"failureCode":"ImageNotFound","failureReason":"Requested image not found"}]}
            """, EcrJsonContext.Default.BatchGetImageResponse)!;

        var image = Assert.Single(response.Images!);
        Assert.Equal(("sha256:ab", "{\"schemaVersion\":2}", "application/vnd.docker.distribution.manifest.v2+json"), (image.ImageId!.ImageDigest, image.ImageManifest, image.ImageManifestMediaType));
        Assert.Equal("ImageNotFound", Assert.Single(response.Failures!).FailureCode);
    }

    [Fact]
    public void GetDownloadUrlForLayer_RequestAndResponse_RoundTripTheReferenceNames()
    {
        var json = JsonSerializer.Serialize(new GetDownloadUrlForLayerRequest { RepositoryName = "orders", LayerDigest = "sha256:cd" }, EcrJsonContext.Default.GetDownloadUrlForLayerRequest);
        var response = JsonSerializer.Deserialize("""{"downloadUrl":"https://example.s3.amazonaws.com/x?X-Amz-Signature=s","layerDigest":"sha256:cd"}""", EcrJsonContext.Default.GetDownloadUrlForLayerResponse)!;

        Assert.Equal("""{"repositoryName":"orders","layerDigest":"sha256:cd"}""", json);
        Assert.Equal(("https://example.s3.amazonaws.com/x?X-Amz-Signature=s", "sha256:cd"), (response.DownloadUrl, response.LayerDigest));
    }
}
