using Guard.Aws.Lambda;
using Guard.Inspection;
using Guard.Inspection.Rules;

namespace Guard.Aws.Functions;

/// <summary>What a package is judged under: the runtime facts of the function that runs (or will run) it.</summary>
/// <param name="Architectures">Lambda's names; empty (older functions) means x86_64.</param>
/// <param name="LayerArns">Layer-version ARNs in configuration order (later layers win on <c>/opt</c>).</param>
/// <param name="CodeSha256">Lambda's base64 SHA-256 of the package, when known.</param>
/// <param name="Environment">What the function sets for ld.so (its LD_LIBRARY_PATH), when its configuration was read.</param>
public sealed record FunctionTarget(
    string Runtime, IReadOnlyList<string> Architectures, IReadOnlyList<string> LayerArns, string? Handler, string? CodeSha256, FunctionEnvironment? Environment = null)
{
    /// <summary>The function's own settings.</summary>
    public static FunctionTarget Of(FunctionConfiguration configuration)
    {
        ArgumentNullException.ThrowIfNull(configuration);
        return new FunctionTarget(
            configuration.Runtime ?? "",
            configuration.Architectures,
            [.. configuration.Layers.Select(l => l.Arn)],
            configuration.Handler,
            string.IsNullOrEmpty(configuration.CodeSha256) ? null : configuration.CodeSha256,
            configuration.Environment)
        {
            ImageConfig = configuration.ImageConfig,
        };
    }

    /// <summary>An image function's ImageConfig, merged over the image's own start command as Lambda does; null for none.</summary>
    public Guard.Inspection.Images.FunctionImageConfig? ImageConfig { get; init; }

    /// <summary>The file judged as the one Lambda execs, when not the runtime's own (<see cref="InspectionRequest.Entrypoint"/>).</summary>
    public string? Entrypoint { get; init; }

    /// <summary>The engine's architecture; older functions omit it and run on x86_64.</summary>
    public Architecture Architecture =>
        Architectures.Count > 0 && ArchitectureNames.TryParse(Architectures[0], out var architecture) ? architecture : Architecture.X8664;
}
