using System.Text;
using System.Text.Json;

namespace Guard.Aws.Http;

/// <summary>
/// The error shape a service answers with: Lambda and SSM speak JSON, SNS speaks Query (XML) and S3 REST-XML,
/// whose <c>Error</c> element is the document's root rather than inside an <c>ErrorResponse</c>.
/// </summary>
public enum AwsErrorProtocol
{
    RestJson,
    Query,
    RestXml,
}

/// <param name="Code">The sanitised error code.</param>
/// <param name="Message">The service's message, trimmed of anything that may carry secrets.</param>
public sealed record AwsError(string Code, string Message);

/// <summary>Reads error codes and messages out of failed responses.</summary>
public static class AwsErrorParser
{
    private const int MaxMessageLength = 512;

    /// <summary>Parses the error of a non-2xx response; never throws on a malformed body.</summary>
    public static AwsError Parse(AwsErrorProtocol protocol, int statusCode, string? errorTypeHeader, ReadOnlySpan<byte> body)
    {
        var (code, message) = protocol == AwsErrorProtocol.RestJson ? ReadJson(body) : ReadXml(AwsXml.TryParse(body));
        return Sanitize(statusCode, errorTypeHeader, code, message);
    }

    /// <summary>The error in an XML answer already parsed (S3 reports some failures inside a 200).</summary>
    public static AwsError Parse(int statusCode, AwsXmlElement document)
    {
        ArgumentNullException.ThrowIfNull(document);
        var (code, message) = ReadXml(document);
        return Sanitize(statusCode, errorTypeHeader: null, code, message);
    }

    // smithy restJson1 (X-Amzn-ErrorType): the header wins over body fields.
    private static AwsError Sanitize(int statusCode, string? errorTypeHeader, string? code, string? message) =>
        new(SanitizeCode(errorTypeHeader) ?? SanitizeCode(code) ?? FallbackCode(statusCode), SanitizeMessage(message) ?? $"HTTP {statusCode}");

    /// <summary>
    /// Smithy's rule for REST-JSON error types: keep the part before the first ':' (a URL may follow), then
    /// the part after the first '#' (a namespace may precede), e.g.
    /// <c>aws.lambda#ResourceNotFoundException:http://internal</c> becomes <c>ResourceNotFoundException</c>.
    /// </summary>
    public static string? SanitizeCode(string? raw)
    {
        if (string.IsNullOrWhiteSpace(raw))
        {
            return null;
        }

        var code = raw.Trim();
        var colon = code.IndexOf(':', StringComparison.Ordinal);
        if (colon >= 0)
        {
            code = code[..colon];
        }

        var hash = code.IndexOf('#', StringComparison.Ordinal);
        if (hash >= 0)
        {
            code = code[(hash + 1)..];
        }

        return code.Length == 0 ? null : code;
    }

    /// <summary>
    /// A signature mismatch answer quotes the canonical request, whose headers include the session token:
    /// cut it there. Control characters go, and the message is bounded so a body can never flood a log.
    /// </summary>
    public static string? SanitizeMessage(string? raw)
    {
        if (string.IsNullOrWhiteSpace(raw))
        {
            return null;
        }

        var cut = raw.IndexOf("The Canonical String", StringComparison.OrdinalIgnoreCase);
        var text = cut >= 0 ? raw[..cut] : raw;
        var builder = new StringBuilder(Math.Min(text.Length, MaxMessageLength));
        foreach (var c in text)
        {
            if (builder.Length == MaxMessageLength)
            {
                break;
            }

            builder.Append(char.IsControl(c) ? ' ' : c);
        }

        var message = builder.ToString().Trim();
        return message.Length == 0 ? null : message;
    }

    // A HEAD answer has no body to name its error, so the status alone has to.
    private static string FallbackCode(int statusCode) => statusCode switch
    {
        403 => "Forbidden",
        404 => "NotFound",
        412 => "PreconditionFailed",
        429 => "TooManyRequestsException",
        >= 500 => "ServiceUnavailable",
        _ => $"Http{statusCode}",
    };

    private static (string? Code, string? Message) ReadJson(ReadOnlySpan<byte> body)
    {
        if (body.IsEmpty)
        {
            return (null, null);
        }

        try
        {
            var reader = new Utf8JsonReader(body);
            if (!reader.Read() || reader.TokenType != JsonTokenType.StartObject)
            {
                return (null, null);
            }

            string? type = null, underscoreType = null, lowerCode = null, message = null;
            while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
            {
                var name = reader.GetString();
                reader.Read();
                if (reader.TokenType != JsonTokenType.String)
                {
                    reader.Skip();
                    continue;
                }

                var value = reader.GetString();
                switch (name)
                {
                    case "__type": underscoreType = value; break;
                    case "code": lowerCode = value; break;
                    case "Type": type = value; break;
                    case "message" or "Message": message ??= value; break;
                }
            }

            // Lambda's "Type" is often "User" or "Service" (who is at fault), not the error code, so it comes last.
            return (underscoreType ?? lowerCode ?? type, message);
        }
        catch (JsonException)
        {
            return (null, null);
        }
    }

    private static (string? Code, string? Message) ReadXml(AwsXmlElement? document)
    {
        // Query errors: ErrorResponse/Error/{Type,Code,Message}; REST-XML: Error/{Code,Message} at the root.
        // Only the first Error element counts (Find starts at the root).
        var error = document?.Find("Error");
        return (error?.ChildText("Code"), error?.ChildText("Message"));
    }
}
