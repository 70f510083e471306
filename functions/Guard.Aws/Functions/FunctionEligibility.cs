using Guard.Inspection.Rules;

namespace Guard.Aws.Functions;

/// <summary>Which functions Guard judges at all, written once for every edge that inspects a deployed function.</summary>
public static class FunctionEligibility
{
    /// <summary>
    /// Null when Guard judges the function: a container image (its entrypoint, by the image engine), or a zip run on
    /// <paramref name="runtime"/>; else why not: a managed runtime brings its own bootstrap.
    /// </summary>
    /// <param name="packageType">The function's PackageType (<c>Zip</c>, <c>Image</c>); null for a package not yet on a function.</param>
    public static string? WhyNotChecked(string? packageType, string? runtime, RuntimeCatalog runtimes)
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

        return runtimes.TryFind(runtime, out _) ? null : $"managed runtime {runtime}: Lambda supplies the bootstrap";
    }

    /// <summary><c>PackageType: Image</c>: Lambda runs the image's own entrypoint, which the image engine judges.</summary>
    public static bool IsImage(string? packageType) => string.Equals(packageType, "Image", StringComparison.OrdinalIgnoreCase);
}
