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

            if (image.TryGetProperty("complete", out var complete) &&
                (complete.GetProperty("sources").GetArrayLength() == 0 || !complete.GetProperty("sources").EnumerateArray().All(id => sources.Contains(id.GetString()!))))
            {
                uncited.Add($"{image.GetProperty("runtime").GetString()} {image.GetProperty("architecture").GetString()} complete");
            }
        }

        Assert.True(uncited.Count == 0, $"entries without a listed source: {string.Join(", ", uncited)}");
    }

    [Fact]
    public void FindAbsent_OnACompleteImage_SettlesEverySonameItDoesNotList()
    {
        var complete = new RuntimeImage([LibStdCxx], [new AbsentLibrary("libcrypt.so.1", "libxcrypt-compat is not installed", "ship it")], "the package list is whole");
        var partial = new RuntimeImage([LibStdCxx], []);

        Assert.Null(complete.FindAbsent("libstdc++.so.6"));
        Assert.Equal("libxcrypt-compat is not installed", complete.FindAbsent("libcrypt.so.1")!.Why);
        Assert.Contains("the package list is whole", complete.FindAbsent("libfoo.so.1")!.Why, StringComparison.Ordinal);
        Assert.Null(partial.FindAbsent("libfoo.so.1"));
        Assert.Equal(LibStdCxx, complete.FindByPath("/lib64/libstdc++.so.6") ?? complete.FindByPath("/usr/lib64/libstdc++.so.6"));
    }

    [Fact]
    public void Default_Al2023sImagesAreCompleteForBothArchitecturesAndAl2sAreNot()
    {
        // AWS lists the AL2023 minimal image's whole package set; no source lists the provided.al2 image's today.
        foreach (var architecture in new[] { Architecture.X8664, Architecture.Arm64 })
        {
            var al2023 = RuntimeCatalog.Default.Find("provided.al2023").ImageFor(architecture);
            Assert.True(al2023.IsComplete);
            Assert.NotNull(al2023.FindAbsent("libssl.so.1.1"));
            Assert.NotNull(al2023.FindAbsent("libicuuc.so.72"));
            Assert.Null(al2023.FindAbsent("libunistring.so.2"));
            Assert.False(RuntimeCatalog.Default.Find("provided.al2").ImageFor(architecture).IsComplete);
            Assert.Null(RuntimeCatalog.Default.Find("provided.al2").ImageFor(architecture).FindAbsent("libfoo.so.1"));
        }
    }
}
