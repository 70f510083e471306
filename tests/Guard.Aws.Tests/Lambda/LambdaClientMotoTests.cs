using Amazon.S3;
using Amazon.S3.Model;
using Guard.Aws.Http;
using Guard.Aws.Lambda;
using Guard.Aws.Tests.Http;
using Guard.Testing;

namespace Guard.Aws.Tests.Lambda;

/// <summary>
/// LambdaClient against a real moto_server. moto gaps (covered by <see cref="LambdaClientStandInTests"/>):
/// no RevisionId, ListFunctions ignores MaxItems (one page), GetLayerVersionByArn answers with ListLayers,
/// and Code.Location is not fetchable.
/// </summary>
public sealed class LambdaClientMotoTests(MotoServer moto) : IClassFixture<MotoServer>
{
    private static CancellationToken Cancel => TestContext.Current.CancellationToken;

    [Fact]
    public async Task GetFunction_ExistingFunction_ReturnsConfigurationCodeAndTags()
    {
        using var aws = MotoAws.Account(moto.Endpoint);
        using var lambda = LambdaClient.Create(aws.Environment, MotoAws.Credentials);
        var role = await aws.CreateRoleAsync("guard-get", Cancel);
        var layerArn = await aws.PublishLayerVersionAsync("guard-layer", MotoAws.BootstrapZip("layer"), ["provided.al2023"], Cancel);
        var zip = MotoAws.BootstrapZip("get");
        var arn = await aws.CreateFunctionAsync(
            "guard-get", role, zip, "provided.al2023", "arm64", [layerArn], new Dictionary<string, string> { ["guard:mode"] = "rollback" }, cancellationToken: Cancel);

        var details = await lambda.GetFunctionAsync("guard-get", Cancel);

        var configuration = details.Configuration;
        Assert.Equal("guard-get", configuration.FunctionName);
        Assert.Equal(arn, configuration.FunctionArn);
        Assert.Equal("provided.al2023", configuration.Runtime);
        Assert.Equal("bootstrap", configuration.Handler);
        Assert.Equal(["arm64"], configuration.Architectures);
        Assert.Equal(layerArn, Assert.Single(configuration.Layers).Arn);
        Assert.Equal("Zip", configuration.PackageType);
        Assert.Equal(MotoAws.CodeSha256(zip), configuration.CodeSha256);
        Assert.Equal(zip.Length, configuration.CodeSize);
        Assert.Equal(role, configuration.Role);
        Assert.Equal("Active", configuration.State);
        Assert.Equal("$LATEST", configuration.Version);
        Assert.Equal("S3", details.RepositoryType);
        Assert.NotNull(details.CodeLocation);
        Assert.Equal("rollback", details.Tags["guard:mode"]);
    }

    [Fact]
    public async Task GetFunction_ByArn_FindsFunction()
    {
        using var aws = MotoAws.Account(moto.Endpoint);
        using var lambda = LambdaClient.Create(aws.Environment, MotoAws.Credentials);
        var role = await aws.CreateRoleAsync("guard-arn", Cancel);
        var arn = await aws.CreateFunctionAsync("guard-arn", role, MotoAws.BootstrapZip("arn"), "provided.al2", "x86_64", [], new Dictionary<string, string>(), cancellationToken: Cancel);

        var details = await lambda.GetFunctionAsync(arn, Cancel);

        Assert.Equal("guard-arn", details.Configuration.FunctionName);
        Assert.Equal(["x86_64"], details.Configuration.Architectures);
        Assert.Empty(details.Configuration.Layers);
        Assert.Empty(details.Tags);
    }

    [Fact]
    public async Task GetFunction_MissingFunction_ThrowsFunctionNotFound()
    {
        using var aws = MotoAws.Account(moto.Endpoint);
        using var lambda = LambdaClient.Create(aws.Environment, MotoAws.Credentials);

        var error = await Assert.ThrowsAsync<FunctionNotFoundException>(() => lambda.GetFunctionAsync("guard-deleted", Cancel));

        Assert.Equal("guard-deleted", error.FunctionName);
        Assert.Equal("ResourceNotFoundException", error.ErrorCode);
        Assert.Equal(404, error.StatusCode);
        Assert.False(error.IsTransient);
        Assert.Equal(AwsActions.LambdaGetFunction, error.Action);
        Assert.Contains("guard-deleted", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task ListFunctions_SeveralFunctions_YieldsEach()
    {
        using var aws = MotoAws.Account(moto.Endpoint);
        using var lambda = LambdaClient.Create(aws.Environment, MotoAws.Credentials);
        var role = await aws.CreateRoleAsync("guard-list", Cancel);
        foreach (var name in new[] { "guard-list-1", "guard-list-2", "guard-list-3" })
        {
            await aws.CreateFunctionAsync(name, role, MotoAws.BootstrapZip(name), "provided.al2023", "x86_64", [], new Dictionary<string, string>(), cancellationToken: Cancel);
        }

        var names = new List<string>();
        await foreach (var function in lambda.ListFunctionsAsync(Cancel))
        {
            names.Add(function.FunctionName);
        }

        Assert.Superset(new HashSet<string> { "guard-list-1", "guard-list-2", "guard-list-3" }, names.ToHashSet());
    }

    [Fact]
    public async Task GetFunction_WithQualifier_ReturnsThePublishedVersionNotLatest()
    {
        using var aws = MotoAws.Account(moto.Endpoint);
        using var lambda = LambdaClient.Create(aws.Environment, MotoAws.Credentials);
        var role = await aws.CreateRoleAsync("guard-versions", Cancel);
        var published = MotoAws.BootstrapZip("published");
        var arn = await aws.CreateFunctionAsync("guard-versions", role, published, "provided.al2023", "x86_64", [], new Dictionary<string, string>(), cancellationToken: Cancel);
        await aws.LambdaAsync("lambda:PublishVersion", HttpMethod.Post, "2015-03-31/functions/guard-versions/versions", MotoAccount.Json(_ => { }), Cancel);
        await aws.LambdaAsync(
            "lambda:UpdateFunctionCode", HttpMethod.Put, "2015-03-31/functions/guard-versions/code",
            MotoAccount.Json(w => w.WriteBase64String("ZipFile", MotoAws.BootstrapZip("latest since"))), Cancel);

        var version = await lambda.GetFunctionAsync(arn, "1", Cancel);
        var latest = await lambda.GetFunctionAsync(arn, qualifier: null, Cancel);

        Assert.Equal((MotoAws.CodeSha256(published), "1", $"{arn}:1"), (version.Configuration.CodeSha256, version.Configuration.Version, version.Configuration.FunctionArn));
        Assert.NotEqual(MotoAws.CodeSha256(published), latest.Configuration.CodeSha256);
    }

    [Fact]
    public async Task RollbackOperations_OnExistingFunction_ApplyInMoto()
    {
        using var aws = MotoAws.Account(moto.Endpoint);
        using var lambda = LambdaClient.Create(aws.Environment, MotoAws.Credentials);
        var role = await aws.CreateRoleAsync("guard-rollback", Cancel);
        var layerArn = await aws.PublishLayerVersionAsync("guard-rollback-layer", MotoAws.BootstrapZip("rollback-layer"), ["provided.al2023"], Cancel);
        var arn = await aws.CreateFunctionAsync(
            "guard-rollback", role, MotoAws.BootstrapZip("broken"), "provided.al2023", "x86_64", [layerArn], new Dictionary<string, string>(), cancellationToken: Cancel);
        var lastKnownGood = MotoAws.BootstrapZip("last-known-good");
        using var s3 = moto.S3Witness(MotoAws.Credentials);
        await s3.PutBucketAsync("guard-store", Cancel);
        await s3.PutObjectAsync(new PutObjectRequest { BucketName = "guard-store", Key = "lkg/guard-rollback.zip", InputStream = new MemoryStream(lastKnownGood) }, Cancel);

        var code = await lambda.UpdateFunctionCodeAsync("guard-rollback", new FunctionCodeUpdate("guard-store", "lkg/guard-rollback.zip", null, null), Cancel);
        var configuration = await lambda.UpdateFunctionConfigurationAsync("guard-rollback", new FunctionConfigurationUpdate("provided.al2", null, [], null), Cancel);
        var reserved = await lambda.PutFunctionConcurrencyAsync("guard-rollback", 0, Cancel);
        await lambda.TagResourceAsync(arn, new Dictionary<string, string> { ["guard:rolled-back"] = "true" }, Cancel);

        Assert.Equal(MotoAws.CodeSha256(lastKnownGood), code.CodeSha256);
        Assert.Equal("provided.al2", configuration.Runtime);
        Assert.Empty(configuration.Layers);
        Assert.Equal(0, reserved);
        var details = await lambda.GetFunctionAsync("guard-rollback", Cancel);
        Assert.Equal(MotoAws.CodeSha256(lastKnownGood), details.Configuration.CodeSha256);
        Assert.Equal("true", details.Tags["guard:rolled-back"]);
    }

    [Fact]
    public async Task ListTags_FunctionWithStackTags_ReturnsThemFromTheTagsApi()
    {
        using var aws = MotoAws.Account(moto.Endpoint);
        using var lambda = LambdaClient.Create(aws.Environment, MotoAws.Credentials);
        var role = await aws.CreateRoleAsync("guard-list-tags", Cancel);
        var tags = new Dictionary<string, string> { ["aws:cloudformation:stack-name"] = "orders-prod", ["aws:cloudformation:logical-id"] = "OrdersFunction" };
        var arn = await aws.CreateFunctionAsync("guard-list-tags", role, MotoAws.BootstrapZip("tags"), "provided.al2", "x86_64", [], tags, cancellationToken: Cancel);
        await lambda.TagResourceAsync(arn, new Dictionary<string, string> { ["guard:toolchain"] = "go1.22.5" }, Cancel);

        var listed = await lambda.ListTagsAsync(arn, Cancel);

        Assert.Equal(
            [("aws:cloudformation:logical-id", "OrdersFunction"), ("aws:cloudformation:stack-name", "orders-prod"), ("guard:toolchain", "go1.22.5")],
            listed.Select(t => (t.Key, t.Value)).Order());
    }

    [Fact]
    public async Task ListTags_MissingFunction_ThrowsFunctionNotFound()
    {
        using var aws = MotoAws.Account(moto.Endpoint);
        using var lambda = LambdaClient.Create(aws.Environment, MotoAws.Credentials);

        await Assert.ThrowsAsync<FunctionNotFoundException>(() => lambda.ListTagsAsync("arn:aws:lambda:us-east-1:123456789012:function:nope", Cancel));
    }

    [Fact]
    public async Task UpdateFunctionCode_MissingFunction_ThrowsFunctionNotFound()
    {
        using var aws = MotoAws.Account(moto.Endpoint);
        using var lambda = LambdaClient.Create(aws.Environment, MotoAws.Credentials);

        var error = await Assert.ThrowsAsync<FunctionNotFoundException>(() =>
            lambda.UpdateFunctionCodeAsync("guard-never-existed", new FunctionCodeUpdate("bucket", "key", null, null), Cancel));

        Assert.Equal(AwsActions.LambdaUpdateFunctionCode, error.Action);
    }
}
