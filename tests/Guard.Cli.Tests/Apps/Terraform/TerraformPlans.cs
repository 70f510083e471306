namespace Guard.Cli.Tests.Apps.Terraform;

/// <summary>
/// Plans in the shape <c>terraform show -json</c> writes (Terraform's JSON Output Format, format_version 1.2, as
/// Terraform 1.11 writes it: see real-plan/ for one it wrote): a resource change per call, a configuration with the
/// references Terraform records. Unknown list elements are null in <c>after</c> and true at the same index of
/// <c>after_unknown</c>, as Terraform writes them.
/// </summary>
internal static class TerraformPlans
{
    public static string Plan(IEnumerable<string> changes, string configuration = """{"root_module":{}}""", string formatVersion = "1.2", string priorState = """{"values":{"root_module":{}}}""") =>
        $$$"""
        {
          "format_version": "{{{formatVersion}}}",
          "terraform_version": "1.11.4",
          "planned_values": {"root_module": {}},
          "resource_changes": [{{{string.Join(",\n", changes)}}}],
          "prior_state": {{{priorState}}},
          "configuration": {{{configuration}}}
        }
        """;

    /// <param name="address">The full address; its module part is everything before the resource's type.</param>
    public static string Change(string address, string type, string name, string actions, string after, string afterUnknown = "{}", string mode = "managed")
    {
        var at = address.IndexOf((mode == "data" ? "data." : "") + type + ".", StringComparison.Ordinal);
        var module = at > 0 ? $"\"module_address\": \"{address[..(at - 1)].Replace("\"", "\\\"", StringComparison.Ordinal)}\"," : "";
        return $$"""
            {
              "address": "{{address.Replace("\"", "\\\"", StringComparison.Ordinal)}}",
              {{module}}
              "mode": "{{mode}}",
              "type": "{{type}}",
              "name": "{{name}}",
              "provider_name": "registry.terraform.io/hashicorp/aws",
              "change": {
                "actions": {{actions}},
                "before": null,
                "after": {{after}},
                "after_unknown": {{afterUnknown}},
                "before_sensitive": false,
                "after_sensitive": {}
              }
            }
            """;
    }

    /// <summary>A function's <c>after</c>: what the AWS provider plans for a zip function, with <paramref name="code"/> its code attributes.</summary>
    public static string Function(string code, string runtime = "provided.al2023", string architectures = """["x86_64"]""", string layers = "[]", string environment = "[]") =>
        $$"""
        {
          "function_name": "orders",
          "handler": "bootstrap",
          "runtime": "{{runtime}}",
          "architectures": {{architectures}},
          "package_type": "Zip",
          "image_uri": null,
          "layers": {{layers}},
          "environment": {{environment}},
          {{Nulls(code)}}{{code}}
        }
        """;

    /// <summary>The code attributes <paramref name="code"/> does not set, as null, as the provider plans them.</summary>
    private static string Nulls(string code) =>
        string.Concat(new[] { "filename", "s3_bucket", "s3_key", "s3_object_version" }
            .Where(a => !code.Contains($"\"{a}\"", StringComparison.Ordinal))
            .Select(a => $"\"{a}\": null, "));

    /// <summary>A configuration resource with its expressions, module-relative as Terraform records them.</summary>
    public static string ConfigResource(string type, string name, string expressions, string mode = "managed") =>
        $$"""{"address": "{{(mode == "data" ? "data." : "")}}{{type}}.{{name}}", "mode": "{{mode}}", "type": "{{type}}", "name": "{{name}}", "expressions": {{expressions}}, "schema_version": 0}""";

    public static string Configuration(IEnumerable<string> resources, string moduleCalls = "{}") =>
        $$$"""{"root_module": {"resources": [{{{string.Join(",", resources)}}}], "module_calls": {{{moduleCalls}}}}}""";
}
