using System.Globalization;
using System.Text;
using System.Text.Json;
using Guard.Aws.Http;

namespace Guard.Aws.Notifications;

/// <summary>
/// <see cref="ISnsPublisher"/> over signed HTTP in the Query protocol: a form-encoded POST
/// (<c>Action=Publish&amp;Version=2010-03-31&amp;…</c>) answered in XML (https://docs.aws.amazon.com/sns/latest/api/API_Publish.html). Requests that break
/// an SNS limit are refused here, before a network round trip and without retries.
/// </summary>
public sealed class SnsClient : ISnsPublisher, IDisposable
{
    /// <summary>"at most 256 KB in size (262,144 bytes, not 262,144 characters)", attributes included.</summary>
    public const int MaxPublishBytes = 262_144;

    /// <summary>"less than 100 characters long".</summary>
    public const int MaxSubjectLength = 99;

    private const int MaxAttributeNameLength = 256;
    private const string StringDataType = "String";

    private static readonly UTF8Encoding StrictUtf8 = new(encoderShouldEmitUTF8Identifier: false, throwOnInvalidBytes: true);

    private readonly AwsHttpPipeline _pipeline;

    /// <param name="pipeline">A pipeline for <see cref="AwsService.Sns"/> with <see cref="AwsErrorProtocol.Query"/>; the client owns it.</param>
    public SnsClient(AwsHttpPipeline pipeline)
    {
        ArgumentNullException.ThrowIfNull(pipeline);
        _pipeline = pipeline;
    }

    public static SnsClient Create(AwsEnvironment environment, IAwsCredentialsProvider credentials, AwsRetryOptions? retry = null, HttpMessageHandler? transport = null) =>
        new(AwsHttpPipeline.Create(environment, AwsService.Sns, AwsErrorProtocol.Query, credentials, retry, transport));

    public async Task<string> PublishAsync(SnsPublishRequest request, CancellationToken cancellationToken)
    {
        var form = ToForm(request);
        var response = await _pipeline.SendAsync(
            AwsActions.SnsPublish,
            // No URI: HttpClient then sends to its BaseAddress, the SNS endpoint.
            () => new HttpRequestMessage(HttpMethod.Post, (Uri?)null) { Content = new FormUrlEncodedContent(form) },
            cancellationToken).ConfigureAwait(false);

        return AwsXml.TryParse(response.Body)?.Find("MessageId")?.Text is { Length: > 0 } messageId
            ? messageId
            : throw new AwsServiceException("MalformedResponse", response.StatusCode, "Publish answer has no MessageId", AwsActions.SnsPublish, response.RequestId, null);
    }

    public void Dispose() => _pipeline.Dispose();

    /// <summary>Validates <paramref name="request"/> and renders it as Query parameters, in a stable order.</summary>
    public static IReadOnlyList<KeyValuePair<string, string>> ToForm(SnsPublishRequest request)
    {
        ArgumentNullException.ThrowIfNull(request);
        ArgumentException.ThrowIfNullOrEmpty(request.TopicArn, nameof(request));
        Validate(request);

        var form = new List<KeyValuePair<string, string>>
        {
            new("Action", "Publish"),
            new("Version", "2010-03-31"),
            new("TopicArn", request.TopicArn),
            new("Message", request.Message),
        };
        if (request.Subject is not null)
        {
            form.Add(new("Subject", request.Subject));
        }

        if (request.MessageStructureJson)
        {
            form.Add(new("MessageStructure", "json"));
        }

        var index = 1;
        foreach (var (name, value) in (request.StringAttributes ?? new Dictionary<string, string>()).OrderBy(a => a.Key, StringComparer.Ordinal))
        {
            var prefix = "MessageAttributes.entry." + index.ToString(CultureInfo.InvariantCulture);
            form.Add(new(prefix + ".Name", name));
            form.Add(new(prefix + ".Value.DataType", StringDataType));
            form.Add(new(prefix + ".Value.StringValue", value));
            index++;
        }

        return form;
    }

    private static void Validate(SnsPublishRequest request)
    {
        if (string.IsNullOrEmpty(request.Message))
        {
            throw new ArgumentException("SNS message must not be empty.", nameof(request));
        }

        if (request.Subject is { } subject)
        {
            if (subject.Length == 0 || subject.Length > MaxSubjectLength)
            {
                throw new ArgumentException($"SNS subject must be 1 to {MaxSubjectLength} characters; it has {subject.Length}.", nameof(request));
            }

            // Control characters include \r, \n and NEL; U+2028/U+2029 are line breaks without being controls.
            if (subject.Any(c => char.IsControl(c) || c is '\u2028' or '\u2029'))
            {
                throw new ArgumentException("SNS subject must be one line without control characters.", nameof(request));
            }
        }

        var total = Utf8Length(request.Message, "message");
        foreach (var (name, value) in request.StringAttributes ?? new Dictionary<string, string>())
        {
            ValidateAttributeName(name);
            if (string.IsNullOrEmpty(value))
            {
                throw new ArgumentException($"SNS message attribute '{name}' must have a value.", nameof(request));
            }

            // SNS counts attribute names, data types and values toward the publish size limit.
            total += Utf8Length(name, "attribute name") + StringDataType.Length + Utf8Length(value, "attribute value");
        }

        if (total > MaxPublishBytes)
        {
            throw new ArgumentException($"SNS publish is {total} bytes with attributes; the limit is {MaxPublishBytes}.", nameof(request));
        }

        if (request.MessageStructureJson && !HasDefaultEntry(request.Message))
        {
            throw new ArgumentException("With MessageStructure=json the message must be a JSON object with a string \"default\" entry.", nameof(request));
        }
    }

    private static int Utf8Length(string text, string what)
    {
        try
        {
            return StrictUtf8.GetByteCount(text);
        }
        catch (EncoderFallbackException e)
        {
            throw new ArgumentException($"SNS {what} is not valid UTF-16 text (unpaired surrogate).", e);
        }
    }

    // SNS attribute names: letters, digits, '-', '_', '.'; no leading, trailing or doubled '.'; no AWS./Amazon. prefix.
    private static void ValidateAttributeName(string name)
    {
        var valid = name.Length is > 0 and <= MaxAttributeNameLength
            && name.All(c => char.IsAsciiLetterOrDigit(c) || c is '-' or '_' or '.')
            && !name.StartsWith('.') && !name.EndsWith('.') && !name.Contains("..", StringComparison.Ordinal)
            && !name.StartsWith("AWS.", StringComparison.OrdinalIgnoreCase) && !name.StartsWith("Amazon.", StringComparison.OrdinalIgnoreCase);
        if (!valid)
        {
            throw new ArgumentException($"'{name}' is not a valid SNS message attribute name.", nameof(name));
        }
    }

    private static bool HasDefaultEntry(string message)
    {
        try
        {
            using var document = JsonDocument.Parse(message);
            return document.RootElement.ValueKind == JsonValueKind.Object
                && document.RootElement.TryGetProperty("default", out var entry)
                && entry.ValueKind == JsonValueKind.String;
        }
        catch (JsonException)
        {
            return false;
        }
    }
}
