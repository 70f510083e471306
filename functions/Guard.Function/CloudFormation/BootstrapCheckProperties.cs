using System.Text.Json;
using Guard.Aws;
using Guard.Inspection.Rules;

namespace Guard.Function.CloudFormation;

/// <summary>
/// The properties of a <c>Custom::BootstrapCheck</c>: <c>S3Bucket</c>, <c>S3Key</c>, <c>S3ObjectVersion</c> (or
/// <c>FunctionName</c>, or <c>ImageUri</c> with its <c>ImageConfig</c>), <c>Runtime</c>, <c>Architecture</c>,
/// <c>Layers</c>, <c>Handler</c>, <c>AllowPlaceholder</c>. Scalars arrive as strings. Unknown properties (ServiceToken
/// among them) are ignored.
/// </summary>
public sealed record BootstrapCheckProperties(PackageToCheck Target, bool AllowPlaceholder)
{
    public const string DefaultRuntime = "provided.al2023";

    private static readonly string[] ZipOnlyProperties = ["Runtime", "Layers", "Handler"];

    /// <summary>Reads <paramref name="properties"/>; on failure <paramref name="error"/> says what to change in the template.</summary>
    public static BootstrapCheckProperties? Parse(JsonElement properties, RuntimeCatalog runtimes, out string? error)
    {
        ArgumentNullException.ThrowIfNull(runtimes);
        var bucket = TemplateProperties.Text(properties, "S3Bucket");
        var key = TemplateProperties.Text(properties, "S3Key");
        var version = TemplateProperties.Text(properties, "S3ObjectVersion");
        var functionName = TemplateProperties.Text(properties, "FunctionName");
        var imageUri = TemplateProperties.Text(properties, "ImageUri");

        if ((functionName is not null ? 1 : 0) + (bucket is not null || key is not null ? 1 : 0) + (imageUri is not null ? 1 : 0) > 1)
        {
            error = "give one of S3Bucket and S3Key (a package to deploy), ImageUri (an image to deploy) or FunctionName (a deployed function)";
            return null;
        }

        if (imageUri is not null)
        {
            return ParseImage(properties, imageUri, out error);
        }

        if (functionName is null && (bucket is null || key is null))
        {
            error = bucket is null && key is null
                ? "S3Bucket and S3Key (or ImageUri, or FunctionName) are required: name the package or image the function will be deployed from"
                : $"{(bucket is null ? "S3Bucket" : "S3Key")} is missing: S3Bucket and S3Key name the package together";
            return null;
        }

        var runtime = TemplateProperties.Text(properties, "Runtime")?.Trim();
        if (runtime is not null && !runtimes.TryFind(runtime, out _) && !runtimes.TryFindManaged(runtime, out _))
        {
            error = $"Runtime '{runtime}' is not a runtime Guard checks (known: {string.Join(", ", runtimes.Names.Concat(runtimes.ManagedNames))}); other managed runtimes supply their own bootstrap and Guard knows nothing of their image, so remove the check for them";
            return null;
        }

        if (!TryArchitecture(properties, out var architecture, out error))
        {
            return null;
        }

        var layers = TemplateProperties.StringList(properties, "Layers");
        var bad = layers?.FirstOrDefault(l => !l.StartsWith("arn:", StringComparison.Ordinal) || l.Count(c => c == ':') < 7);
        if (bad is not null)
        {
            error = $"Layers has '{bad}', which is not a layer version ARN (arn:aws:lambda:region:account:layer:name:version)";
            return null;
        }

        var allowPlaceholder = TemplateProperties.Boolean(properties, "AllowPlaceholder", out error);
        if (error is not null)
        {
            return null;
        }

        PackageLocation.S3Object? code = null;
        if (functionName is null)
        {
            code = new PackageLocation.S3Object(bucket!, key!, version);
            // A package to deploy has no function to take defaults from: Lambda's own defaults apply.
            runtime ??= DefaultRuntime;
            architecture ??= Architecture.X8664;
            layers ??= [];
        }

        return new BootstrapCheckProperties(
            new PackageToCheck(code, functionName, runtime, architecture, layers, TemplateProperties.Text(properties, "Handler")),
            allowPlaceholder ?? false);
    }

    /// <summary>
    /// An image to deploy: judged on <c>Architecture</c> (x86_64 unless given) with the function's <c>ImageConfig</c>.
    /// An image brings its own runtime and takes no layers, so those properties are refused rather than ignored.
    /// </summary>
    private static BootstrapCheckProperties? ParseImage(JsonElement properties, string imageUri, out string? error)
    {
        var misplaced = ZipOnlyProperties.FirstOrDefault(name => properties.ValueKind == JsonValueKind.Object && properties.TryGetProperty(name, out _));
        if (misplaced is not null)
        {
            error = $"{misplaced} does not apply to an image (ImageUri): the image brings its own runtime; remove {misplaced}, or set ImageConfig";
            return null;
        }

        if (!TryArchitecture(properties, out var architecture, out error))
        {
            return null;
        }

        var allowPlaceholder = TemplateProperties.Boolean(properties, "AllowPlaceholder", out error);
        if (error is not null)
        {
            return null;
        }

        return new BootstrapCheckProperties(
            new PackageToCheck(null, null, null, architecture ?? Architecture.X8664, [], null, ImageUri: imageUri, ImageConfig: TemplateProperties.ImageConfig(properties)),
            allowPlaceholder ?? false);
    }

    /// <summary>Architecture as the issue names it; Architectures (a function's property, copied along) is accepted too.</summary>
    private static bool TryArchitecture(JsonElement properties, out Architecture? architecture, out string? error)
    {
        architecture = null;
        error = null;
        var text = TemplateProperties.Text(properties, "Architecture")
            ?? (TemplateProperties.StringList(properties, "Architectures") is { Count: > 0 } list ? list[0] : null);
        if (text is null)
        {
            return true;
        }

        if (!ArchitectureNames.TryParse(text, out var parsed))
        {
            error = $"Architecture '{text}' is not x86_64 or arm64";
            return false;
        }

        architecture = parsed;
        return true;
    }
}
