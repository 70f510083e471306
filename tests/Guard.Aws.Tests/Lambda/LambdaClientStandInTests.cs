using System.Net;
using Guard.Aws.Http;
using Guard.Aws.Lambda;
using Guard.Aws.Tests.Http;

namespace Guard.Aws.Tests.Lambda;

/// <summary>LambdaClient paths moto cannot show: paging, layer lookup by ARN, omitted fields, request shapes.</summary>
public sealed class LambdaClientStandInTests
{
    private static readonly AwsEnvironment LocalEnvironment = AwsEnvironment.From(new Dictionary<string, string?> { ["AWS_ENDPOINT_URL_LAMBDA"] = "http://lambda.test/" });
    private static readonly AwsRetryOptions FastRetry = new() { BaseDelay = TimeSpan.FromMilliseconds(1) };

    private static CancellationToken Cancel => TestContext.Current.CancellationToken;

    [Fact]
    public async Task ListFunctions_TwoPages_FollowsNextMarker()
    {
        var transport = new ScriptedTransport()
            .Then(HttpStatusCode.OK, """{"Functions":[{"FunctionName":"a","FunctionArn":"arn:a"},{"FunctionName":"b","FunctionArn":"arn:b"}],"NextMarker":"page+2/="}""")
            .Then(HttpStatusCode.OK, """{"Functions":[{"FunctionName":"c","FunctionArn":"arn:c"}]}""");
        using var lambda = LambdaClient.Create(LocalEnvironment, new RecordingCredentials(), FastRetry, transport);

        var names = new List<string>();
        await foreach (var function in lambda.ListFunctionsAsync(Cancel))
        {
            names.Add(function.FunctionName);
        }

        Assert.Equal(["a", "b", "c"], names);
        Assert.Equal(2, transport.Requests.Count);
        Assert.Equal("?MaxItems=50", transport.Requests[0].Uri.Query);
        Assert.Equal("?MaxItems=50&Marker=page%2B2%2F%3D", transport.Requests[1].Uri.Query);
    }

    [Fact]
    public async Task ListFunctions_Environment_KeepsOnlyLdLibraryPathAndIsUnknownWhenLambdaCouldNotDecryptIt()
    {
        var transport = new ScriptedTransport().Then(HttpStatusCode.OK, """
            {"Functions":[
              {"FunctionName":"vendored","FunctionArn":"arn:a","Environment":{"Variables":{"LD_LIBRARY_PATH":"/var/task/vendor","DB_PASSWORD":"hunter2"}}},
              {"FunctionName":"plain","FunctionArn":"arn:b"},
              {"FunctionName":"sealed","FunctionArn":"arn:c","Environment":{"Error":{"ErrorCode":"AccessDeniedException","Message":"KMS"}}}
            ]}
            """);
        using var lambda = LambdaClient.Create(LocalEnvironment, new RecordingCredentials(), FastRetry, transport);

        var functions = new List<FunctionConfiguration>();
        await foreach (var function in lambda.ListFunctionsAsync(Cancel))
        {
            functions.Add(function);
        }

        Assert.Equal(new Guard.Inspection.FunctionEnvironment("/var/task/vendor"), functions[0].Environment);
        Assert.DoesNotContain("hunter2", functions[0].ToString(), StringComparison.Ordinal);
        Assert.Equal(Guard.Inspection.FunctionEnvironment.Default, functions[1].Environment);
        Assert.Null(functions[2].Environment);
    }

    [Fact]
    public async Task GetLayerVersionByArn_Found_MapsContent()
    {
        const string arn = "arn:aws:lambda:us-east-1:123456789012:layer:lay:3";
        var transport = new ScriptedTransport().Then(HttpStatusCode.OK, $$$"""
            {"LayerVersionArn":"{{{arn}}}","Version":3,"Content":{"Location":"https://awslambda-us-east-1-layers.s3.us-east-1.amazonaws.com/snapshots/x?X-Amz-Signature=s","CodeSha256":"abc=","CodeSize":4096}}
            """);
        using var lambda = LambdaClient.Create(LocalEnvironment, new RecordingCredentials(), FastRetry, transport);

        var layer = await lambda.GetLayerVersionByArnAsync(arn, Cancel);

        Assert.Equal(new LayerVersionContent(arn, "https://awslambda-us-east-1-layers.s3.us-east-1.amazonaws.com/snapshots/x?X-Amz-Signature=s", "abc=", 4096), layer);
        var request = Assert.Single(transport.Requests);
        Assert.Equal("/2018-10-31/layers", request.Uri.AbsolutePath);
        Assert.Equal("?find=LayerVersion&Arn=arn%3Aaws%3Alambda%3Aus-east-1%3A123456789012%3Alayer%3Alay%3A3", request.Uri.Query);
    }

    [Fact]
    public async Task GetLayerVersionByArn_AnswerWithoutLayerFields_ThrowsMalformed()
    {
        // moto 5 answers this request with ListLayers' shape.
        var transport = new ScriptedTransport().Then(HttpStatusCode.OK, """{"Layers":[]}""");
        using var lambda = LambdaClient.Create(LocalEnvironment, new RecordingCredentials(), FastRetry, transport);

        var error = await Assert.ThrowsAsync<AwsServiceException>(() => lambda.GetLayerVersionByArnAsync("arn:aws:lambda:us-east-1:1:layer:l:1", Cancel));

        Assert.Equal("MalformedResponse", error.ErrorCode);
    }

    [Fact]
    public async Task GetLayerVersionByArn_Missing_IsPlainServiceErrorNotFunctionNotFound()
    {
        var transport = new ScriptedTransport().Then(HttpStatusCode.NotFound, """{"Type":"User","message":"The resource you requested does not exist."}""", ("X-Amzn-ErrorType", "ResourceNotFoundException"));
        using var lambda = LambdaClient.Create(LocalEnvironment, new RecordingCredentials(), FastRetry, transport);

        var error = await Assert.ThrowsAsync<AwsServiceException>(() => lambda.GetLayerVersionByArnAsync("arn:aws:lambda:us-east-1:1:layer:l:1", Cancel));

        Assert.IsNotType<FunctionNotFoundException>(error);
        Assert.Equal("ResourceNotFoundException", error.ErrorCode);
    }

    [Fact]
    public async Task GetFunction_ArchitecturesAndPackageTypeOmitted_DefaultsToX8664Zip()
    {
        var transport = new ScriptedTransport().Then(HttpStatusCode.OK, """
            {"Configuration":{"FunctionName":"old","FunctionArn":"arn:old","Runtime":"go1.x","CodeSha256":"abc=","CodeSize":9,"RevisionId":"rev-1","LastUpdateStatus":"Successful"},
             "Code":{"RepositoryType":"S3","Location":"https://example/presigned"}}
            """);
        using var lambda = LambdaClient.Create(LocalEnvironment, new RecordingCredentials(), FastRetry, transport);

        var details = await lambda.GetFunctionAsync("old", Cancel);

        Assert.Equal(["x86_64"], details.Configuration.Architectures);
        Assert.Equal("Zip", details.Configuration.PackageType);
        Assert.Equal("rev-1", details.Configuration.RevisionId);
        Assert.Empty(details.Tags);
        Assert.Equal("/2015-03-31/functions/old", Assert.Single(transport.Requests).Uri.AbsolutePath);
    }

    [Fact]
    public async Task GetFunction_ReferenceStorage_ReadsTheResolvedObjectAndLambdasRetrievalError()
    {
        // The Code of a function created with S3ObjectStorageMode REFERENCE: no Location, the customer's object version
        // instead (the API reference's GetFunction response syntax; the field set observed on such a function). Error's codes
        // are not documented: this one only shows the two fields are kept.
        var transport = new ScriptedTransport().Then(HttpStatusCode.OK, """
            {"Configuration":{"FunctionName":"ref","FunctionArn":"arn:ref","Runtime":"provided.al2023","CodeSha256":"abc=","CodeSize":9},
             "Code":{"RepositoryType":"S3",
                     "ResolvedS3Object":{"S3Bucket":"my-code","S3Key":"fn/app.zip","S3ObjectVersion":"JhMp_gq7EWQJId_jzvZObBt_1.oWsABT"},
                     "Error":{"ErrorCode":"S3ObjectNotFound","Message":"The referenced object version was not found."}}}
            """);
        using var lambda = LambdaClient.Create(LocalEnvironment, new RecordingCredentials(), FastRetry, transport);

        var details = await lambda.GetFunctionAsync("ref", Cancel);

        Assert.Null(details.CodeLocation);
        Assert.Equal(new PackageLocation.S3Object("my-code", "fn/app.zip", "JhMp_gq7EWQJId_jzvZObBt_1.oWsABT"), details.CodeObject);
        Assert.Equal("S3ObjectNotFound: The referenced object version was not found.", details.CodeError);
    }

    [Fact]
    public async Task GetFunction_LambdaStoredCode_HasNoReferencedObject()
    {
        var transport = new ScriptedTransport().Then(HttpStatusCode.OK, """
            {"Configuration":{"FunctionName":"copy","FunctionArn":"arn:copy","CodeSha256":"abc=","CodeSize":9},
             "Code":{"RepositoryType":"S3","Location":"https://example/presigned","ResolvedS3Object":{"S3Key":"no-bucket.zip"}}}
            """);
        using var lambda = LambdaClient.Create(LocalEnvironment, new RecordingCredentials(), FastRetry, transport);

        var details = await lambda.GetFunctionAsync("copy", Cancel);

        Assert.Equal("https://example/presigned", details.CodeLocation);
        Assert.Null(details.CodeObject);
        Assert.Null(details.CodeError);
    }

    [Fact]
    public async Task GetFunction_Throttled_RetriedAsOneLogicalCall()
    {
        var transport = new ScriptedTransport()
            .Then(HttpStatusCode.TooManyRequests, """{"Type":"User","message":"Rate exceeded","Reason":"CallerRateLimitExceeded"}""", ("X-Amzn-ErrorType", "TooManyRequestsException"))
            .Then(HttpStatusCode.OK, """{"Configuration":{"FunctionName":"fn","FunctionArn":"arn:fn"}}""");
        using var lambda = LambdaClient.Create(LocalEnvironment, new RecordingCredentials(), FastRetry, transport);

        var details = await lambda.GetFunctionAsync("fn", Cancel);

        Assert.Equal("fn", details.Configuration.FunctionName);
        Assert.Equal(2, transport.Requests.Count);
    }

    [Fact]
    public async Task UpdateFunctionCode_WithRevision_SendsGuardedJsonBody()
    {
        var transport = new ScriptedTransport().Then(HttpStatusCode.OK, """{"FunctionName":"fn","FunctionArn":"arn:fn","CodeSha256":"new="}""");
        using var lambda = LambdaClient.Create(LocalEnvironment, new RecordingCredentials(), FastRetry, transport);

        var configuration = await lambda.UpdateFunctionCodeAsync("fn", "store", "lkg/fn.zip", "v1", "rev-1", Cancel);

        Assert.Equal("new=", configuration.CodeSha256);
        var request = Assert.Single(transport.Requests);
        Assert.Equal(HttpMethod.Put, request.Method);
        Assert.Equal("/2015-03-31/functions/fn/code", request.Uri.AbsolutePath);
        Assert.Equal("""{"S3Bucket":"store","S3Key":"lkg/fn.zip","S3ObjectVersion":"v1","RevisionId":"rev-1"}""", request.Body);
        Assert.Equal("application/json", request.Header("Content-Type"));
    }

    [Fact]
    public async Task UpdateFunctionCode_WithArchitecture_SendsItInTheBody()
    {
        // UpdateFunctionCode is the only call that changes a function's architecture; moto ignores the field.
        var transport = new ScriptedTransport().Then(HttpStatusCode.OK, """{"FunctionName":"fn","FunctionArn":"arn:fn","CodeSha256":"new="}""");
        using var lambda = LambdaClient.Create(LocalEnvironment, new RecordingCredentials(), FastRetry, transport);

        await lambda.UpdateFunctionCodeAsync("fn", new FunctionCodeUpdate("stage", "guard-migrate/f/bootstrap-1.zip", null, "rev-1", ["arm64"]), Cancel);

        var request = Assert.Single(transport.Requests);
        Assert.Equal("""{"S3Bucket":"stage","S3Key":"guard-migrate/f/bootstrap-1.zip","RevisionId":"rev-1","Architectures":["arm64"]}""", request.Body);
    }

    [Fact]
    public async Task UpdateFunctionCode_Image_SendsTheDigestAndNoS3Object()
    {
        // A rollback of an image function: UpdateFunctionCode with ImageUri, the good architecture, conditional on the revision read.
        var transport = new ScriptedTransport().Then(HttpStatusCode.OK, """{"FunctionName":"fn","FunctionArn":"arn:fn","PackageType":"Image","CodeSha256":"ab12"}""");
        using var lambda = LambdaClient.Create(LocalEnvironment, new RecordingCredentials(), FastRetry, transport);
        const string image = "266106314375.dkr.ecr.us-east-1.amazonaws.com/orders@sha256:0000000000000000000000000000000000000000000000000000000000000000";

        await lambda.UpdateFunctionCodeAsync("fn", FunctionCodeUpdate.Image(image, "rev-1", ["x86_64"]), Cancel);

        var request = Assert.Single(transport.Requests);
        Assert.Equal($$"""{"ImageUri":"{{image}}","RevisionId":"rev-1","Architectures":["x86_64"]}""", request.Body);
    }

    [Fact]
    public async Task UpdateFunctionConfiguration_ImageConfigWithoutOverrides_SendsAnEmptyObjectThatClearsThem()
    {
        // Lambda replaces the ImageConfig whole: {} clears every override, a field left out clears that one.
        var transport = new ScriptedTransport()
            .Then(HttpStatusCode.OK, """{"FunctionName":"fn","FunctionArn":"arn:fn","PackageType":"Image","CodeSha256":"ab12"}""")
            .Then(HttpStatusCode.OK, """{"FunctionName":"fn","FunctionArn":"arn:fn","PackageType":"Image","CodeSha256":"ab12"}""");
        using var lambda = LambdaClient.Create(LocalEnvironment, new RecordingCredentials(), FastRetry, transport);

        await lambda.UpdateFunctionConfigurationAsync("fn", new FunctionConfigurationUpdate(null, null, null, "rev-1", Guard.Inspection.Images.FunctionImageConfig.None), Cancel);
        await lambda.UpdateFunctionConfigurationAsync("fn", new FunctionConfigurationUpdate(null, null, null, "rev-2", new(null, ["serve"], "/srv")), Cancel);

        Assert.Equal(
            ["""{"RevisionId":"rev-1","ImageConfig":{}}""", """{"RevisionId":"rev-2","ImageConfig":{"Command":["serve"],"WorkingDirectory":"/srv"}}"""],
            transport.Requests.Select(r => r.Body));
        Assert.All(transport.Requests, r => Assert.Equal((HttpMethod.Put, "/2015-03-31/functions/fn/configuration"), (r.Method, r.Uri.AbsolutePath)));
    }

    [Fact]
    public async Task GetFunction_ImageFunction_ReadsTheResolvedDigestAndImageConfig()
    {
        var transport = new ScriptedTransport().Then(HttpStatusCode.OK, """
            {"Configuration":{"FunctionName":"fn","FunctionArn":"arn:fn","PackageType":"Image","CodeSha256":"ab12",
              "ImageConfigResponse":{"ImageConfig":{"EntryPoint":["/app/main"],"Command":["serve"],"WorkingDirectory":"/app"}}},
             "Code":{"RepositoryType":"ECR","ImageUri":"1.dkr.ecr.us-east-1.amazonaws.com/orders:v2","ResolvedImageUri":"1.dkr.ecr.us-east-1.amazonaws.com/orders@sha256:ab12"}}
            """);
        using var lambda = LambdaClient.Create(LocalEnvironment, new RecordingCredentials(), FastRetry, transport);

        var function = await lambda.GetFunctionAsync("fn", Cancel);

        Assert.Equal("1.dkr.ecr.us-east-1.amazonaws.com/orders@sha256:ab12", function.ResolvedImageUri);
        var config = function.Configuration.ImageConfig!;
        Assert.Equal(["/app/main"], config.EntryPoint!);
        Assert.Equal(["serve"], config.Command!);
        Assert.Equal("/app", config.WorkingDirectory);
    }

    [Fact]
    public async Task UpdateFunctionCode_RevisionConflict_ThrowsNonTransientConflict()
    {
        var transport = new ScriptedTransport().Then(
            HttpStatusCode.PreconditionFailed, """{"Type":"User","message":"The Revision Id provided does not match the latest Revision Id."}""", ("X-Amzn-ErrorType", "PreconditionFailedException"));
        using var lambda = LambdaClient.Create(LocalEnvironment, new RecordingCredentials(), FastRetry, transport);

        var error = await Assert.ThrowsAsync<AwsServiceException>(() => lambda.UpdateFunctionCodeAsync("fn", "b", "k", null, "stale", Cancel));

        Assert.Equal("PreconditionFailedException", error.ErrorCode);
        Assert.False(error.IsTransient);
        Assert.Single(transport.Requests);
    }

    [Fact]
    public async Task TagResource_FunctionArn_PostsToEscapedArnPath()
    {
        var transport = new ScriptedTransport().Then(HttpStatusCode.NoContent);
        using var lambda = LambdaClient.Create(LocalEnvironment, new RecordingCredentials(), FastRetry, transport);

        await lambda.TagResourceAsync("arn:aws:lambda:us-east-1:123456789012:function:fn", new Dictionary<string, string> { ["guard:rolled-back"] = "true" }, Cancel);

        var request = Assert.Single(transport.Requests);
        Assert.Equal(HttpMethod.Post, request.Method);
        Assert.Equal("/2017-03-31/tags/arn%3Aaws%3Alambda%3Aus-east-1%3A123456789012%3Afunction%3Afn", request.Uri.AbsolutePath);
        Assert.Equal("""{"Tags":{"guard:rolled-back":"true"}}""", request.Body);
    }
}
