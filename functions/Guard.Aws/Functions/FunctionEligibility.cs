using Guard.Inspection.Rules;

namespace Guard.Aws.Functions;

/// <summary>Which functions Guard judges at all, written once for every edge that inspects a deployed function.</summary>
public static class FunctionEligibility
{
    /// <summary>
    /// Null when Guard judges the function: a container image (its entrypoint, by the image engine), or a zip run on
    /// <paramref name="runtime"/>; else why not: a managed runtime brings its own bootstrap. A managed runtime Guard
    /// knows the image of is judged by its layers' extensions (<see cref="IsJudgedByLayersAlone"/>), so only when it
    /// has layers.
    /// </summary>
    /// <param name="packageType">The function's PackageType (<c>Zip</c>, <c>Image</c>); null for a package not yet on a function.</param>
    /// <param name="layers">How many layers the function has.</param>
    public static string? WhyNotChecked(string? packageType, string? runtime, RuntimeCatalog runtimes, int layers)
    {
        ArgumentNullException.ThrowIfNull(runtimes);
        if (IsImage(packageType))
        {
            return null;
        }

        if (runtime is not { Length: > 0 })
        {
            return "no runtime: Lambda supplies no bootstrap to judge";
        }

        if (runtimes.TryFind(runtime, out _))
        {
            return null;
        }

        if (runtimes.TryFindManaged(runtime, out _))
        {
            return layers > 0 ? null : $"managed runtime {runtime} without layers: Lambda supplies the bootstrap and no layer brings an extension";
        }

        return $"managed runtime {runtime}: Lambda supplies the bootstrap";
    }

    /// <summary>A managed runtime's function: Guard judges its layers' extensions and never reads its own code.</summary>
    public static bool IsJudgedByLayersAlone(string? runtime, RuntimeCatalog runtimes) =>
        runtime is { Length: > 0 } && (runtimes ?? throw new ArgumentNullException(nameof(runtimes))).TryFindManaged(runtime, out _);

    /// <summary><c>PackageType: Image</c>: Lambda runs the image's own entrypoint, which the image engine judges.</summary>
    public static bool IsImage(string? packageType) => string.Equals(packageType, "Image", StringComparison.OrdinalIgnoreCase);
}
