using System.Text.Json;
using Guard.Aws.Http;

namespace Guard.Testing;

/// <summary>
/// Arranges resources in a running moto_server through Guard's own signed pipeline (IAM and SNS speak
/// Query, Lambda REST-JSON): the operations Guard itself never performs, such as CreateRole, CreateFunction,
/// PublishLayerVersion, DeleteFunction, CreateTopic and Subscribe. moto_server routes each request by the
/// service named in its SigV4 credential scope; every call goes to <see cref="Environment"/>'s region.
/// </summary>
/// <example>
/// <code>
/// using var account = new MotoAccount(AwsEnvironment.From(moto.EnvironmentVariables));
/// var role = await account.CreateRoleAsync("my-role", cancellationToken);
/// await account.CreateFunctionAsync("my-fn", role, zip, "provided.al2023", "arm64", cancellationToken: cancellationToken);
/// </code>
/// </example>
public sealed class MotoAccount : IDisposable
{
    /// <summary>The trust policy of every role this class creates: Lambda may assume it.</summary>
    public const string LambdaTrustPolicy =
        """{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"Service":"lambda.amazonaws.com"},"Action":"sts:AssumeRole"}]}""";

    private static readonly AwsService Iam = new("iam", "IAM", "iam");

    private readonly AwsHttpPipeline _iam;
    private readonly AwsHttpPipeline _lambda;
    private readonly AwsHttpPipeline _sns;
    private readonly AwsHttpPipeline _ecr;

    /// <param name="environment">Points at moto (<c>AWS_ENDPOINT_URL</c>) and names the region.</param>
    /// <param name="credentials">Any credentials moto accepts; by default <see cref="MotoServer.AccessKeyId"/>'s.</param>
    public MotoAccount(AwsEnvironment environment, IAwsCredentialsProvider? credentials = null)
    {
        Environment = environment;
        Credentials = credentials ?? MotoServer.Credentials;
        _iam = AwsHttpPipeline.Create(environment, Iam, AwsErrorProtocol.Query, Credentials);
        _lambda = AwsHttpPipeline.Create(environment, AwsService.Lambda, AwsErrorProtocol.RestJson, Credentials);
        _sns = AwsHttpPipeline.Create(environment, AwsService.Sns, AwsErrorProtocol.Query, Credentials);
        _ecr = AwsHttpPipeline.Create(environment, AwsService.Ecr, AwsErrorProtocol.RestJson, Credentials);
    }

    public AwsEnvironment Environment { get; }

    public IAwsCredentialsProvider Credentials { get; }

    /// <summary>IAM CreateRole with <see cref="LambdaTrustPolicy"/>; returns the role's ARN.</summary>
    public async Task<string> CreateRoleAsync(string name, CancellationToken cancellationToken)
    {
        var response = await QueryAsync(_iam, "iam:CreateRole", cancellationToken,
            ("Action", "CreateRole"), ("Version", "2010-05-08"), ("RoleName", name), ("AssumeRolePolicyDocument", LambdaTrustPolicy));
        return AwsXml.TryParse(response.Body)?.Find("Arn")?.Text ?? throw new InvalidOperationException("CreateRole returned no Arn");
    }

    /// <summary>
    /// Lambda PublishLayerVersion with <paramref name="zip"/> as Content.ZipFile (and CompatibleRuntimes when
    /// given); returns the LayerVersionArn.
    /// </summary>
    public async Task<string> PublishLayerVersionAsync(
        string layerName, byte[] zip, IReadOnlyList<string>? compatibleRuntimes = null, CancellationToken cancellationToken = default)
    {
        var body = Json(w =>
        {
            w.WriteStartObject("Content");
            w.WriteBase64String("ZipFile", zip);
            w.WriteEndObject();
            WriteArray(w, "CompatibleRuntimes", compatibleRuntimes);
        });
        var response = await LambdaAsync("lambda:PublishLayerVersion", HttpMethod.Post, $"2018-10-31/layers/{layerName}/versions", body, cancellationToken);
        using var document = JsonDocument.Parse(response.Body);
        return document.RootElement.GetProperty("LayerVersionArn").GetString()!;
    }

    /// <summary>
    /// Lambda CreateFunction of a Zip package with <paramref name="zip"/> as Code.ZipFile; returns the FunctionArn.
    /// Layers and Tags are sent only when given (an empty list is sent as an empty list).
    /// </summary>
    public Task<string> CreateFunctionAsync(
        string name, string roleArn, byte[] zip, string runtime, string architecture = "x86_64", IReadOnlyList<string>? layers = null,
        IReadOnlyDictionary<string, string>? tags = null, string handler = "bootstrap", CancellationToken cancellationToken = default) =>
        CreateFunctionAsync(w =>
        {
            w.WriteString("FunctionName", name);
            w.WriteString("Runtime", runtime);
            w.WriteString("Role", roleArn);
            w.WriteString("Handler", handler);
            w.WriteStartObject("Code");
            w.WriteBase64String("ZipFile", zip);
            w.WriteEndObject();
            WriteArray(w, "Architectures", [architecture]);
            WriteArray(w, "Layers", layers);
            if (tags is not null)
            {
                w.WriteStartObject("Tags");
                foreach (var (key, value) in tags)
                {
                    w.WriteString(key, value);
                }

                w.WriteEndObject();
            }
        }, cancellationToken);

    /// <summary>Lambda CreateFunction of an Image package (Code.ImageUri), with ImageConfig.Command when given; returns the FunctionArn.</summary>
    public Task<string> CreateImageFunctionAsync(
        string name, string roleArn, string imageUri, CancellationToken cancellationToken, string? architecture = null, IReadOnlyList<string>? command = null) =>
        CreateFunctionAsync(w =>
        {
            w.WriteString("FunctionName", name);
            w.WriteString("Role", roleArn);
            w.WriteString("PackageType", "Image");
            w.WriteStartObject("Code");
            w.WriteString("ImageUri", imageUri);
            w.WriteEndObject();
            WriteArray(w, "Architectures", architecture is null ? null : [architecture]);
            if (command is not null)
            {
                w.WriteStartObject("ImageConfig");
                WriteArray(w, "Command", command);
                w.WriteEndObject();
            }
        }, cancellationToken);

    public async Task DeleteFunctionAsync(string name, CancellationToken cancellationToken) =>
        await LambdaAsync("lambda:DeleteFunction", HttpMethod.Delete, $"2015-03-31/functions/{name}", null, cancellationToken);

    /// <summary>
    /// Any other Lambda REST-JSON call: <paramref name="path"/> is relative to the endpoint, <paramref name="jsonBody"/>
    /// (from <see cref="Json"/>) is sent as <c>application/json</c> when not null.
    /// </summary>
    public Task<AwsHttpResponse> LambdaAsync(string action, HttpMethod method, string path, byte[]? jsonBody, CancellationToken cancellationToken) =>
        _lambda.SendAsync(
            action,
            () => new HttpRequestMessage(method, new Uri(path, UriKind.Relative))
            {
                Content = jsonBody is null ? null : new ByteArrayContent(jsonBody) { Headers = { ContentType = new("application/json") } },
            },
            cancellationToken);

    /// <summary>SNS CreateTopic; returns the TopicArn.</summary>
    public async Task<string> CreateTopicAsync(string name, CancellationToken cancellationToken)
    {
        var response = await QueryAsync(_sns, "sns:CreateTopic", cancellationToken, ("Action", "CreateTopic"), ("Version", "2010-03-31"), ("Name", name));
        return AwsXml.TryParse(response.Body)?.Find("TopicArn")?.Text ?? throw new InvalidOperationException("CreateTopic returned no TopicArn");
    }

    public Task SubscribeAsync(string topicArn, string protocol, string endpoint, CancellationToken cancellationToken) =>
        QueryAsync(_sns, "sns:Subscribe", cancellationToken,
            ("Action", "Subscribe"), ("Version", "2010-03-31"), ("TopicArn", topicArn), ("Protocol", protocol), ("Endpoint", endpoint));

    /// <summary>ECR CreateRepository (JSON 1.1, like every ECR call).</summary>
    public Task CreateRepositoryAsync(string name, CancellationToken cancellationToken) =>
        EcrAsync("CreateRepository", Json(w => w.WriteString("repositoryName", name)), cancellationToken);

    /// <summary>ECR PutImage: <paramref name="manifest"/> under <paramref name="tag"/>, stored by <paramref name="digest"/> (moto would otherwise make up its own).</summary>
    public Task PutImageAsync(string repository, byte[] manifest, string mediaType, string tag, string digest, CancellationToken cancellationToken) =>
        EcrAsync("PutImage", Json(w =>
        {
            w.WriteString("repositoryName", repository);
            w.WriteString("imageManifest", System.Text.Encoding.UTF8.GetString(manifest));
            w.WriteString("imageManifestMediaType", mediaType);
            w.WriteString("imageTag", tag);
            w.WriteString("imageDigest", digest);
        }), cancellationToken);

    private Task<AwsHttpResponse> EcrAsync(string operation, byte[] body, CancellationToken cancellationToken) =>
        _ecr.SendAsync(
            "ecr:" + operation,
            () =>
            {
                var request = new HttpRequestMessage(HttpMethod.Post, (Uri?)null) { Content = new ByteArrayContent(body) { Headers = { ContentType = new("application/x-amz-json-1.1") } } };
                request.Headers.TryAddWithoutValidation("X-Amz-Target", "AmazonEC2ContainerRegistry_V20150921." + operation);
                return request;
            },
            cancellationToken);

    /// <summary>A JSON object whose properties <paramref name="writeProperties"/> writes, as UTF-8 bytes.</summary>
    public static byte[] Json(Action<Utf8JsonWriter> writeProperties)
    {
        ArgumentNullException.ThrowIfNull(writeProperties);
        using var buffer = new MemoryStream();
        using (var writer = new Utf8JsonWriter(buffer))
        {
            writer.WriteStartObject();
            writeProperties(writer);
            writer.WriteEndObject();
        }

        return buffer.ToArray();
    }

    public void Dispose()
    {
        _iam.Dispose();
        _lambda.Dispose();
        _sns.Dispose();
        _ecr.Dispose();
    }

    private async Task<string> CreateFunctionAsync(Action<Utf8JsonWriter> writeProperties, CancellationToken cancellationToken)
    {
        var response = await LambdaAsync("lambda:CreateFunction", HttpMethod.Post, "2015-03-31/functions", Json(writeProperties), cancellationToken);
        using var document = JsonDocument.Parse(response.Body);
        return document.RootElement.GetProperty("FunctionArn").GetString()!;
    }

    private static void WriteArray(Utf8JsonWriter writer, string name, IReadOnlyList<string>? values)
    {
        if (values is null)
        {
            return;
        }

        writer.WriteStartArray(name);
        foreach (var value in values)
        {
            writer.WriteStringValue(value);
        }

        writer.WriteEndArray();
    }

    private static Task<AwsHttpResponse> QueryAsync(AwsHttpPipeline pipeline, string action, CancellationToken cancellationToken, params (string Name, string Value)[] form) =>
        pipeline.SendAsync(
            action,
            () => new HttpRequestMessage(HttpMethod.Post, (Uri?)null) { Content = new FormUrlEncodedContent(form.Select(p => KeyValuePair.Create(p.Name, p.Value))) },
            cancellationToken);
}
