using System.Diagnostics;
using System.Net;
using Guard.Aws.Http;

namespace Guard.Aws.Tests.Http;

public sealed class AwsHttpPipelineTests
{
    private static readonly AwsRetryOptions FastRetry = new()
    {
        MaxAttempts = 4,
        BaseDelay = TimeSpan.FromMilliseconds(1),
        MaxDelay = TimeSpan.FromSeconds(2),
        AttemptTimeout = TimeSpan.FromSeconds(5),
    };

    private static readonly AwsEnvironment LocalEnvironment = AwsEnvironment.From(new Dictionary<string, string?>
    {
        ["AWS_REGION"] = "us-east-1",
        ["AWS_ENDPOINT_URL"] = "http://127.0.0.1:9/",
    });

    [Fact]
    public async Task SendAsync_Throttled429TwiceThen200_SucceedsAfterThreeFreshlySignedAttempts()
    {
        var transport = new ScriptedTransport()
            .Then(HttpStatusCode.TooManyRequests, """{"Type":"User","message":"Rate exceeded"}""", ("X-Amzn-ErrorType", "TooManyRequestsException"), ("Retry-After", "1"))
            .Then(HttpStatusCode.TooManyRequests, """{"Type":"User","message":"Rate exceeded"}""", ("X-Amzn-ErrorType", "TooManyRequestsException"), ("Retry-After", "1"))
            .Then(HttpStatusCode.OK, """{"ok":true}""");
        var credentials = new RecordingCredentials();
        using var pipeline = AwsHttpPipeline.Create(LocalEnvironment, AwsService.Lambda, AwsErrorProtocol.RestJson, credentials, FastRetry, transport);
        var clock = Stopwatch.StartNew();

        var response = await pipeline.SendAsync(AwsActions.LambdaGetFunction, () => new HttpRequestMessage(HttpMethod.Get, "2015-03-31/functions/fn"), TestContext.Current.CancellationToken);

        Assert.Equal(200, response.StatusCode);
        Assert.Equal(3, transport.Requests.Count);
        Assert.Equal(3, credentials.Resolutions);
        // Retry-After: 1 was honoured (the computed backoff would be milliseconds) ...
        Assert.True(clock.Elapsed >= TimeSpan.FromSeconds(1.9), $"took {clock.Elapsed}");
        // ... so each attempt was signed at a different second, with a different signature.
        Assert.Equal(3, transport.Requests.Select(r => r.Header("X-Amz-Date")).Distinct().Count());
        Assert.Equal(3, transport.Requests.Select(r => r.Header("Authorization")).Distinct().Count());
    }

    [Fact]
    public async Task SendJsonAsync_Json11Call_PostsTheTargetAndReadsTheAnswer()
    {
        var transport = new ScriptedTransport().Then(HttpStatusCode.OK, """{"Parameter":{"Name":"p","Type":"String","Value":"v"}}""", ("x-amzn-RequestId", "req-1"));
        using var pipeline = AwsHttpPipeline.Create(LocalEnvironment, AwsService.Ssm, AwsErrorProtocol.RestJson, new RecordingCredentials(), FastRetry, transport);

        var (answer, status, requestId) = await pipeline.SendJsonAsync(
            AwsActions.SsmGetParameter, "AmazonSSM.GetParameter", new Ssm.GetParameterRequest("p", WithDecryption: true),
            Ssm.SsmJsonContext.Default.GetParameterRequest, Ssm.SsmJsonContext.Default.GetParameterResponse, TestContext.Current.CancellationToken);

        Assert.Equal(("v", 200, "req-1"), (answer.Parameter?.Value, status, requestId));
        var request = Assert.Single(transport.Requests);
        Assert.Equal(HttpMethod.Post, request.Method);
        Assert.Equal("/", request.Uri.AbsolutePath);
        Assert.Equal("AmazonSSM.GetParameter", request.Header("X-Amz-Target"));
        Assert.Equal("application/x-amz-json-1.1", request.Header("Content-Type"));
        Assert.Equal("""{"Name":"p","WithDecryption":true}""", request.Body);
        Assert.Contains("x-amz-target", request.Header("Authorization"), StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("""{"Parameter":{"Value":"s3cret-value""", "answered with something that is not its JSON")]
    [InlineData("null", "answered with an empty document")]
    public async Task SendJsonAsync_AnswerNotItsJson_MalformedResponseNamingTheOperationNeverTheBody(string body, string expected)
    {
        var transport = new ScriptedTransport().Then(HttpStatusCode.OK, body);
        using var pipeline = AwsHttpPipeline.Create(LocalEnvironment, AwsService.Ssm, AwsErrorProtocol.RestJson, new RecordingCredentials(), FastRetry, transport);

        var error = await Assert.ThrowsAsync<AwsServiceException>(() => pipeline.SendJsonAsync(
            AwsActions.SsmGetParameter, "AmazonSSM.GetParameter", new Ssm.GetParameterRequest("p", WithDecryption: true),
            Ssm.SsmJsonContext.Default.GetParameterRequest, Ssm.SsmJsonContext.Default.GetParameterResponse, TestContext.Current.CancellationToken));

        Assert.Equal("MalformedResponse", error.ErrorCode);
        Assert.Equal($"GetParameter {expected}", error.ServiceMessage);
        Assert.DoesNotContain("s3cret", error.ToString(), StringComparison.Ordinal);
        Assert.Single(transport.Requests);
    }

    [Theory]
    [InlineData(HttpStatusCode.InternalServerError, "ServiceException")]
    [InlineData(HttpStatusCode.BadRequest, "ThrottlingException")]
    [InlineData(HttpStatusCode.BadRequest, "RequestLimitExceeded")]
    public async Task SendAsync_TransientThenOk_Retries(HttpStatusCode status, string code)
    {
        var transport = new ScriptedTransport()
            .Then(status, $$"""{"__type":"{{code}}","message":"try later"}""")
            .Then(HttpStatusCode.OK, "{}");
        using var pipeline = AwsHttpPipeline.Create(LocalEnvironment, AwsService.Lambda, AwsErrorProtocol.RestJson, new RecordingCredentials(), FastRetry, transport);

        var response = await pipeline.SendAsync(AwsActions.LambdaGetFunction, () => new HttpRequestMessage(HttpMethod.Get, "x"), TestContext.Current.CancellationToken);

        Assert.Equal(200, response.StatusCode);
        Assert.Equal(2, transport.Requests.Count);
    }

    [Fact]
    public async Task SendAsync_SnsThrottlingInXml_Retries()
    {
        var transport = new ScriptedTransport()
            .Then(HttpStatusCode.BadRequest, "<ErrorResponse><Error><Type>Sender</Type><Code>Throttling</Code><Message>Rate exceeded</Message></Error></ErrorResponse>")
            .Then(HttpStatusCode.OK, "<PublishResponse/>");
        using var pipeline = AwsHttpPipeline.Create(LocalEnvironment, AwsService.Sns, AwsErrorProtocol.Query, new RecordingCredentials(), FastRetry, transport);

        await pipeline.SendAsync(AwsActions.SnsPublish, () => new HttpRequestMessage(HttpMethod.Post, (Uri?)null), TestContext.Current.CancellationToken);

        Assert.Equal(2, transport.Requests.Count);
    }

    [Fact]
    public async Task SendAsync_ValidationException400_FailsAfterOneAttempt()
    {
        var transport = new ScriptedTransport()
            .Then(HttpStatusCode.BadRequest, """{"message":"1 validation error detected"}""", ("X-Amzn-ErrorType", "ValidationException:http://internal/"));
        using var pipeline = AwsHttpPipeline.Create(LocalEnvironment, AwsService.Lambda, AwsErrorProtocol.RestJson, new RecordingCredentials(), FastRetry, transport);

        var error = await Assert.ThrowsAsync<AwsServiceException>(() =>
            pipeline.SendAsync(AwsActions.LambdaUpdateFunctionCode, () => new HttpRequestMessage(HttpMethod.Put, "x"), TestContext.Current.CancellationToken));

        Assert.Single(transport.Requests);
        Assert.Equal("ValidationException", error.ErrorCode);
        Assert.Equal(400, error.StatusCode);
        Assert.False(error.IsTransient);
        Assert.Equal(AwsActions.LambdaUpdateFunctionCode, error.Action);
        Assert.Equal("lambda:UpdateFunctionCode failed: ValidationException (HTTP 400): 1 validation error detected", error.Message);
    }

    [Fact]
    public async Task SendAsync_AlwaysThrottled_StopsAtMaxAttemptsAndReportsTransient()
    {
        var transport = new ScriptedTransport().Then(HttpStatusCode.TooManyRequests, """{"__type":"TooManyRequestsException","message":"Rate exceeded"}""");
        using var pipeline = AwsHttpPipeline.Create(LocalEnvironment, AwsService.Lambda, AwsErrorProtocol.RestJson, new RecordingCredentials(), FastRetry, transport);

        var error = await Assert.ThrowsAsync<AwsServiceException>(() =>
            pipeline.SendAsync(AwsActions.LambdaGetFunction, () => new HttpRequestMessage(HttpMethod.Get, "x"), TestContext.Current.CancellationToken));

        Assert.Equal(4, transport.Requests.Count);
        Assert.Equal("TooManyRequestsException", error.ErrorCode);
        Assert.True(error.IsTransient);
    }

    [Fact]
    public async Task SendAsync_AttemptsStall_TimesOutEachAttemptAndReportsRequestTimeout()
    {
        var transport = new ScriptedTransport { Stall = TimeSpan.FromSeconds(30) }.Then(HttpStatusCode.OK, "{}");
        var options = FastRetry with { MaxAttempts = 2, AttemptTimeout = TimeSpan.FromMilliseconds(200) };
        using var pipeline = AwsHttpPipeline.Create(LocalEnvironment, AwsService.Lambda, AwsErrorProtocol.RestJson, new RecordingCredentials(), options, transport);

        var error = await Assert.ThrowsAsync<AwsServiceException>(() =>
            pipeline.SendAsync(AwsActions.LambdaGetFunction, () => new HttpRequestMessage(HttpMethod.Get, "x"), TestContext.Current.CancellationToken));

        Assert.Equal(2, transport.Requests.Count);
        Assert.Equal(TransientErrors.RequestTimeout, error.ErrorCode);
        Assert.Equal(0, error.StatusCode);
        Assert.True(error.IsTransient);
    }

    [Fact]
    public async Task SendAsync_Signed_CarriesSigV4HeadersForServiceAndRegion()
    {
        var transport = new ScriptedTransport().Then(HttpStatusCode.OK, "{}");
        using var pipeline = AwsHttpPipeline.Create(LocalEnvironment, AwsService.Lambda, AwsErrorProtocol.RestJson, new RecordingCredentials(), FastRetry, transport);

        await pipeline.SendAsync(AwsActions.LambdaGetFunction, () => new HttpRequestMessage(HttpMethod.Get, "2015-03-31/functions/fn"), TestContext.Current.CancellationToken);

        var request = Assert.Single(transport.Requests);
        Assert.Equal(new Uri("http://127.0.0.1:9/2015-03-31/functions/fn"), request.Uri);
        Assert.Matches(
            @"^AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/\d{8}/us-east-1/lambda/aws4_request, SignedHeaders=[a-z0-9;-]*x-amz-security-token[a-z0-9;-]*, Signature=[0-9a-f]{64}$",
            request.Header("Authorization"));
        Assert.Equal("session-token-example", request.Header("X-Amz-Security-Token"));
    }

    [Fact]
    public async Task SendAsync_LongerAttemptTimeoutForOneCall_OutlastsTheDefault()
    {
        // An S3 upload may take longer than the default per-attempt cut-off; only that call gets more time.
        var transport = new ScriptedTransport { Stall = TimeSpan.FromMilliseconds(600) }.Then(HttpStatusCode.OK, "{}");
        var options = FastRetry with { MaxAttempts = 1, AttemptTimeout = TimeSpan.FromMilliseconds(200) };
        using var pipeline = AwsHttpPipeline.Create(LocalEnvironment, AwsService.S3, AwsErrorProtocol.RestXml, new RecordingCredentials(), options, transport);

        var patient = await pipeline.SendAsync(AwsActions.S3PutObject, () => new HttpRequestMessage(HttpMethod.Put, "b/k"), TestContext.Current.CancellationToken, TimeSpan.FromSeconds(10));
        var error = await Assert.ThrowsAsync<AwsServiceException>(() =>
            pipeline.SendAsync(AwsActions.S3GetObject, () => new HttpRequestMessage(HttpMethod.Get, "b/k"), TestContext.Current.CancellationToken));

        Assert.Equal(200, patient.StatusCode);
        Assert.Equal(TransientErrors.RequestTimeout, error.ErrorCode);
    }

    [Fact]
    public async Task SendAsync_AnswerLargerThanTheBound_FailsOnceWithAClearError()
    {
        // E.g. a server that ignored Range and sent a whole package: not read into memory, not retried.
        var transport = new ScriptedTransport().Then(HttpStatusCode.OK, new string('x', AwsHttpPipeline.MaxBodyBytes + 1));
        using var pipeline = AwsHttpPipeline.Create(LocalEnvironment, AwsService.S3, AwsErrorProtocol.RestXml, new RecordingCredentials(), FastRetry, transport);

        var error = await Assert.ThrowsAsync<AwsServiceException>(() =>
            pipeline.SendAsync(AwsActions.S3GetObject, () => new HttpRequestMessage(HttpMethod.Get, "b/k"), TestContext.Current.CancellationToken));

        Assert.Equal("ResponseTooLarge", error.ErrorCode);
        Assert.False(error.IsTransient);
        Assert.Single(transport.Requests);
    }

    [Fact]
    public async Task SendAsync_HeadOfAnObjectLargerThanTheBound_Succeeds()
    {
        // S3's HEAD of a stored 212 MB package says Content-Length: 212000000 and sends no body.
        var transport = new ScriptedTransport().ThenHeaders(HttpStatusCode.OK, contentLength: 212_000_000);
        using var pipeline = AwsHttpPipeline.Create(LocalEnvironment, AwsService.S3, AwsErrorProtocol.RestXml, new RecordingCredentials(), FastRetry, transport);

        var answer = await pipeline.SendAsync(AwsActions.S3GetObject, () => new HttpRequestMessage(HttpMethod.Head, "b/k"), TestContext.Current.CancellationToken);

        Assert.Equal(200, answer.StatusCode);
        Assert.Empty(answer.Body);
        Assert.Equal("212000000", answer.Header("Content-Length"));
    }

    [Fact]
    public async Task SendAsync_GetAnnouncingMoreThanTheBound_StillFails()
    {
        var transport = new ScriptedTransport().ThenHeaders(HttpStatusCode.OK, contentLength: AwsHttpPipeline.MaxBodyBytes + 1L);
        using var pipeline = AwsHttpPipeline.Create(LocalEnvironment, AwsService.S3, AwsErrorProtocol.RestXml, new RecordingCredentials(), FastRetry, transport);

        var error = await Assert.ThrowsAsync<AwsServiceException>(() =>
            pipeline.SendAsync(AwsActions.S3GetObject, () => new HttpRequestMessage(HttpMethod.Get, "b/k"), TestContext.Current.CancellationToken));

        Assert.Equal("ResponseTooLarge", error.ErrorCode);
    }

    public static TheoryData<AwsRetryOptions> OptionsPollyRefuses => new()
    {
        FastRetry with { MaxAttempts = 0 },
        FastRetry with { BaseDelay = TimeSpan.FromMilliseconds(-1) },
        FastRetry with { MaxDelay = TimeSpan.FromDays(2) },
        FastRetry with { AttemptTimeout = TimeSpan.FromMilliseconds(5) },
        FastRetry with { AttemptTimeout = TimeSpan.FromDays(2) },
    };

    [Theory]
    [MemberData(nameof(OptionsPollyRefuses))]
    public void Create_OptionsOutsidePollysBounds_AreRefusedByGuardItself(AwsRetryOptions options)
    {
        // The AOT Lambda is built without Polly's own validation (Polly.Substitutions.xml), so Guard checks first.
        Assert.Throws<ArgumentOutOfRangeException>(() =>
            AwsHttpPipeline.Create(LocalEnvironment, AwsService.Lambda, AwsErrorProtocol.RestJson, new RecordingCredentials(), options, new ScriptedTransport()));
    }
}
