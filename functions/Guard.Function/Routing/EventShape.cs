using System.Text;
using System.Text.Json;

namespace Guard.Function.Routing;

/// <summary>
/// The top-level members that tell Guard's events apart (<c>detail-type</c>, <c>source</c>, <c>RequestType</c>,
/// <c>ResponseURL</c>, <c>hookTypeName</c>, <c>actionInvocationPoint</c>), and nothing else of the event.
/// </summary>
/// <param name="ValueKind">What the payload is; the other members are unset unless it is an object.</param>
/// <param name="RequestType">Set when <c>RequestType</c> is a string.</param>
/// <param name="HasResponseUrl"><c>ResponseURL</c> is a string.</param>
/// <param name="HasHookTypeName"><c>hookTypeName</c> is present, whatever its value.</param>
/// <param name="HasActionInvocationPoint"><c>actionInvocationPoint</c> is present, whatever its value.</param>
/// <param name="ActionInvocationPoint">Set when <c>actionInvocationPoint</c> is a string.</param>
public readonly record struct EventShape(
    JsonValueKind ValueKind,
    string? DetailType,
    string? Source,
    string? RequestType,
    bool HasResponseUrl,
    bool HasHookTypeName,
    bool HasActionInvocationPoint,
    string? ActionInvocationPoint)
{
    /// <summary>Longer values are kept as their first bytes and an ellipsis: none of Guard's is near it, and a 6 MB one is not copied into a string.</summary>
    public const int MaxValueBytes = 256;

    /// <summary>
    /// Reads the shape with a <see cref="Utf8JsonReader"/> that skips every other value: no document, and no
    /// string of the event's size, however big the event. The whole payload is still validated (as
    /// <see cref="JsonDocument.Parse(ReadOnlyMemory{byte}, JsonDocumentOptions)"/> would), so anything that is
    /// not one JSON value throws <see cref="JsonException"/>.
    /// </summary>
    public static EventShape Read(ReadOnlySpan<byte> json)
    {
        var reader = new Utf8JsonReader(json);
        if (!reader.Read())
        {
            throw new JsonException("the event is empty");
        }

        var shape = new EventShape(KindOf(reader.TokenType), null, null, null, false, false, false, null);
        if (reader.TokenType == JsonTokenType.StartObject)
        {
            while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
            {
                var name = reader;
                reader.Read();
                // As JsonElement.TryGetProperty does, the last of duplicate members wins.
                if (name.ValueTextEquals("detail-type"u8))
                {
                    shape = shape with { DetailType = StringOf(ref reader) };
                }
                else if (name.ValueTextEquals("source"u8))
                {
                    shape = shape with { Source = StringOf(ref reader) };
                }
                else if (name.ValueTextEquals("RequestType"u8))
                {
                    shape = shape with { RequestType = StringOf(ref reader) };
                }
                else if (name.ValueTextEquals("ResponseURL"u8))
                {
                    shape = shape with { HasResponseUrl = reader.TokenType == JsonTokenType.String };
                }
                else if (name.ValueTextEquals("hookTypeName"u8))
                {
                    shape = shape with { HasHookTypeName = true };
                }
                else if (name.ValueTextEquals("actionInvocationPoint"u8))
                {
                    shape = shape with { HasActionInvocationPoint = true, ActionInvocationPoint = StringOf(ref reader) };
                }

                reader.Skip();
            }
        }
        else
        {
            reader.Skip();
        }

        // Anything after the one value (the reader throws on it) makes the payload not JSON.
        if (reader.Read())
        {
            throw new JsonException($"unexpected {reader.TokenType} after the event");
        }

        return shape;
    }

    /// <summary>The same members, from a parsed document.</summary>
    public static EventShape Of(JsonElement root)
    {
        if (root.ValueKind != JsonValueKind.Object)
        {
            return new EventShape(root.ValueKind, null, null, null, false, false, false, null);
        }

        return new EventShape(
            JsonValueKind.Object,
            String(root, "detail-type"),
            String(root, "source"),
            String(root, "RequestType"),
            String(root, "ResponseURL") is not null,
            root.TryGetProperty("hookTypeName", out _),
            root.TryGetProperty("actionInvocationPoint", out _),
            String(root, "actionInvocationPoint"));
    }

    private static string? StringOf(ref Utf8JsonReader reader)
    {
        if (reader.TokenType != JsonTokenType.String)
        {
            return null;
        }

        return reader.ValueSpan.Length <= MaxValueBytes
            ? reader.GetString()
            : Encoding.UTF8.GetString(reader.ValueSpan[..MaxValueBytes]) + "…";
    }

    private static JsonValueKind KindOf(JsonTokenType token) => token switch
    {
        JsonTokenType.StartObject => JsonValueKind.Object,
        JsonTokenType.StartArray => JsonValueKind.Array,
        JsonTokenType.String => JsonValueKind.String,
        JsonTokenType.Number => JsonValueKind.Number,
        JsonTokenType.True => JsonValueKind.True,
        JsonTokenType.False => JsonValueKind.False,
        _ => JsonValueKind.Null,
    };

    private static string? String(JsonElement element, string name) =>
        element.TryGetProperty(name, out var value) && value.ValueKind == JsonValueKind.String ? value.GetString() : null;
}
