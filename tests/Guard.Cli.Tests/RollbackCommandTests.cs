using System.Security.Cryptography;
using Amazon.S3.Model;
using Guard.Aws.Lambda;
using Guard.Aws.Store;
using Guard.Cli.Commands;
using Guard.Cli.Rollback;
using Guard.Cli.Tests.Scanning;
using Guard.Inspection.Images;
using Guard.Testing;

namespace Guard.Cli.Tests;

/// <summary>
/// <c>guard rollback</c> against moto_server, reading a store laid out as the Guard Lambda writes it. The record
/// below is written by hand, the Lambda's DeployRecord JSON verbatim in shape, so that reading it does not depend on
/// the shared code being read with (Guard.Aws.Tests' StoreLayoutTests pin that shape on the writing side).
/// </summary>
public sealed class RollbackCommandTests : IAsyncLifetime
{
    private const string StoreBucket = "guard-store";

    private ScanMotoAccount _account = null!;

    private static CancellationToken Cancel => TestContext.Current.CancellationToken;

    public async ValueTask InitializeAsync()
    {
        _account = await ScanMotoAccount.StartAsync(Cancel);
        await _account.S3.PutBucketAsync(StoreBucket, Cancel);
    }

    public ValueTask DisposeAsync() => _account.DisposeAsync();

    [Fact]
    public async Task Rollback_BrokenFunctionWithAGoodRecord_LastGoodCodeIsBack()
    {
        var good = Good("cli-good");
        var broken = Broken();
        await _account.CreateZipFunctionAsync("cli-rb", good, "provided.al2023", cancellationToken: Cancel);
        await StoreAsync(good, "cli-rb");
        await DeployBrokenAsync("cli-rb", broken);
        var (code, output, error) = await RunAsync(new RollbackRequest("cli-rb", null, StoreBucket, null, TimeSpan.FromSeconds(5)));

        Assert.True(code == ExitCodes.Ok, output + error);
        Assert.Equal(Sha(good), (await _account.Lambda().GetFunctionAsync("cli-rb", Cancel)).Configuration.CodeSha256);
        Assert.Contains("re-checked: ok", output, StringComparison.Ordinal);
        Assert.Contains("aliases were left as they are", output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Rollback_ToStoredCodeThatDoesNotPass_RefusedAndUntouched()
    {
        var broken = Broken();
        var alsoBroken = new PackageBuilder().AddFile("bootstrap", "#!/bin/sh\necho other\n").ToArray();
        await _account.CreateZipFunctionAsync("cli-refuse", Good("cli-refuse"), "provided.al2023", cancellationToken: Cancel);
        await DeployBrokenAsync("cli-refuse", broken);
        await _account.S3.PutObjectAsync(new PutObjectRequest { BucketName = StoreBucket, Key = CodeKeys.For("123456789012", Sha(alsoBroken)), InputStream = new MemoryStream(alsoBroken) }, Cancel);

        var (code, output, _) = await RunAsync(new RollbackRequest("cli-refuse", Convert.ToHexStringLower(SHA256.HashData(alsoBroken)), StoreBucket, null, TimeSpan.FromSeconds(5)));

        Assert.Equal(ExitCodes.Broken, code);
        Assert.Contains("does not pass", output, StringComparison.Ordinal);
        Assert.Equal(Sha(broken), (await _account.Lambda().GetFunctionAsync("cli-refuse", Cancel)).Configuration.CodeSha256);
    }

    [Fact]
    public async Task Rollback_NothingStored_RefusedWithExitOne()
    {
        await _account.CreateZipFunctionAsync("cli-empty", Broken(), "provided.al2023", cancellationToken: Cancel);

        var (code, output, _) = await RunAsync(new RollbackRequest("cli-empty", null, StoreBucket, null, TimeSpan.FromSeconds(5)));

        Assert.Equal(ExitCodes.Broken, code);
        Assert.Contains("no good code stored", output, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("cli-unreadable", "{ not json")]
    [InlineData("cli-no-sha", "{\"functionArn\":\"arn\",\"codeSize\":1,\"verdict\":\"ok\",\"codeKey\":\"code/00.zip\"}")]
    public async Task Rollback_GoodRecordUnreadableOrWithoutCodeSha256_AsIfNothingStored(string name, string record)
    {
        await _account.CreateZipFunctionAsync(name, Broken(), "provided.al2023", cancellationToken: Cancel);
        await _account.S3.PutObjectAsync(new PutObjectRequest { BucketName = StoreBucket, Key = $"good/123456789012/us-east-1/{name}.json", ContentBody = record }, Cancel);

        var (code, output, _) = await RunAsync(new RollbackRequest(name, null, StoreBucket, null, TimeSpan.FromSeconds(5)));

        Assert.Equal(ExitCodes.Broken, code);
        Assert.Contains("no good code stored", output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Rollback_NoStoreBucket_UsageError()
    {
        var previous = Environment.GetEnvironmentVariable("GUARD_STORE_BUCKET");
        Environment.SetEnvironmentVariable("GUARD_STORE_BUCKET", null);
        try
        {
            using var output = new StringWriter();
            using var error = new StringWriter();

            var code = await GuardCommandLine.RunAsync(["rollback", "fn"], output, error, Cancel);

            Assert.Equal(ExitCodes.UsageOrUnavailable, code);
            Assert.Contains("--store-bucket", error.ToString(), StringComparison.Ordinal);
        }
        finally
        {
            Environment.SetEnvironmentVariable("GUARD_STORE_BUCKET", previous);
        }
    }

    private const string Repository = "266106314375.dkr.ecr.us-east-1.amazonaws.com/orders";

    private static BuiltImage GoImage(string architecture, byte[] binary) => new ImageBuilder
    {
        Architecture = architecture,
        Entrypoint = ["/main"],
        Layers = [new ImageLayerContent().File("/main", binary)],
    }.Build();

    /// <summary>The record the Guard Lambda writes for a good image: its digest under imageUri, no code copy.</summary>
    /// <param name="imageConfig">The record's imageConfig as JSON; none (a record written before Guard kept it) when null.</param>
    private async Task StoreImageAsync(string name, string pinned, string? imageConfig = null)
    {
        var record = $$"""
            {"functionArn":"arn:aws:lambda:us-east-1:{{ImageFunctionsStandIn.Account}}:function:{{name}}","codeSha256":"{{ImageFunctionsStandIn.HexOf(pinned)}}","codeSize":0,
             "verdict":"ok","checkedAt":"2024-08-01T13:52:02Z","eventName":"UpdateFunctionCode20150331v2","eventTime":"2024-08-01T13:52:01Z",
             "deployedBy":"arn:aws:iam::{{ImageFunctionsStandIn.Account}}:user/christophe","account":"{{ImageFunctionsStandIn.Account}}","region":"us-east-1","functionName":"{{name}}",
             "runtime":null,"handler":null,"architectures":["x86_64"],"layers":[],"codeBucket":null,"codeKey":null,"imageUri":"{{pinned}}"{{(imageConfig is null ? "" : $",\"imageConfig\":{imageConfig}")}}}
            """;
        await _account.S3.PutObjectAsync(new PutObjectRequest { BucketName = StoreBucket, Key = $"good/{ImageFunctionsStandIn.Account}/us-east-1/{name}.json", ContentBody = record }, Cancel);
    }

    /// <summary>Pushes <paramref name="image"/> to the account's ECR stand-in; returns its digest reference.</summary>
    private string Push(BuiltImage image)
    {
        _account.Ecr.Push(image, "orders");
        return EcrStandIn.ResolvedUri(image, "orders");
    }

    [Fact]
    public async Task Rollback_ImageFunctionWithAGoodDigest_GoodImageIsBackAndRechecked()
    {
        var lambda = new ImageFunctionsStandIn();
        var good = Push(GoImage("amd64", ElfBuilder.Static(ElfBuilder.X8664, go: true)));
        var broken = Push(GoImage("arm64", ElfBuilder.Static(ElfBuilder.Aarch64, go: true)));
        await StoreImageAsync("cli-image", good);
        lambda.Deploy("cli-image", broken, named: Repository + ":latest");

        var (code, output, error) = await RunAsync(new RollbackRequest("cli-image", null, StoreBucket, null, TimeSpan.FromSeconds(5)), lambda);

        Assert.True(code == ExitCodes.Ok, output + error);
        Assert.Equal(good, (await lambda.GetFunctionAsync("cli-image", Cancel)).ResolvedImageUri);
        Assert.Contains($"put back image {good}", output, StringComparison.Ordinal);
        Assert.Contains("re-checked: ok", output, StringComparison.Ordinal);
        Assert.Equal(good, Assert.Single(lambda.CodeUpdates).Update.ImageUri);
    }

    [Fact]
    public async Task Rollback_ImageFunctionWhoseImageConfigAloneBroke_RecordedImageConfigIsBack()
    {
        var lambda = new ImageFunctionsStandIn();
        var good = Push(GoImage("amd64", ElfBuilder.Static(ElfBuilder.X8664, go: true)));
        await StoreImageAsync("cli-image-config", good, """{"entryPoint":null,"command":null,"workingDirectory":null}""");
        lambda.Deploy("cli-image-config", good, imageConfig: new FunctionImageConfig(["/app/missing"]));

        var (code, output, error) = await RunAsync(new RollbackRequest("cli-image-config", null, StoreBucket, null, TimeSpan.FromSeconds(5)), lambda);

        Assert.True(code == ExitCodes.Ok, output + error);
        Assert.Contains("cli-image-config: put back no ImageConfig overrides", output, StringComparison.Ordinal);
        Assert.Contains("re-checked: ok", output, StringComparison.Ordinal);
        Assert.Null((await lambda.GetFunctionAsync("cli-image-config", Cancel)).Configuration.ImageConfig);
        Assert.Empty(lambda.CodeUpdates);
    }

    [Fact]
    public async Task Rollback_GoodImageFailsUnderItsRecordedImageConfig_RefusedAndUntouched()
    {
        var lambda = new ImageFunctionsStandIn();
        var good = Push(GoImage("amd64", ElfBuilder.Static(ElfBuilder.X8664, go: true)));
        var broken = Push(GoImage("arm64", ElfBuilder.Static(ElfBuilder.Aarch64, go: true)));
        await StoreImageAsync("cli-image-gone", good, """{"entryPoint":["/gone"],"command":null,"workingDirectory":null}""");
        lambda.Deploy("cli-image-gone", broken, imageConfig: new FunctionImageConfig(["/main"]));

        var (code, output, _) = await RunAsync(new RollbackRequest("cli-image-gone", null, StoreBucket, null, TimeSpan.FromSeconds(5)), lambda);

        Assert.Equal(ExitCodes.Broken, code);
        Assert.Contains($"the image {good} does not pass on x86_64 with the ImageConfig it passed with", output, StringComparison.Ordinal);
        Assert.Empty(lambda.CodeUpdates);
        Assert.Empty(lambda.ConfigurationUpdates);
    }

    [Fact]
    public async Task Rollback_ImageFunctionToAnotherDigestThatDoesNotPass_RefusedAndUntouched()
    {
        var lambda = new ImageFunctionsStandIn();
        var broken = Push(GoImage("arm64", ElfBuilder.Static(ElfBuilder.Aarch64, go: true)));
        var alsoArm = Push(GoImage("arm64", ElfBuilder.Static(ElfBuilder.Aarch64, go: false)));
        lambda.Deploy("cli-image-to", broken);

        var (code, output, _) = await RunAsync(new RollbackRequest("cli-image-to", "sha256:" + ImageFunctionsStandIn.HexOf(alsoArm), StoreBucket, null, TimeSpan.FromSeconds(5)), lambda);

        Assert.Equal(ExitCodes.Broken, code);
        Assert.Contains($"the image {alsoArm} does not pass on x86_64", output, StringComparison.Ordinal);
        Assert.Empty(lambda.CodeUpdates);
    }

    [Fact]
    public async Task Rollback_ImageFunctionWithNothingStored_RefusedWithExitOne()
    {
        var lambda = new ImageFunctionsStandIn();
        lambda.Deploy("cli-image-empty", Push(GoImage("arm64", ElfBuilder.Static(ElfBuilder.Aarch64))));

        var (code, output, _) = await RunAsync(new RollbackRequest("cli-image-empty", null, StoreBucket, null, TimeSpan.FromSeconds(5)), lambda);

        Assert.Equal(ExitCodes.Broken, code);
        Assert.Contains("no good code stored", output, StringComparison.Ordinal);
    }

    private static byte[] Good(string marker) =>
        new PackageBuilder().AddFile("bootstrap", ElfBuilder.Static(ElfBuilder.X8664, go: true), PackageBuilder.ExecutableMode).AddFile("README.txt", marker).ToArray();

    private static byte[] Broken() => new PackageBuilder().AddFile("bootstrap", "#!/bin/sh\necho broken\n", PackageBuilder.RegularFileMode).ToArray();

    private static string Sha(byte[] zip) => Convert.ToBase64String(SHA256.HashData(zip));

    /// <summary>What the Guard Lambda leaves after judging <paramref name="zip"/> good: the copy, and the record.</summary>
    private async Task StoreAsync(byte[] zip, string name)
    {
        var key = CodeKeys.For("123456789012", Sha(zip));
        await _account.S3.PutObjectAsync(new PutObjectRequest { BucketName = StoreBucket, Key = key, InputStream = new MemoryStream(zip) }, Cancel);
        var record = $$"""
            {"functionArn":"arn:aws:lambda:us-east-1:123456789012:function:{{name}}","codeSha256":"{{Sha(zip)}}","codeSize":{{zip.Length}},
             "verdict":"ok","checkedAt":"2024-08-01T13:52:02Z","eventName":"UpdateFunctionCode20150331v2","eventTime":"2024-08-01T13:52:01Z",
             "deployedBy":"arn:aws:iam::123456789012:user/christophe","account":"123456789012","region":"us-east-1","functionName":"{{name}}",
             "runtime":"provided.al2023","handler":"bootstrap","architectures":["x86_64"],"layers":[],"codeBucket":"{{StoreBucket}}","codeKey":"{{key}}"}
            """;
        await _account.S3.PutObjectAsync(new PutObjectRequest { BucketName = StoreBucket, Key = $"good/123456789012/us-east-1/{name}.json", ContentBody = record }, Cancel);
        // moto's Code.Location after an update from S3 names the key: serve the copy there.
        _account.Code.Serve("/" + key, zip);
    }

    private async Task DeployBrokenAsync(string name, byte[] broken)
    {
        var key = $"guard-migrate/{name}-broken.zip";
        await _account.S3.PutObjectAsync(new PutObjectRequest { BucketName = _account.StageBucket, Key = key, InputStream = new MemoryStream(broken) }, Cancel);
        await _account.Lambda().UpdateFunctionCodeAsync(name, _account.StageBucket, key, null, null, Cancel);
    }

    private async Task<(int Code, string Output, string Error)> RunAsync(RollbackRequest request, ILambdaApi? lambda = null)
    {
        using var connection = _account.Connection(lambda is null ? null : _ => lambda);
        using var output = new StringWriter();
        using var error = new StringWriter();
        var code = await RollbackCommand.RunAsync(request, connection, output, error, TimeProvider.System, Cancel);
        return (code, output.ToString(), error.ToString());
    }
}
