using System.Xml.Linq;
using Guard.Testing;

namespace Guard.Function.Tests.EndToEnd;

/// <summary>
/// What the Lambda's project pulls in, read from the project files: fails at once, without the AOT publish that
/// <see cref="BootstrapProcessTests"/> checks the image of.
/// </summary>
public sealed class FunctionDependenciesTests
{
    [Fact]
    public void GuardFunction_ProjectGraph_ReferencesNoAwsSdkPackage()
    {
        var packages = PackagesReachedFrom(Path.Combine(Checkout.Root, "functions", "Guard.Function", "Guard.Function.csproj"));

        Assert.Contains("Polly.Core", packages);
        Assert.DoesNotContain(packages, p => p.StartsWith("AWSSDK.", StringComparison.OrdinalIgnoreCase));
    }

    /// <summary>The PackageReferences of <paramref name="project"/> and of every project it references, transitively.</summary>
    private static HashSet<string> PackagesReachedFrom(string project)
    {
        var packages = new HashSet<string>(StringComparer.OrdinalIgnoreCase);
        var seen = new HashSet<string>(StringComparer.Ordinal);
        var pending = new Stack<string>([Path.GetFullPath(project)]);
        while (pending.TryPop(out var path))
        {
            if (!seen.Add(path))
            {
                continue;
            }

            var document = XDocument.Load(path);
            packages.UnionWith(document.Descendants("PackageReference").Select(r => (string?)r.Attribute("Include")).OfType<string>());
            foreach (var reference in document.Descendants("ProjectReference").Select(r => (string?)r.Attribute("Include")).OfType<string>())
            {
                pending.Push(Path.GetFullPath(Path.Combine(Path.GetDirectoryName(path)!, reference.Replace('\\', '/'))));
            }
        }

        return packages;
    }
}
