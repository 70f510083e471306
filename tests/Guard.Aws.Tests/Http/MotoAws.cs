using System.IO.Compression;
using System.Security.Cryptography;
using System.Text.Json;
using Amazon.Runtime;
using Guard.Aws.Http;

namespace Guard.Aws.Tests.Http;

/// <summary>
/// Arranges resources in a running moto_server through Guard's own signed pipeline (IAM and SNS speak
/// Query, Lambda REST-JSON): the operations Guard itself never performs, such as CreateFunction.
/// moto_server routes each request by the service named in its SigV4 credential scope.
/// </summary>
internal sealed class MotoAws : IDisposable
{
    public const string Region = "us-east-1";

    private static readonly AwsService Iam = new("iam", "IAM", "iam");

    private readonly AwsHttpPipeline _iam;
    private readonly AwsHttpPipeline _lambda;
    private readonly AwsHttpPipeline _sns;

    public MotoAws(Uri endpoint)
    {
        Endpoint = endpoint;
        Environment = AwsEnvironment.From(new Dictionary<string, string?> { ["AWS_REGION"] = Region, ["AWS_ENDPOINT_URL"] = endpoint.AbsoluteUri });
        _iam = AwsHttpPipeline.Create(Environment, Iam, AwsErrorProtocol.Query, Credentials);
        _lambda = AwsHttpPipeline.Create(Environment, AwsService.Lambda, AwsErrorProtocol.RestJson, Credentials);
        _sns = AwsHttpPipeline.Create(Environment, AwsService.Sns, AwsErrorProtocol.Query, Credentials);
    }

    public static AWSCredentials Credentials { get; } = new BasicAWSCredentials("testing", "testing");

    public Uri Endpoint { get; }

    public AwsEnvironment Environment { get; }

    /// <summary>A zip holding an executable <c>bootstrap</c> script; <paramref name="marker"/> makes its bytes unique.</summary>
    public static byte[] BootstrapZip(string marker = "hello")
    {
        using var buffer = new MemoryStream();
        using (var archive = new ZipArchive(buffer, ZipArchiveMode.Create, leaveOpen: true))
        {
            var entry = archive.CreateEntry("bootstrap");
            entry.ExternalAttributes = Convert.ToInt32("100755", 8) << 16;
            using var writer = new StreamWriter(entry.Open());
            writer.Write($"#!/bin/sh\necho {marker}\n");
        }

        return buffer.ToArray();
    }

    public static string CodeSha256(byte[] zip) => Convert.ToBase64String(SHA256.HashData(zip));

    public async Task<string> CreateRoleAsync(string name, CancellationToken cancellationToken)
    {
        var response = await QueryAsync(_iam, "iam:CreateRole", cancellationToken,
            ("Action", "CreateRole"), ("Version", "2010-05-08"), ("RoleName", name),
            ("AssumeRolePolicyDocument", """{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"Service":"lambda.amazonaws.com"},"Action":"sts:AssumeRole"}]}"""));
        return AwsXml.DescendantValue(AwsXml.TryLoad(response.Body), "Arn") ?? throw new InvalidOperationException("CreateRole returned no Arn");
    }

    public async Task<string> PublishLayerVersionAsync(string layerName, byte[] zip, CancellationToken cancellationToken)
    {
        var body = Json(w =>
        {
            w.WriteStartObject("Content");
            w.WriteBase64String("ZipFile", zip);
            w.WriteEndObject();
            w.WriteStartArray("CompatibleRuntimes");
            w.WriteStringValue("provided.al2023");
            w.WriteEndArray();
        });
        var response = await _lambda.SendAsync("lambda:PublishLayerVersion", () => JsonRequest(HttpMethod.Post, $"2018-10-31/layers/{layerName}/versions", body), cancellationToken);
        using var document = JsonDocument.Parse(response.Body);
        return document.RootElement.GetProperty("LayerVersionArn").GetString()!;
    }

    public async Task<string> CreateFunctionAsync(
        string name, string roleArn, byte[] zip, string runtime, string architecture, IReadOnlyList<string> layers, IReadOnlyDictionary<string, string> tags, CancellationToken cancellationToken)
    {
        var body = Json(w =>
        {
            w.WriteString("FunctionName", name);
            w.WriteString("Runtime", runtime);
            w.WriteString("Role", roleArn);
            w.WriteString("Handler", "bootstrap");
            w.WriteStartObject("Code");
            w.WriteBase64String("ZipFile", zip);
            w.WriteEndObject();
            w.WriteStartArray("Architectures");
            w.WriteStringValue(architecture);
            w.WriteEndArray();
            w.WriteStartArray("Layers");
            foreach (var layer in layers)
            {
                w.WriteStringValue(layer);
            }

            w.WriteEndArray();
            w.WriteStartObject("Tags");
            foreach (var (key, value) in tags)
            {
                w.WriteString(key, value);
            }

            w.WriteEndObject();
        });
        var response = await _lambda.SendAsync("lambda:CreateFunction", () => JsonRequest(HttpMethod.Post, "2015-03-31/functions", body), cancellationToken);
        using var document = JsonDocument.Parse(response.Body);
        return document.RootElement.GetProperty("FunctionArn").GetString()!;
    }

    public async Task<string> CreateTopicAsync(string name, CancellationToken cancellationToken)
    {
        var response = await QueryAsync(_sns, "sns:CreateTopic", cancellationToken, ("Action", "CreateTopic"), ("Version", "2010-03-31"), ("Name", name));
        return AwsXml.DescendantValue(AwsXml.TryLoad(response.Body), "TopicArn") ?? throw new InvalidOperationException("CreateTopic returned no TopicArn");
    }

    public Task SubscribeAsync(string topicArn, string protocol, string endpoint, CancellationToken cancellationToken) =>
        QueryAsync(_sns, "sns:Subscribe", cancellationToken,
            ("Action", "Subscribe"), ("Version", "2010-03-31"), ("TopicArn", topicArn), ("Protocol", protocol), ("Endpoint", endpoint));

    public void Dispose()
    {
        _iam.Dispose();
        _lambda.Dispose();
        _sns.Dispose();
    }

    private static Task<AwsHttpResponse> QueryAsync(AwsHttpPipeline pipeline, string action, CancellationToken cancellationToken, params (string Name, string Value)[] form) =>
        pipeline.SendAsync(
            action,
            () => new HttpRequestMessage(HttpMethod.Post, (Uri?)null) { Content = new FormUrlEncodedContent(form.Select(p => KeyValuePair.Create(p.Name, p.Value))) },
            cancellationToken);

    private static HttpRequestMessage JsonRequest(HttpMethod method, string path, byte[] body) =>
        new(method, new Uri(path, UriKind.Relative)) { Content = new ByteArrayContent(body) { Headers = { ContentType = new("application/json") } } };

    private static byte[] Json(Action<Utf8JsonWriter> writeProperties)
    {
        using var buffer = new MemoryStream();
        using (var writer = new Utf8JsonWriter(buffer))
        {
            writer.WriteStartObject();
            writeProperties(writer);
            writer.WriteEndObject();
        }

        return buffer.ToArray();
    }
}
