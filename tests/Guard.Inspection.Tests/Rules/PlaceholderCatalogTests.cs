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

    [Fact]
    public void Parse_TheEmbeddedCatalog_BuildsNoPatternBeforeItsFirstMatch()
    {
        // The linear engine builds its automaton up front: 21 MiB allocated and 12 MiB kept for the catalog's seven
        // patterns, in every Lambda that checks one ordinary deploy, where no pattern is ever matched.
        var json = EmbeddedCatalog();
        var before = GC.GetAllocatedBytesForCurrentThread();

        var catalog = PlaceholderCatalog.Parse(json);

        var allocated = GC.GetAllocatedBytesForCurrentThread() - before;
        Assert.All(catalog.Patterns, pattern => Assert.False(pattern.IsBuilt));
        Assert.True(allocated < 1024 * 1024, $"parsing the catalog allocated {allocated / 1024} KiB");
    }

    [Fact]
    public void Recognize_AFileLargerThanAStub_BuildsNoPattern()
    {
        var catalog = PlaceholderCatalog.Parse(EmbeddedCatalog());

        var tool = catalog.Recognize([("bootstrap", new byte[catalog.MaxFileBytes + 1])]);

        Assert.Null(tool);
        Assert.All(catalog.Patterns, pattern => Assert.False(pattern.IsBuilt));
    }

    [Fact]
    public void Recognize_AStubCandidate_BuildsThePatternsItMatchesAgainst()
    {
        var catalog = PlaceholderCatalog.Parse(EmbeddedCatalog());

        var tool = catalog.Recognize([("index.js", Encoding.UTF8.GetBytes("exports.handler = () => {};\n"))]);

        Assert.Equal("SST v3", tool);
        Assert.Contains(catalog.Patterns, pattern => pattern.IsBuilt);
    }

    [Fact]
    public void Default_EveryPattern_BuildsInTheLinearEngine()
    {
        // Parsing checks the syntax only; the linear engine refuses more (backreferences, lookarounds), so it is built here.
        Assert.All(PlaceholderCatalog.Default.Patterns, pattern => Assert.NotNull(pattern.Build()));
    }

    [Fact]
    public void Parse_APatternThatIsNoRegularExpression_Throws()
    {
        Assert.ThrowsAny<ArgumentException>(() => Catalog(name: "^(index\\.js$", content: null));
    }

    private static string EmbeddedCatalog()
    {
        using var stream = typeof(PlaceholderCatalog).Assembly.GetManifestResourceStream("Guard.Inspection.Rules.placeholders.json")!;
        using var reader = new StreamReader(stream);
        return reader.ReadToEnd();
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
