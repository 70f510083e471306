using System.Text.Json;
using Amazon.Runtime;
using Amazon.S3;
using Amazon.SQS;
using Amazon.SQS.Model;
using Guard.Aws;
using Guard.Aws.Http;
using Guard.Aws.Lambda;
using Guard.Testing;

namespace Guard.Function.Tests.Support;

/// <summary>
/// Real resources in a running moto_server for one test: a store bucket, an SNS topic with an SQS queue
/// subscribed, and functions created through Lambda's CreateFunction. Arranged through Guard's own signed
/// pipeline (CreateFunction, CreateTopic, Subscribe are calls Guard never makes) and the SDK's S3/SQS clients.
/// </summary>
public sealed class MotoWorld : IDisposable
{
    public const string Region = MotoServer.Region;

    /// <summary>The host moto writes into Code.Location; nothing answers there.</summary>
    public const string MotoCodeHost = "https://awslambda-us-east-1-tasks.s3.us-east-1.amazonaws.com/";

    private static readonly AwsService Iam = new("iam", "IAM", "iam");

    private readonly AwsHttpPipeline _iam;
    private readonly AwsHttpPipeline _lambda;
    private readonly AwsHttpPipeline _sns;

    private MotoWorld(MotoServer moto, string name)
    {
        Moto = moto;
        Name = name;
        Environment = AwsEnvironment.From(moto.EnvironmentVariables);
        _iam = AwsHttpPipeline.Create(Environment, Iam, AwsErrorProtocol.Query, Credentials);
        _lambda = AwsHttpPipeline.Create(Environment, AwsService.Lambda, AwsErrorProtocol.RestJson, Credentials);
        _sns = AwsHttpPipeline.Create(Environment, AwsService.Sns, AwsErrorProtocol.Query, Credentials);
        S3 = PackageSourceFactory.CreateS3Client(Environment, Credentials);
        Sqs = new AmazonSQSClient(Credentials, new AmazonSQSConfig { ServiceURL = moto.Endpoint.AbsoluteUri, AuthenticationRegion = Region });
        LambdaClient = Guard.Aws.Lambda.LambdaClient.Create(Environment, Credentials);
    }

    public static AWSCredentials Credentials { get; } = new BasicAWSCredentials(MotoServer.AccessKeyId, MotoServer.SecretAccessKey);

    public MotoServer Moto { get; }

    /// <summary>Prefix of every resource this world made, so tests sharing one moto_server do not collide.</summary>
    public string Name { get; }

    public AwsEnvironment Environment { get; }

    public IAmazonS3 S3 { get; }

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
        var topic = await QueryAsync(world._sns, "sns:CreateTopic", cancellationToken, ("Action", "CreateTopic"), ("Version", "2010-03-31"), ("Name", $"{name}-alerts"));
        world.TopicArn = AwsXml.DescendantValue(AwsXml.TryLoad(topic.Body), "TopicArn")!;
        world.QueueUrl = (await world.Sqs.CreateQueueAsync($"{name}-inbox", cancellationToken)).QueueUrl;
        var queueArn = (await world.Sqs.GetQueueAttributesAsync(world.QueueUrl, ["QueueArn"], cancellationToken)).QueueARN;
        await QueryAsync(world._sns, "sns:Subscribe", cancellationToken,
            ("Action", "Subscribe"), ("Version", "2010-03-31"), ("TopicArn", world.TopicArn), ("Protocol", "sqs"), ("Endpoint", queueArn));
        var role = await QueryAsync(world._iam, "iam:CreateRole", cancellationToken,
            ("Action", "CreateRole"), ("Version", "2010-05-08"), ("RoleName", $"{name}-role"),
            ("AssumeRolePolicyDocument", """{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"Service":"lambda.amazonaws.com"},"Action":"sts:AssumeRole"}]}"""));
        world.RoleArn = AwsXml.DescendantValue(AwsXml.TryLoad(role.Body), "Arn")!;
        return world;
    }

    /// <summary>CreateFunction with <paramref name="zip"/> as ZipFile; returns the function's ARN.</summary>
    public async Task<string> CreateFunctionAsync(string functionName, byte[] zip, string runtime, string architecture, CancellationToken cancellationToken)
    {
        using var buffer = new MemoryStream();
        using (var writer = new Utf8JsonWriter(buffer))
        {
            writer.WriteStartObject();
            writer.WriteString("FunctionName", functionName);
            writer.WriteString("Runtime", runtime);
            writer.WriteString("Role", RoleArn);
            writer.WriteString("Handler", "bootstrap");
            writer.WriteStartObject("Code");
            writer.WriteBase64String("ZipFile", zip);
            writer.WriteEndObject();
            writer.WriteStartArray("Architectures");
            writer.WriteStringValue(architecture);
            writer.WriteEndArray();
            writer.WriteEndObject();
        }

        var body = buffer.ToArray();
        var response = await _lambda.SendAsync(
            "lambda:CreateFunction",
            () => new HttpRequestMessage(HttpMethod.Post, new Uri("2015-03-31/functions", UriKind.Relative))
            {
                Content = new ByteArrayContent(body) { Headers = { ContentType = new("application/json") } },
            },
            cancellationToken);
        using var document = JsonDocument.Parse(response.Body);
        return document.RootElement.GetProperty("FunctionArn").GetString()!;
    }

    /// <summary>UpdateFunctionCode with <paramref name="zip"/> as ZipFile (a deploy by someone other than Guard).</summary>
    public async Task UpdateFunctionCodeZipAsync(string functionName, byte[] zip, CancellationToken cancellationToken)
    {
        using var buffer = new MemoryStream();
        using (var writer = new Utf8JsonWriter(buffer))
        {
            writer.WriteStartObject();
            writer.WriteBase64String("ZipFile", zip);
            writer.WriteEndObject();
        }

        var body = buffer.ToArray();
        await _lambda.SendAsync(
            "lambda:UpdateFunctionCode",
            () => new HttpRequestMessage(HttpMethod.Put, new Uri($"2015-03-31/functions/{Uri.EscapeDataString(functionName)}/code", UriKind.Relative))
            {
                Content = new ByteArrayContent(body) { Headers = { ContentType = new("application/json") } },
            },
            cancellationToken);
    }

    /// <summary>GetFunctionConcurrency (GetFunction's <c>Concurrency</c> is left out by moto when the value is 0); null when unset.</summary>
    public async Task<int?> ReservedConcurrencyAsync(string functionName, CancellationToken cancellationToken)
    {
        var response = await _lambda.SendAsync(
            "lambda:GetFunctionConcurrency",
            () => new HttpRequestMessage(HttpMethod.Get, new Uri($"2019-09-30/functions/{Uri.EscapeDataString(functionName)}/concurrency", UriKind.Relative)),
            cancellationToken);
        using var document = JsonDocument.Parse(response.Body);
        return document.RootElement.TryGetProperty("ReservedConcurrentExecutions", out var reserved) && reserved.ValueKind == JsonValueKind.Number
            ? reserved.GetInt32()
            : null;
    }

    /// <summary>
    /// moto's Code.Location is not fetchable (aws-facts, "Known moto gaps"): serve the same zip bytes from
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
        _iam.Dispose();
        _lambda.Dispose();
        _sns.Dispose();
        S3.Dispose();
        Sqs.Dispose();
        LambdaClient.Dispose();
    }

    private static Task<AwsHttpResponse> QueryAsync(AwsHttpPipeline pipeline, string action, CancellationToken cancellationToken, params (string Name, string Value)[] form) =>
        pipeline.SendAsync(
            action,
            () => new HttpRequestMessage(HttpMethod.Post, (Uri?)null) { Content = new FormUrlEncodedContent(form.Select(p => KeyValuePair.Create(p.Name, p.Value))) },
            cancellationToken);
}
