using System.Globalization;
using System.Text.Json;
using Guard.Inspection.Images;

namespace Guard.Function.CloudFormation;

/// <summary>
/// Reads template properties leniently. CloudFormation hands custom resources every scalar as a string
/// (<c>"true"</c>, <c>"3"</c>), while hooks see the resource's typed values; both are accepted here.
/// </summary>
public static class TemplateProperties
{
    /// <summary>A scalar as text; null when absent, null or not a scalar.</summary>
    public static string? Text(JsonElement parent, string name)
    {
        if (parent.ValueKind != JsonValueKind.Object || !parent.TryGetProperty(name, out var value))
        {
            return null;
        }

        return value.ValueKind switch
        {
            JsonValueKind.String => value.GetString() is { Length: > 0 } text ? text : null,
            JsonValueKind.Number => value.GetRawText(),
            JsonValueKind.True => "true",
            JsonValueKind.False => "false",
            _ => null,
        };
    }

    /// <summary>
    /// What an <c>AWS::Lambda::Function</c>'s <c>Environment</c> sets for ld.so: its <c>LD_LIBRARY_PATH</c> (no other
    /// variable is read), the default when it sets none, null when the variables are not an object Guard can read.
    /// </summary>
    public static Guard.Inspection.FunctionEnvironment? LibraryEnvironment(JsonElement properties)
    {
        if (properties.ValueKind != JsonValueKind.Object || !properties.TryGetProperty("Environment", out var environment))
        {
            return Guard.Inspection.FunctionEnvironment.Default;
        }

        if (environment.ValueKind != JsonValueKind.Object)
        {
            return null;
        }

        if (!environment.TryGetProperty("Variables", out var variables))
        {
            return Guard.Inspection.FunctionEnvironment.Default;
        }

        return variables.ValueKind == JsonValueKind.Object ? new Guard.Inspection.FunctionEnvironment(Text(variables, "LD_LIBRARY_PATH")) : null;
    }

    /// <summary>
    /// A function's <c>ImageConfig</c> (<c>EntryPoint</c>, <c>Command</c>, <c>WorkingDirectory</c>), each set value
    /// replacing the image's own; null when it sets none.
    /// </summary>
    public static FunctionImageConfig? ImageConfig(JsonElement properties)
    {
        var config = Child(properties, "ImageConfig");
        if (config.ValueKind != JsonValueKind.Object)
        {
            return null;
        }

        var entryPoint = StringList(config, "EntryPoint");
        var command = StringList(config, "Command");
        var workingDirectory = Text(config, "WorkingDirectory");
        return entryPoint is null && command is null && workingDirectory is null ? null : new FunctionImageConfig(entryPoint, command, workingDirectory);
    }

    /// <summary>The member as an object, or <c>default</c>.</summary>
    public static JsonElement Child(JsonElement parent, string name) =>
        parent.ValueKind == JsonValueKind.Object && parent.TryGetProperty(name, out var value) && value.ValueKind == JsonValueKind.Object ? value : default;

    /// <summary>A list of strings; a single string counts as a one-item (or comma-separated) list. Null when absent.</summary>
    public static IReadOnlyList<string>? StringList(JsonElement parent, string name)
    {
        if (parent.ValueKind != JsonValueKind.Object || !parent.TryGetProperty(name, out var value))
        {
            return null;
        }

        return value.ValueKind switch
        {
            JsonValueKind.Array => value.EnumerateArray()
                .Where(item => item.ValueKind == JsonValueKind.String && !string.IsNullOrWhiteSpace(item.GetString()))
                .Select(item => item.GetString()!.Trim())
                .ToArray(),
            JsonValueKind.String => value.GetString()!.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries),
            _ => null,
        };
    }

    /// <summary>
    /// <c>true</c>/<c>false</c> in any case (as strings or JSON booleans); null when absent; false with an error
    /// when it is something else.
    /// </summary>
    public static bool? Boolean(JsonElement parent, string name, out string? error)
    {
        error = null;
        var text = Text(parent, name);
        if (text is null)
        {
            return null;
        }

        if (bool.TryParse(text.Trim(), out var value))
        {
            return value;
        }

        error = string.Create(CultureInfo.InvariantCulture, $"{name} is '{text}'; expected \"true\" or \"false\"");
        return false;
    }
}
