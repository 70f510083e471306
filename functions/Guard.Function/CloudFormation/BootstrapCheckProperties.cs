using System.Text.Json;
using Guard.Aws;
using Guard.Inspection.Rules;

namespace Guard.Function.CloudFormation;

/// <summary>
/// The properties of a <c>Custom::BootstrapCheck</c>: <c>S3Bucket</c>, <c>S3Key</c>, <c>S3ObjectVersion</c> (or
/// <c>FunctionName</c>), <c>Runtime</c>, <c>Architecture</c>, <c>Layers</c>, <c>Handler</c>, <c>AllowPlaceholder</c>.
/// Scalars arrive as strings. Unknown properties (ServiceToken among them) are ignored.
/// </summary>
public sealed record BootstrapCheckProperties(PackageToCheck Target, bool AllowPlaceholder)
{
    public const string DefaultRuntime = "provided.al2023";

    /// <summary>Reads <paramref name="properties"/>; on failure <paramref name="error"/> says what to change in the template.</summary>
    public static BootstrapCheckProperties? Parse(JsonElement properties, RuntimeCatalog runtimes, out string? error)
    {
        ArgumentNullException.ThrowIfNull(runtimes);
        var bucket = TemplateProperties.Text(properties, "S3Bucket");
        var key = TemplateProperties.Text(properties, "S3Key");
        var version = TemplateProperties.Text(properties, "S3ObjectVersion");
        var functionName = TemplateProperties.Text(properties, "FunctionName");

        if (functionName is not null && (bucket is not null || key is not null))
        {
            error = "give either S3Bucket and S3Key (a package to deploy) or FunctionName (a deployed function), not both";
            return null;
        }

        if (functionName is null && (bucket is null || key is null))
        {
            error = bucket is null && key is null
                ? "S3Bucket and S3Key (or FunctionName) are required: name the package the function will be deployed from"
                : $"{(bucket is null ? "S3Bucket" : "S3Key")} is missing: S3Bucket and S3Key name the package together";
            return null;
        }

        var runtime = TemplateProperties.Text(properties, "Runtime")?.Trim();
        if (runtime is not null && !runtimes.TryFind(runtime, out _) && !runtimes.TryFindManaged(runtime, out _))
        {
            error = $"Runtime '{runtime}' is not a runtime Guard checks (known: {string.Join(", ", runtimes.Names.Concat(runtimes.ManagedNames))}); other managed runtimes supply their own bootstrap and Guard knows nothing of their image, so remove the check for them";
            return null;
        }

        // Architecture as the issue names it; Architectures (a function's property, copied along) is accepted too.
        var architectureText = TemplateProperties.Text(properties, "Architecture")
            ?? (TemplateProperties.StringList(properties, "Architectures") is { Count: > 0 } list ? list[0] : null);
        Architecture? architecture = null;
        if (architectureText is not null)
        {
            if (!ArchitectureNames.TryParse(architectureText, out var parsed))
            {
                error = $"Architecture '{architectureText}' is not x86_64 or arm64";
                return null;
            }

            architecture = parsed;
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
}
