using System.Text.Json;
using Amazon.S3;
using Amazon.SQS;
using Amazon.SQS.Model;
using Guard.Aws;
using Guard.Aws.Http;
using Guard.Aws.Lambda;
using Guard.Aws.S3;
using Guard.Testing;

namespace Guard.Function.Tests.Support;

/// <summary>
/// Real resources in a running moto_server for one test: a store bucket, an SNS topic with an SQS queue
/// subscribed, and functions created through Lambda's CreateFunction. Arranged through Guard's own signed
/// pipeline (<see cref="MotoAccount"/>: CreateFunction, CreateTopic, Subscribe are calls Guard never makes) and the SDK's S3/SQS clients.
/// Guard's stores get <see cref="GuardS3"/>; <see cref="S3"/> (AWSSDK.S3) puts objects in and reads back what
/// Guard wrote, so an assertion never goes through the client under test.
/// </summary>
public sealed class MotoWorld : IDisposable
{
    public const string Region = MotoServer.Region;

    /// <summary>The host moto writes into Code.Location; nothing answers there.</summary>
    public const string MotoCodeHost = "https://awslambda-us-east-1-tasks.s3.us-east-1.amazonaws.com/";

    private readonly MotoAccount _account;

    private MotoWorld(MotoServer moto, string name)
    {
        Moto = moto;
        Name = name;
        Environment = AwsEnvironment.From(moto.EnvironmentVariables);
        _account = new MotoAccount(Environment, Credentials);
        S3 = moto.S3Witness(Credentials);
        GuardS3 = PackageSourceFactory.CreateS3Client(Environment, Credentials);
        Sqs = new AmazonSQSClient(MotoServer.ForSdk(Credentials), new AmazonSQSConfig { ServiceURL = moto.Endpoint.AbsoluteUri, AuthenticationRegion = Region });
        LambdaClient = Guard.Aws.Lambda.LambdaClient.Create(Environment, Credentials);
    }

    public static AwsCredentials Credentials => MotoServer.Credentials;

    public MotoServer Moto { get; }

    /// <summary>Prefix of every resource this world made, so tests sharing one moto_server do not collide.</summary>
    public string Name { get; }

    public AwsEnvironment Environment { get; }

    /// <summary>AWSSDK.S3, for arranging and asserting only.</summary>
    public IAmazonS3 S3 { get; }

    /// <summary>Guard's own client, as the Lambda builds it (<see cref="PackageSourceFactory.CreateS3Client"/>), for the code under test.</summary>
    public S3Client GuardS3 { get; }

    public IAmazonSQS Sqs { get; }

    public LambdaClient LambdaClient { get; }

    public string Bucket => $"{Name}-store";

    public string TopicArn { get; private set; } = "";

    public string QueueUrl { get; private set; } = "";

    public string RoleArn { get; private set; } = "";

    public static async Task<MotoWorld> CreateAsync(MotoServer moto, string name, CancellationToken cancellationToken)
    {
        var world = new MotoWorld(moto, name);
        await world.S3.PutBucketAsync(world.Bucket, cancellationToken);
        world.TopicArn = await world._account.CreateTopicAsync($"{name}-alerts", cancellationToken);
        world.QueueUrl = (await world.Sqs.CreateQueueAsync($"{name}-inbox", cancellationToken)).QueueUrl;
        var queueArn = (await world.Sqs.GetQueueAttributesAsync(world.QueueUrl, ["QueueArn"], cancellationToken)).QueueARN;
        await world._account.SubscribeAsync(world.TopicArn, "sqs", queueArn, cancellationToken);
        world.RoleArn = await world._account.CreateRoleAsync($"{name}-role", cancellationToken);
        return world;
    }

    /// <summary>
    /// Layer ARN → where its zip is served: moto implements PublishLayerVersion but not GetLayerVersionByArn (a known
    /// moto gap), which <see cref="RevisionEnforcingLambda"/> answers from here.
    /// </summary>
    public Dictionary<string, string> LayerLocations { get; } = new(StringComparer.Ordinal);

    /// <summary>PublishLayerVersion in moto (a real layer ARN for CreateFunction), its zip served by <paramref name="server"/>.</summary>
    public async Task<string> PublishLayerAsync(LocalHttpServer server, string layerName, byte[] zip, CancellationToken cancellationToken)
    {
        var arn = await _account.PublishLayerVersionAsync($"{Name}-{layerName}", zip, cancellationToken: cancellationToken);
        LayerLocations[arn] = server.Serve($"/layers/{Name}-{layerName}.zip", zip).AbsoluteUri;
        return arn;
    }

    /// <summary>CreateFunction with <paramref name="zip"/> as ZipFile and these layers; returns the function's ARN.</summary>
    public Task<string> CreateFunctionAsync(
        string functionName, byte[] zip, string runtime, string architecture, IReadOnlyList<string> layers, string handler, CancellationToken cancellationToken) =>
        _account.CreateFunctionAsync(functionName, RoleArn, zip, runtime, architecture, layers, handler: handler, cancellationToken: cancellationToken);

    /// <summary>CreateFunction with <paramref name="zip"/> as ZipFile; returns the function's ARN.</summary>
    public Task<string> CreateFunctionAsync(string functionName, byte[] zip, string runtime, string architecture, CancellationToken cancellationToken) =>
        _account.CreateFunctionAsync(functionName, RoleArn, zip, runtime, architecture, cancellationToken: cancellationToken);

    /// <summary>
    /// CreateFunction from an object in moto's S3 (put there first): a package too large to send as ZipFile within a
    /// request's timeout. Returns the function's ARN.
    /// </summary>
    public async Task<string> CreateFunctionFromS3Async(string functionName, byte[] zip, string runtime, string architecture, CancellationToken cancellationToken)
    {
        var source = $"{Name}-artifacts";
        await S3.PutBucketAsync(source, cancellationToken);
        await S3.PutObjectAsync(new Amazon.S3.Model.PutObjectRequest { BucketName = source, Key = $"{functionName}.zip", InputStream = new MemoryStream(zip) }, cancellationToken);
        var response = await _account.LambdaAsync(
            "lambda:CreateFunction", HttpMethod.Post, "2015-03-31/functions",
            MotoAccount.Json(w =>
            {
                w.WriteString("FunctionName", functionName);
                w.WriteString("Runtime", runtime);
                w.WriteString("Role", RoleArn);
                w.WriteString("Handler", "bootstrap");
                w.WriteStartObject("Code");
                w.WriteString("S3Bucket", source);
                w.WriteString("S3Key", $"{functionName}.zip");
                w.WriteEndObject();
                w.WriteStartArray("Architectures");
                w.WriteStringValue(architecture);
                w.WriteEndArray();
            }),
            cancellationToken);
        using var document = JsonDocument.Parse(response.Body);
        return document.RootElement.GetProperty("FunctionArn").GetString()!;
    }

    /// <summary>UpdateFunctionCode with <paramref name="zip"/> as ZipFile (a deploy by someone other than Guard).</summary>
    public Task UpdateFunctionCodeZipAsync(string functionName, byte[] zip, CancellationToken cancellationToken) =>
        _account.LambdaAsync(
            "lambda:UpdateFunctionCode", HttpMethod.Put, $"2015-03-31/functions/{Uri.EscapeDataString(functionName)}/code",
            MotoAccount.Json(w => w.WriteBase64String("ZipFile", zip)), cancellationToken);

    /// <summary>GetFunctionConcurrency (GetFunction's <c>Concurrency</c> is left out by moto when the value is 0); null when unset.</summary>
    public async Task<int?> ReservedConcurrencyAsync(string functionName, CancellationToken cancellationToken)
    {
        var response = await _account.LambdaAsync(
            "lambda:GetFunctionConcurrency", HttpMethod.Get, $"2019-09-30/functions/{Uri.EscapeDataString(functionName)}/concurrency", null, cancellationToken);
        using var document = JsonDocument.Parse(response.Body);
        return document.RootElement.TryGetProperty("ReservedConcurrentExecutions", out var reserved) && reserved.ValueKind == JsonValueKind.Number
            ? reserved.GetInt32()
            : null;
    }

    /// <summary>
    /// moto's Code.Location is not fetchable (a known moto gap, docs/design.md): serve the same zip bytes from
    /// <paramref name="server"/> at the location's path, so a rewrite of the host reaches them.
    /// </summary>
    public async Task ServeCodeAsync(LocalHttpServer server, string functionName, byte[] zip, CancellationToken cancellationToken)
    {
        var details = await LambdaClient.GetFunctionAsync(functionName, cancellationToken);
        var location = new Uri(details.CodeLocation!);
        Assert.StartsWith(MotoCodeHost, location.AbsoluteUri, StringComparison.Ordinal);
        server.Serve(location.AbsolutePath, zip);
    }

    /// <summary>Waits for SNS deliveries in the queue and returns each SNS envelope's <c>Message</c> and <c>Subject</c>.</summary>
    public async Task<IReadOnlyList<(string Subject, string Message)>> ReceiveAlertsAsync(int atLeast, TimeSpan timeout, CancellationToken cancellationToken)
    {
        var found = new List<(string, string)>();
        var deadline = DateTimeOffset.UtcNow + timeout;
        while (found.Count < atLeast && DateTimeOffset.UtcNow < deadline)
        {
            var received = await Sqs.ReceiveMessageAsync(new ReceiveMessageRequest { QueueUrl = QueueUrl, WaitTimeSeconds = 1, MaxNumberOfMessages = 10 }, cancellationToken);
            foreach (var message in received.Messages ?? [])
            {
                using var envelope = JsonDocument.Parse(message.Body);
                var root = envelope.RootElement;
                found.Add((root.TryGetProperty("Subject", out var subject) ? subject.GetString() ?? "" : "", root.GetProperty("Message").GetString()!));
                await Sqs.DeleteMessageAsync(QueueUrl, message.ReceiptHandle, cancellationToken);
            }
        }

        return found;
    }

    public void Dispose()
    {
        _account.Dispose();
        S3.Dispose();
        GuardS3.Dispose();
        Sqs.Dispose();
        LambdaClient.Dispose();
    }
}
