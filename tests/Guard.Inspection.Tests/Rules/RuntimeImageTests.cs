using System.Text.Json;
using Guard.Inspection.Rules;
using Guard.Testing;

namespace Guard.Inspection.Tests.Rules;

/// <summary>The image catalog's answers (present, absent, unknown) and the shipped images.json's own consistency.</summary>
public sealed class RuntimeImageTests
{
    private static readonly ImageLibrary LibStdCxx = new("libstdc++.so.6", "/usr/lib64/libstdc++.so.6", "libstdc++ 11",
        [new ImageLibraryVersions(null, "GLIBCXX_", new Version(3, 4, 29)), new ImageLibraryVersions("CXXABI_TM_1", null, null)]);

    [Theory]
    [InlineData("GLIBCXX_3.4", true)]
    [InlineData("GLIBCXX_3.4.9", true)]
    [InlineData("GLIBCXX_3.4.29", true)]
    [InlineData("GLIBCXX_3.4.30", false)]
    [InlineData("CXXABI_TM_1", true)]
    [InlineData("CXXABI_1.3.13", null)]
    [InlineData("GLIBCXX_DEBUG", null)]
    public void Provides_AnswersFromTheSeriesAndTheNamesOnly(string version, bool? expected) =>
        Assert.Equal(expected, LibStdCxx.Provides(version));

    [Fact]
    public void Default_EveryProvidedRuntimeAndArchitecture_HasACataloguedImage()
    {
        foreach (var name in new[] { "provided.al2023", "provided.al2" })
        {
            var runtime = RuntimeCatalog.Default.Find(name);
            foreach (var architecture in runtime.Architectures)
            {
                var image = runtime.ImageFor(architecture);
                Assert.True(image.IsCatalogued, $"{name} {architecture.ToApiName()} has no image in images.json");
                Assert.NotNull(image.Find("libc.so.6"));
            }
        }
    }

    [Fact]
    public void ImagesJson_EveryLibraryAndAbsenceCitesAListedSource()
    {
        using var document = JsonDocument.Parse(File.ReadAllText(Path.Combine(Checkout.Root, "functions", "Guard.Inspection", "Rules", "images.json")));
        var sources = document.RootElement.GetProperty("sources").EnumerateArray().Select(s => s.GetProperty("id").GetString()!).ToHashSet(StringComparer.Ordinal);
        var uncited = new List<string>();
        foreach (var image in document.RootElement.GetProperty("images").EnumerateArray())
        {
            var entries = image.GetProperty("libraries").EnumerateArray()
                .Concat(image.TryGetProperty("absent", out var absent) ? absent.EnumerateArray() : Enumerable.Empty<JsonElement>());
            foreach (var entry in entries)
            {
                var cited = entry.TryGetProperty("sources", out var ids) ? ids.EnumerateArray().Select(id => id.GetString()!).ToArray() : [];
                if (cited.Length == 0 || !cited.All(sources.Contains))
                {
                    uncited.Add($"{image.GetProperty("runtime").GetString()} {image.GetProperty("architecture").GetString()} {entry.GetProperty("soname").GetString()}");
                }
            }
        }

        Assert.True(uncited.Count == 0, $"entries without a listed source: {string.Join(", ", uncited)}");
    }
}
