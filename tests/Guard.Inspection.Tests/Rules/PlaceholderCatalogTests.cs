using System.Diagnostics;
using System.Text;
using Guard.Inspection.Rules;

namespace Guard.Inspection.Tests.Rules;

public sealed class PlaceholderCatalogTests
{
    /// <summary>
    /// (a|aa)+ against a run of a's ending in a mismatch takes a backtracking engine exponential time: 60 characters
    /// outlast any wall-clock limit on any machine, which is what a busy CPU did to ordinary names under the old 100 ms one.
    /// </summary>
    private const string Backtracking = "^(a|aa)+$";

    private static readonly string Hostile = new string('a', 60) + "!";

    [Fact]
    public void Recognize_WhenTheNamePatternWouldBacktrackForever_AnswersNoStubInsteadOfThrowing()
    {
        var catalog = Catalog(name: Backtracking, content: null);
        var clock = Stopwatch.StartNew();

        var tool = catalog.Recognize([(Hostile, Encoding.UTF8.GetBytes("exit 0"))]);

        Assert.Null(tool);
        Assert.True(clock.Elapsed < TimeSpan.FromSeconds(20), $"took {clock.Elapsed}: the match is not linear");
    }

    [Fact]
    public void Recognize_WhenTheContentPatternWouldBacktrackForever_AnswersNoStub()
    {
        var catalog = Catalog(name: "^index\\.js$", content: Backtracking);

        Assert.Null(catalog.Recognize([("index.js", Encoding.UTF8.GetBytes(Hostile))]));
    }

    [Fact]
    public void Recognize_WithTheLinearEngine_StillRecognizesTheStubsOfTheDefaultCatalog()
    {
        var sst = PlaceholderCatalog.Default.Recognize([("index.js", Encoding.UTF8.GetBytes("exports.handler = () => {};\n"))]);
        var bootstrap = PlaceholderCatalog.Default.Recognize([("bootstrap", Encoding.UTF8.GetBytes("#!/bin/sh\necho 'placeholder: deploy the real code'\n"))]);
        var realBootstrap = PlaceholderCatalog.Default.Recognize([("bootstrap", Encoding.UTF8.GetBytes("#!/bin/sh\n# placeholder\nexec ./server\n"))]);

        Assert.Equal("SST v3", sst);
        Assert.Equal("a placeholder bootstrap script", bootstrap);
        Assert.Null(realBootstrap);
    }

    private static PlaceholderCatalog Catalog(string name, string? content) => PlaceholderCatalog.Parse($$"""
        {
          "maxFiles": 3,
          "maxFileBytes": 1024,
          "stubs": [ { "tool": "hostile", "name": {{System.Text.Json.JsonSerializer.Serialize(name, CatalogJson.Default.String)}}, "content": {{(content is null ? "null" : System.Text.Json.JsonSerializer.Serialize(content, CatalogJson.Default.String))}} } ]
        }
        """);
}

[System.Text.Json.Serialization.JsonSerializable(typeof(string))]
internal sealed partial class CatalogJson : System.Text.Json.Serialization.JsonSerializerContext;
