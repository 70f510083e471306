namespace Guard.Aws.Tests;

public sealed class PackageLocationTests
{
    [Theory]
    [InlineData("dist/function.zip")]
    [InlineData("/abs/path/function.zip")]
    [InlineData("function.zip")]
    [InlineData("./weird:name.zip")]
    [InlineData(@"C:\build\function.zip")]
    public void Parse_LocalPath_KeepsPathAsWritten(string value)
    {
        var location = PackageLocation.Parse(value);

        Assert.Equal(new PackageLocation.LocalFile(value), location);
        Assert.Equal(value, location.DisplayName);
    }

    [Fact]
    public void Parse_FileUrl_BecomesLocalPath()
    {
        Assert.Equal(new PackageLocation.LocalFile("/tmp/function.zip"), PackageLocation.Parse("file:///tmp/function.zip"));
    }

    [Theory]
    [InlineData("s3://my-bucket/function.zip", "my-bucket", "function.zip", null)]
    [InlineData("s3://my-bucket/deep/path/function.zip", "my-bucket", "deep/path/function.zip", null)]
    [InlineData("S3://my-bucket/function.zip", "my-bucket", "function.zip", null)]
    [InlineData("s3://my-bucket/function.zip?versionId=3HL4kqtJlcpXroDTDmJ.rmSpXd3dIbrHY", "my-bucket", "function.zip", "3HL4kqtJlcpXroDTDmJ.rmSpXd3dIbrHY")]
    [InlineData("s3://my-bucket/function.zip?versionId=a%2Bb", "my-bucket", "function.zip", "a+b")]
    [InlineData("s3://my-bucket/with space/fn+1.zip", "my-bucket", "with space/fn+1.zip", null)]
    public void Parse_S3Uri_ReturnsBucketKeyAndVersion(string value, string bucket, string key, string? versionId)
    {
        var location = PackageLocation.Parse(value);

        Assert.Equal(new PackageLocation.S3Object(bucket, key, versionId), location);
    }

    [Fact]
    public void DisplayName_S3WithVersion_ShowsVersion()
    {
        Assert.Equal("s3://b-1/k.zip?versionId=v1", new PackageLocation.S3Object("b-1", "k.zip", "v1").DisplayName);
        Assert.Equal("s3://b-1/k.zip", new PackageLocation.S3Object("b-1", "k.zip").ToString());
    }

    [Theory]
    [InlineData("https://awslambda-us-west-2-tasks.s3.us-west-2.amazonaws.com/snapshots/123/fn-abc?X-Amz-Signature=secret&X-Amz-Security-Token=tok",
        "https://awslambda-us-west-2-tasks.s3.us-west-2.amazonaws.com/snapshots/123/fn-abc")]
    [InlineData("http://127.0.0.1:8080/fn.zip", "http://127.0.0.1:8080/fn.zip")]
    [InlineData("HTTPS://example.com/fn.zip", "https://example.com/fn.zip")]
    public void Parse_HttpUrl_KeepsQueryButNeverShowsIt(string value, string displayName)
    {
        var location = Assert.IsType<PackageLocation.Url>(PackageLocation.Parse(value));

        Assert.Equal(new Uri(value), location.Uri);
        Assert.Equal(displayName, location.DisplayName);
        Assert.Equal(displayName, location.ToString());
    }

    [Theory]
    [InlineData("", "PACKAGE is empty")]
    [InlineData("   ", "PACKAGE is empty")]
    [InlineData("s3://", "missing bucket name")]
    [InlineData("s3:///function.zip", "missing bucket name")]
    [InlineData("s3://my-bucket", "missing object key")]
    [InlineData("s3://my-bucket/", "missing object key")]
    [InlineData("s3://my-bucket?versionId=1", "missing object key")]
    [InlineData("s3://my-bucket/dist/", "names a folder, not an object")]
    [InlineData("s3://my-bucket/fn.zip?version=1", "only ?versionId=… is accepted")]
    [InlineData("s3://my-bucket/fn.zip?versionId=1&x=2", "only ?versionId=… is accepted")]
    [InlineData("s3://my-bucket/fn.zip?versionId=", "empty versionId")]
    [InlineData("s3://a/fn.zip", "not a valid bucket name")]
    [InlineData("s3://my bucket/fn.zip", "not a valid bucket name")]
    [InlineData("s3:/my-bucket/fn.zip", "malformed S3 location")]
    [InlineData("s3:my-bucket/fn.zip", "malformed S3 location")]
    [InlineData("arn:aws:s3:::my-bucket/fn.zip", "ARNs are not package locations")]
    [InlineData("gs://bucket/fn.zip", "unsupported scheme 'gs'")]
    [InlineData("ftp://example.com/fn.zip", "unsupported scheme 'ftp'")]
    [InlineData("https://example.com/", "the URL names no object")]
    [InlineData("https://exa mple.com/fn.zip", "not a valid URL")]
    public void Parse_Malformed_ThrowsFormatExceptionWithOneClearLine(string value, string expected)
    {
        var e = Assert.Throws<FormatException>(() => PackageLocation.Parse(value));

        Assert.Contains(expected, e.Message, StringComparison.Ordinal);
        Assert.DoesNotContain('\n', e.Message);
    }

    [Fact]
    public void TryParse_MalformedPresignedUrl_ErrorHidesQuery()
    {
        var ok = PackageLocation.TryParse("https://exa mple.com/fn.zip?X-Amz-Signature=secret", out var location, out var error);

        Assert.False(ok);
        Assert.Null(location);
        Assert.DoesNotContain("secret", error, StringComparison.Ordinal);
    }

    [Fact]
    public void TryParse_Null_ReturnsFalse()
    {
        Assert.False(PackageLocation.TryParse(null, out _, out var error));
        Assert.NotNull(error);
    }
}
