using System.Text.Json;

namespace Guard.Deploy.Tests;

/// <summary>
/// A CloudFormation/SAM template read as JSON. YAML with the short-form intrinsics (!Ref, !Sub, !GetAtt, …) is
/// converted by python3's PyYAML with a loader that maps each tag to its long form, the way CloudFormation does.
/// </summary>
internal sealed class CloudFormationTemplate
{
    // !GetAtt A.B becomes ["A", "B"]; every other !Name becomes {"Fn::Name": value}; dates stay strings.
    private const string YamlToJson = """
        import json, sys, yaml
        class Loader(yaml.SafeLoader):
            pass
        def intrinsic(loader, name, node):
            if isinstance(node, yaml.ScalarNode):
                value = loader.construct_scalar(node)
            elif isinstance(node, yaml.SequenceNode):
                value = loader.construct_sequence(node, deep=True)
            else:
                value = loader.construct_mapping(node, deep=True)
            if name == "Ref" or name == "Condition":
                return {name: value}
            if name == "GetAtt" and isinstance(value, str):
                value = value.split(".", 1)
            return {"Fn::" + name: value}
        Loader.add_multi_constructor("!", intrinsic)
        with open(sys.argv[1], encoding="utf-8") as f:
            json.dump(yaml.load(f, Loader=Loader), sys.stdout, default=str)
        """;

    private CloudFormationTemplate(JsonElement root) => Root = root;

    public JsonElement Root { get; }

    public JsonElement Resources => Root.GetProperty(nameof(Resources));

    public static async Task<CloudFormationTemplate> LoadAsync(string path)
    {
        var python = Repository.RequireTool("python3", "install Python 3 with PyYAML (the machine image's pyenv has both)");
        var (exitCode, output, error) = await Repository.RunAsync(python, ["-c", YamlToJson, path], TimeSpan.FromMinutes(1));
        if (exitCode != 0)
        {
            throw new InvalidOperationException($"could not read {path} with {python} (is PyYAML installed?): {error}");
        }

        using var document = JsonDocument.Parse(output);
        return new CloudFormationTemplate(document.RootElement.Clone());
    }

    public JsonElement Resource(string logicalId) =>
        Resources.TryGetProperty(logicalId, out var resource)
            ? resource
            : throw new InvalidOperationException($"the template has no resource {logicalId}");

    public JsonElement Properties(string logicalId) => Resource(logicalId).GetProperty("Properties");

    public IEnumerable<(string LogicalId, JsonElement Resource)> ResourcesOfType(string type) =>
        Resources.EnumerateObject()
            .Where(resource => resource.Value.GetProperty("Type").GetString() == type)
            .Select(resource => (resource.Name, resource.Value));

    /// <summary>The values a template position can take: both branches of an Fn::If, none for AWS::NoValue.</summary>
    public static IEnumerable<JsonElement> Alternatives(JsonElement value)
    {
        if (value.ValueKind == JsonValueKind.Object && value.TryGetProperty("Fn::If", out var branches))
        {
            foreach (var branch in branches.EnumerateArray().Skip(1))
            {
                foreach (var alternative in Alternatives(branch))
                {
                    yield return alternative;
                }
            }
        }
        else if (!IsNoValue(value))
        {
            yield return value;
        }
    }

    /// <summary>Every element of a list (or the single value), through Fn::If alternatives.</summary>
    public static IEnumerable<JsonElement> Items(JsonElement value) =>
        Alternatives(value).SelectMany(alternative => alternative.ValueKind == JsonValueKind.Array
            ? alternative.EnumerateArray().SelectMany(Alternatives)
            : [alternative]);

    public static bool IsRefTo(JsonElement value, string logicalId) =>
        value.ValueKind == JsonValueKind.Object && value.TryGetProperty("Ref", out var target) && target.GetString() == logicalId;

    public static bool IsGetAtt(JsonElement value, string logicalId, string attribute) =>
        value.ValueKind == JsonValueKind.Object
        && value.TryGetProperty("Fn::GetAtt", out var getAtt)
        && getAtt.ValueKind == JsonValueKind.Array
        && getAtt.GetArrayLength() == 2
        && getAtt[0].GetString() == logicalId
        && getAtt[1].GetString() == attribute;

    private static bool IsNoValue(JsonElement value) =>
        value.ValueKind == JsonValueKind.Object && value.TryGetProperty("Ref", out var target) && target.GetString() == "AWS::NoValue";
}
