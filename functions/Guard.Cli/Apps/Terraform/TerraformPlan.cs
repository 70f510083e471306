using System.Globalization;
using System.Text.Json;
using Guard.Cli.Apps.Templates;

namespace Guard.Cli.Apps.Terraform;

/// <summary>
/// Reads the JSON Terraform prints for a saved plan (<c>terraform show -json tf.plan</c>; the format is Terraform's
/// "JSON Output Format", <c>format_version</c> 1.x, or 0.x from Terraform before 1.0). Major version 2 may change
/// what the keys Guard reads mean, so it is refused, as the format's own rules ask; a minor version only adds keys,
/// which are ignored.
/// </summary>
internal static class TerraformPlan
{
    /// <summary>
    /// A plan holds every resource about three times (prior state, planned values, changes) plus the configuration:
    /// some kilobytes a resource, so tens of megabytes for thousands of resources. Past this the file is not read; the
    /// parsed document costs about as much again, within the 512 MiB heap the hostile-input tests allow.
    /// </summary>
    public const int MaxBytes = 128 * 1024 * 1024;

    /// <summary>Terraform values nest as deep as the provider's blocks, a dozen levels; templates get the same bound.</summary>
    private const int MaxDepth = 256;

    /// <exception cref="TemplateFormatException">Missing, not a regular file, too large, not JSON, or not a plan in format 1.x.</exception>
    public static JsonDocument Read(string path)
    {
        byte[] bytes;
        try
        {
            bytes = TemplateFile.ReadRegularFile(path, MaxBytes, "a Terraform plan", "a plan of thousands of resources is tens of MB");
        }
        catch (Exception e) when (e is FileNotFoundException or DirectoryNotFoundException)
        {
            throw new TemplateFormatException(path, 0, 0, "no such file");
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new TemplateFormatException(path, 0, 0, e.Message.ReplaceLineEndings(" "));
        }

        JsonDocument document;
        try
        {
            document = JsonDocument.Parse(TerraformFiles.Utf8(bytes), new JsonDocumentOptions { MaxDepth = MaxDepth });
        }
        catch (JsonException e)
        {
            throw JsonTemplateReader.NotJson(path, e);
        }

        try
        {
            Validate(path, document.RootElement);
            return document;
        }
        catch
        {
            document.Dispose();
            throw;
        }
    }

    private static void Validate(string path, JsonElement root)
    {
        if (root.ValueKind != JsonValueKind.Object || !root.TryGetProperty("format_version", out var format) || format.ValueKind != JsonValueKind.String)
        {
            throw new TemplateFormatException(path, 1, 1, "no format_version: not the output of terraform show -json");
        }

        var version = format.GetString()!;
        var major = version.Split('.')[0];
        // 0.x (Terraform 0.12 to 0.15) has the keys Guard reads as 1.0 has them: 1.0 only promised to keep them.
        if (major is not ("0" or "1"))
        {
            var terraform = root.TryGetProperty("terraform_version", out var v) && v.ValueKind == JsonValueKind.String ? $" (from Terraform {v.GetString()})" : "";
            throw new TemplateFormatException(
                path,
                1,
                1,
                string.Create(CultureInfo.InvariantCulture, $"format_version {version}{terraform}: Guard reads format 1.x of terraform show -json, and a new major version may change what its keys mean; update guard, or show the plan with a Terraform that writes 1.x"));
        }

        if (!root.TryGetProperty("planned_values", out _) && !root.TryGetProperty("resource_changes", out _))
        {
            var what = root.TryGetProperty("values", out _) ? "the JSON of a Terraform state (terraform show -json without a plan file)" : "not a Terraform plan (no planned_values, no resource_changes)";
            throw new TemplateFormatException(path, 1, 1, $"{what}: a state says what is deployed, a plan what the next apply will deploy. Run: {TerraformFiles.PlanCommands}");
        }

        if (root.TryGetProperty("errored", out var errored) && errored.ValueKind == JsonValueKind.True)
        {
            throw new TemplateFormatException(path, 1, 1, "the plan errored (errored: true): Terraform could not finish it, so what it would change is incomplete; fix what terraform plan reported, then plan again");
        }
    }
}
