using System.Text.Json;
using System.Text.Json.Serialization;
using System.Text.Json.Serialization.Metadata;

namespace Guard.Function.Routing;

/// <summary>
/// Reads an optional object field that CloudTrail may record as something else (a redaction string such as
/// <c>"HIDDEN_DUE_TO_SECURITY_REASONS"</c>, or null) as null, so one field Guard only reads for extras never
/// makes a whole deploy event "malformed" and unchecked.
/// </summary>
public sealed class ObjectOrNullConverter<T> : JsonConverter<T>
    where T : class
{
    public override T? Read(ref Utf8JsonReader reader, Type typeToConvert, JsonSerializerOptions options)
    {
        if (reader.TokenType != JsonTokenType.StartObject)
        {
            reader.Skip();
            return null;
        }

        return JsonSerializer.Deserialize(ref reader, (JsonTypeInfo<T>)options.GetTypeInfo(typeof(T)));
    }

    public override void Write(Utf8JsonWriter writer, T value, JsonSerializerOptions options) =>
        JsonSerializer.Serialize(writer, value, (JsonTypeInfo<T>)options.GetTypeInfo(typeof(T)));
}
