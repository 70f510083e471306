using Guard.Cli.Apps.Templates;

namespace Guard.Cli.Tests.Apps;

/// <summary>YAML short forms, YAML long forms and JSON read into the same tree.</summary>
public sealed class TemplateReaderTests
{
    public static TheoryData<string, string> ShortForms => new()
    {
        { "!Ref Name", """{"Ref": "Name"}""" },
        { "!Sub 'a-${Name}'", """{"Fn::Sub": "a-${Name}"}""" },
        { "!GetAtt Role.Arn", """{"Fn::GetAtt": ["Role", "Arn"]}""" },
        { "!If [IsProd, a, b]", """{"Fn::If": ["IsProd", "a", "b"]}""" },
        { "!Join [',', [a, b]]", """{"Fn::Join": [",", ["a", "b"]]}""" },
        { "!FindInMap [Map, k1, k2]", """{"Fn::FindInMap": ["Map", "k1", "k2"]}""" },
        { "!Select [0, [a, b]]", """{"Fn::Select": ["0", ["a", "b"]]}""" },
        { "!Split [',', 'a,b']", """{"Fn::Split": [",", "a,b"]}""" },
        { "!ImportValue shared-runtime", """{"Fn::ImportValue": "shared-runtime"}""" },
        { "!Base64 text", """{"Fn::Base64": "text"}""" },
        { "!Equals [a, b]", """{"Fn::Equals": ["a", "b"]}""" },
        { "!Not [!Condition IsProd]", """{"Fn::Not": [{"Condition": "IsProd"}]}""" },
        { "!And [!Condition A, !Condition B]", """{"Fn::And": [{"Condition": "A"}, {"Condition": "B"}]}""" },
        { "!Or [!Condition A, !Condition B]", """{"Fn::Or": [{"Condition": "A"}, {"Condition": "B"}]}""" },
        { "!Condition IsProd", """{"Condition": "IsProd"}""" },
        { "!GetAZs ''", """{"Fn::GetAZs": ""}""" },
        { "!Cidr [10.0.0.0/16, 4, 8]", """{"Fn::Cidr": ["10.0.0.0/16", "4", "8"]}""" },
    };

    [Theory]
    [MemberData(nameof(ShortForms))]
    public void Read_ShortFormYamlAndLongFormJson_GiveTheSameTree(string yaml, string json)
    {
        var fromYaml = YamlTemplateReader.Read("t.yaml", $"Value: {yaml}\n");
        var fromJson = JsonTemplateReader.Read("t.json", System.Text.Encoding.UTF8.GetBytes($$"""{"Value": {{json}}}"""));
        var fromLongYaml = YamlTemplateReader.Read("t.yaml", $"Value: {json}\n");

        Assert.Equal(Shape(fromJson), Shape(fromYaml));
        Assert.Equal(Shape(fromJson), Shape(fromLongYaml));
    }

    [Fact]
    public void Read_Yaml_KeepsTheLineOfEachKey()
    {
        var root = (MappingNode)YamlTemplateReader.Read("t.yaml", "Resources:\n\n  Fn:\n    Type: AWS::Serverless::Function\n");

        var fn = Assert.Single(((MappingNode)root["Resources"]!).Entries);
        Assert.Equal((3, 3), (fn.KeyLine, fn.KeyColumn));
    }

    [Fact]
    public void Read_YamlAnchorsAndAliases_AreResolved()
    {
        var root = (MappingNode)YamlTemplateReader.Read("t.yaml", "A: &rt provided.al2023\nB: *rt\n");

        Assert.Equal("provided.al2023", ((ScalarNode)root["B"]!).Value);
    }

    [Fact]
    public void Read_YamlNestedToTheLimit_IsRead_AndOneLevelDeeperIsRefused()
    {
        static string Nested(int depth) => "Value: " + new string('[', depth) + new string(']', depth) + "\n";

        YamlTemplateReader.Read("t.yaml", Nested(YamlTemplateReader.MaxDepth - 1));
        var error = Assert.Throws<TemplateFormatException>(() => YamlTemplateReader.Read("t.yaml", Nested(YamlTemplateReader.MaxDepth)));

        Assert.Contains($"nested more than {YamlTemplateReader.MaxDepth} deep", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Read_YamlAliasesWithinTheBudget_ShareTheAnchorsNode()
    {
        // Three levels of ten: 1,000 values from 30 aliases, as a generous real reuse might be.
        var root = (MappingNode)YamlTemplateReader.Read("t.yaml", """
            A: &a [x, x, x, x, x, x, x, x, x, x]
            B: &b [*a, *a, *a, *a, *a, *a, *a, *a, *a, *a]
            C: [*b, *b, *b, *b, *b, *b, *b, *b, *b, *b]
            """);

        var c = (SequenceNode)root["C"]!;
        Assert.Same(root["B"], c.Items[9]);
    }

    [Fact]
    public void Read_YamlAliasBomb_IsRefusedAtTheAliasThatCrossesTheBudget()
    {
        var yaml = new System.Text.StringBuilder("L0: &l0 [lol, lol, lol, lol, lol, lol, lol, lol, lol, lol]\n");
        for (var level = 1; level <= 9; level++)
        {
            yaml.Append($"L{level}: &l{level} [{string.Join(", ", Enumerable.Repeat($"*l{level - 1}", 10))}]\n");
        }

        var error = Assert.Throws<TemplateFormatException>(() => YamlTemplateReader.Read("t.yaml", yaml.ToString()));

        Assert.Equal(6, error.Line); // L1-L4 stand for some 123,000 values; the eighth *l4 of L5 crosses a million
        Assert.Contains("aliases expand to more than 1,000,000 values", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Read_MinifiedJson_KeepsTheColumnOfEachKey()
    {
        var root = (MappingNode)JsonTemplateReader.Read("t.json", System.Text.Encoding.UTF8.GetBytes("""{"A":{"B":"é","C":"y"},"D":1}"""));

        var a = (MappingNode)root["A"]!;
        Assert.Equal((1, 15), (a.Entries[1].KeyLine, a.Entries[1].KeyColumn));
        Assert.Equal((1, 24), (root.Entries[1].KeyLine, root.Entries[1].KeyColumn));
    }

    private static string Shape(TemplateNode node) => node switch
    {
        ScalarNode scalar => scalar.IsNull ? "null" : $"'{scalar.Value}'",
        SequenceNode sequence => "[" + string.Join(",", sequence.Items.Select(Shape)) + "]",
        MappingNode mapping => "{" + string.Join(",", mapping.Entries.Select(e => $"{e.Key}:{Shape(e.Value)}")) + "}",
        _ => "?",
    };
}
