using System.Text.Json;
using Guard.Cli.Tests.Support;
using Guard.Testing;

namespace Guard.Cli.Tests.Apps;

/// <summary>
/// <c>PackageType: Image</c> functions of a template: read from the registry their literal ImageUri names, with the
/// function's Architectures and ImageConfig, as <c>guard check IMAGE</c> reads an image; not checked when there is no image to reach.
/// </summary>
public sealed class ImageFunctionCheckTests : IDisposable
{
    private static readonly byte[] StaticX8664 = ElfBuilder.Static(ElfBuilder.X8664);
    private readonly Scratch _scratch = new();

    public void Dispose() => _scratch.Dispose();

    private static Task<(int ExitCode, string Output, string Error)> RunAsync(params string[] args) => FolderPackageTests.RunAsync(args);

    private static BuiltImage Image() => new ImageBuilder
    {
        Architecture = "amd64",
        Entrypoint = ["/main"],
        Layers = [new ImageLayerContent().File("/main", StaticX8664)],
    }.Build();

    private string Template(string imageUri, string architecture = "x86_64") => _scratch.Write("app/template.yaml", $"""
        AWSTemplateFormatVersion: "2010-09-09"
        Transform: AWS::Serverless-2016-10-31
        Resources:
          ImageFunction:
            Type: AWS::Serverless::Function
            Properties:
              PackageType: Image
              ImageUri: {imageUri}
              Architectures: [{architecture}]
        """);

    private static JsonElement Function(string output, string logicalId = "ImageFunction")
    {
        using var json = JsonDocument.Parse(output);
        return json.RootElement.GetProperty("functions").EnumerateArray().Single(f => f.GetProperty("logicalId").GetString() == logicalId).Clone();
    }

    private static string[] Codes(JsonElement function) =>
        [.. function.GetProperty("findings").EnumerateArray().Select(f => f.GetProperty("code").GetString()!)];

    [Fact]
    public async Task Check_WhenAnImageFunctionIsForTheOtherCpu_IsBrokenWithImageWrongArch()
    {
        await using var registry = RegistryStandIn.Start(Image());
        var template = Template(registry.Reference(), "arm64");

        var (exitCode, output, error) = await RunAsync("check", template, "--format", "json");

        Assert.True(exitCode == ExitCodes.Broken, $"exit {exitCode}: {error}");
        var function = Function(output);
        Assert.Equal("broken", function.GetProperty("verdict").GetString());
        Assert.Contains("IMAGE_WRONG_ARCH", Codes(function));
    }

    [Fact]
    public async Task Check_WhenAnImageFunctionsImageStarts_IsOk()
    {
        await using var registry = RegistryStandIn.Start(Image());
        var template = Template(registry.Reference());

        var (exitCode, output, error) = await RunAsync("check", template, "--format", "json");

        Assert.True(exitCode == ExitCodes.Ok, $"exit {exitCode}: {error}");
        var function = Function(output);
        Assert.Equal("ok", function.GetProperty("verdict").GetString());
        Assert.Equal("/main", function.GetProperty("bootstrap").GetProperty("path").GetString());
    }

    [Theory]
    [InlineData("Command")]
    [InlineData("EntryPoint")]
    public async Task Check_WhenImageConfigNamesAMissingFile_IsBroken(string property)
    {
        // An image started by its CMD alone, so that a Command override is what Lambda execs.
        await using var registry = RegistryStandIn.Start(new ImageBuilder
        {
            Cmd = ["/main"],
            Layers = [new ImageLayerContent().File("/main", StaticX8664)],
        }.Build());
        var template = _scratch.Write("app/template.yaml", $"""
            Resources:
              ImageFunction:
                Type: AWS::Lambda::Function
                Properties:
                  PackageType: Image
                  Role: arn:aws:iam::123456789012:role/r
                  Code:
                    ImageUri: {registry.Reference()}
                  ImageConfig:
                    {property}: [/missing]
            """);

        var (exitCode, output, error) = await RunAsync("check", template, "--format", "json");

        Assert.True(exitCode == ExitCodes.Broken, $"exit {exitCode}: {error}");
        Assert.Equal("broken", Function(output).GetProperty("verdict").GetString());
        Assert.Contains("/missing", output, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("!Sub '${AWS::AccountId}.dkr.ecr.${AWS::Region}.amazonaws.com/thumbnail:1'", "known only at deploy")]
    [InlineData("127.0.0.1:1/guard/none:v1", "the image is not reachable: 127.0.0.1:1/guard/none:v1")]
    [InlineData("thumbnailfunction:python3.12-v1", "names no registry")]
    public async Task Check_WhenTheImageCannotBeReached_IsNotCheckedSayingPushItFirst(string imageUri, string reason)
    {
        var template = Template(imageUri);

        var (exitCode, output, error) = await RunAsync("check", template, "--format", "json", "--timeout", "10");

        Assert.True(exitCode == ExitCodes.UsageOrUnavailable, $"exit {exitCode}: {error}");
        var function = Function(output);
        Assert.Equal("unchecked", function.GetProperty("verdict").GetString());
        Assert.Contains(reason, function.GetProperty("reason").GetString(), StringComparison.Ordinal);
        Assert.Contains("build and push the image first", output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Check_WhenSamBuildsTheImageFromDockerContext_IsNotChecked()
    {
        var template = _scratch.Write("app/template.yaml", """
            Transform: AWS::Serverless-2016-10-31
            Resources:
              ImageFunction:
                Type: AWS::Serverless::Function
                Properties:
                  PackageType: Image
                Metadata:
                  DockerContext: ./thumbnail
                  Dockerfile: Dockerfile
            """);

        var (exitCode, output, _) = await RunAsync("check", template, "--format", "json");

        Assert.Equal(ExitCodes.UsageOrUnavailable, exitCode);
        Assert.Contains("Metadata.DockerContext", Function(output).GetProperty("reason").GetString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Check_WhenACdkImageAssetIsOnlyABuildContext_IsNotCheckedSayingBuildTheImageFirst()
    {
        var cdkOut = AppFolders.WriteCdkOut(_scratch);
        _scratch.Write("cdk.out/OrdersStack.template.json", """
            {
              "Resources": {
                "ThumbnailFunction1A2B3C4D": {
                  "Type": "AWS::Lambda::Function",
                  "Properties": {
                    "PackageType": "Image",
                    "Role": "arn:aws:iam::123456789012:role/r",
                    "Code": { "ImageUri": { "Fn::Sub": "${AWS::AccountId}.dkr.ecr.${AWS::Region}.${AWS::URLSuffix}/cdk-hnb659fds-container-assets-${AWS::AccountId}-${AWS::Region}:0a1b2c" } }
                  },
                  "Metadata": { "aws:asset:path": "asset.0a1b2c", "aws:asset:dockerfile-path": "Dockerfile", "aws:asset:property": "Code.ImageUri" }
                }
              }
            }
            """);

        var (exitCode, output, _) = await RunAsync("check", cdkOut, "--format", "json");

        Assert.Equal(ExitCodes.UsageOrUnavailable, exitCode);
        var function = Function(output, "ThumbnailFunction1A2B3C4D");
        Assert.Equal("unchecked", function.GetProperty("verdict").GetString());
        Assert.StartsWith("not checked: the CDK image asset asset.0a1b2c", function.GetProperty("reason").GetString(), StringComparison.Ordinal);
        Assert.Contains("build the image first", output, StringComparison.Ordinal);
    }
}
