using Guard.Inspection.Rules;

namespace Guard.Aws.Functions;

/// <summary>Which functions Guard judges at all, written once for every edge that inspects a deployed function.</summary>
public static class FunctionEligibility
{
    /// <summary>
    /// Null when Guard judges a zip run on <paramref name="runtime"/>; else why not: a container image runs the image's
    /// entrypoint, and a managed runtime brings its own bootstrap, so neither has a package bootstrap to judge.
    /// </summary>
    /// <param name="packageType">The function's PackageType (<c>Zip</c>, <c>Image</c>); null for a package not yet on a function.</param>
    public static string? WhyNotChecked(string? packageType, string? runtime, RuntimeCatalog runtimes)
    {
        ArgumentNullException.ThrowIfNull(runtimes);
        if (string.Equals(packageType, "Image", StringComparison.OrdinalIgnoreCase))
        {
            return "container image: Lambda runs the image's entrypoint, not a bootstrap";
        }

        if (runtime is not { Length: > 0 })
        {
            return "no runtime: Lambda supplies no bootstrap to judge";
        }

        return runtimes.TryFind(runtime, out _) ? null : $"managed runtime {runtime}: Lambda supplies the bootstrap";
    }
}
