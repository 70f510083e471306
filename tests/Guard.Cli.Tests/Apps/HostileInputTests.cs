using System.Diagnostics;
using System.Text;
using Guard.Cli.Tests.Support;
using Guard.Testing;

namespace Guard.Cli.Tests.Apps;

/// <summary>
/// Inputs made to hang or exhaust <c>guard check</c>, through the real process: each must end with exit 0, 1 or 2 and
/// its reason on one line, no stack trace, in well under 30 s, and within a 512 MiB heap (the GC's hard limit is set
/// to it, so a run that grows past it dies instead of passing). The time bound is a hang guard, not a measurement.
/// </summary>
public sealed class HostileInputTests : IDisposable
{
    private static readonly TimeSpan HangGuard = TimeSpan.FromSeconds(30);

    private static readonly Dictionary<string, string> HalfAGibibyteHeap = new() { ["DOTNET_GCHeapHardLimit"] = "0x20000000" };

    private readonly Scratch _scratch = new();

    public void Dispose() => _scratch.Dispose();

    private const string FunctionHeader = """
        Resources:
          Fn:
            Type: AWS::Serverless::Function
            Properties:
              Runtime: provided.al2023
              Handler: bootstrap

        """;

    [Fact]
    public async Task Check_OnAYamlAliasBomb_ExitsTwoNamingTheAliases()
    {
        // Billion laughs: ten aliases a level, nine levels, anchored in Metadata and used by an evaluated property.
        var yaml = new StringBuilder("Resources:\n  Fn:\n    Type: AWS::Serverless::Function\n    Metadata:\n");
        yaml.Append("      L0: &l0 [lol, lol, lol, lol, lol, lol, lol, lol, lol, lol]\n");
        for (var level = 1; level <= 9; level++)
        {
            yaml.Append($"      L{level}: &l{level} [{string.Join(", ", Enumerable.Repeat($"*l{level - 1}", 10))}]\n");
        }

        yaml.Append("    Properties:\n      Runtime: provided.al2023\n      CodeUri: !Join [',', *l9]\n");
        var template = _scratch.Write("bomb/template.yaml", yaml.ToString());

        var line = (await RunHostileAsync("check", template)).AssertOneLineFailure();

        Assert.StartsWith($"guard: {template}:", line, StringComparison.Ordinal);
        Assert.Contains("aliases expand to more than", line, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Check_OnAJoinBomb_ExitsTwoNamingTheJoin()
    {
        // Few aliases (well within the reader's budget), but each level's !Join is ten times the last: 100 K characters,
        // 1 M, 10 M, then 1 G at J4 (2 GB, more than a .NET string holds).
        var yaml = new StringBuilder(FunctionHeader);
        yaml.Append("      Tags:\n");
        yaml.Append($"        J0: &j0 {new string('x', 100_000)}\n");
        for (var level = 1; level <= 4; level++)
        {
            yaml.Append($"        J{level}: &j{level} !Join ['', [{string.Join(", ", Enumerable.Repeat($"*j{level - 1}", 10))}]]\n");
        }

        yaml.Append("      CodeUri: *j4\n");
        var template = _scratch.Write("join/template.yaml", yaml.ToString());

        var line = (await RunHostileAsync("check", template)).AssertOneLineFailure();

        Assert.StartsWith($"guard: {template}:", line, StringComparison.Ordinal);
        Assert.Contains("!Join", line, StringComparison.Ordinal);
        Assert.Contains("characters", line, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Check_OnAChainOfTwelveAndConditionLevels_JudgesTheFunction()
    {
        // Valid CloudFormation: each condition is !And over ten uses of the one before; evaluated naively, 10¹² calls.
        var yaml = new StringBuilder("Conditions:\n  C0: !Equals [a, a]\n");
        for (var level = 1; level <= 12; level++)
        {
            yaml.Append($"  C{level}: !And [{string.Join(", ", Enumerable.Repeat($"!Condition C{level - 1}", 10))}]\n");
        }

        yaml.Append(FunctionHeader.Replace("    Properties:", "    Condition: C12\n    Properties:", StringComparison.Ordinal));
        yaml.Append("      Architectures: [arm64]\n      CodeUri: app/\n");
        _scratch.Write("conditions/app/bootstrap", TestApps.Arm64, Scratch.Executable);
        var template = _scratch.Write("conditions/template.yaml", yaml.ToString());

        var run = await RunHostileAsync("check", template, "--format", "json");

        Assert.True(run.ExitCode == 0, $"exit {run.ExitCode}: {run.Error}{run.Output}");
        using var json = System.Text.Json.JsonDocument.Parse(run.Output);
        var function = Assert.Single(json.RootElement.GetProperty("functions").EnumerateArray());
        Assert.Equal(("Fn", "ok"), (function.GetProperty("logicalId").GetString(), function.GetProperty("verdict").GetString()));
    }

    [Fact]
    public async Task Check_OnAFlowSequenceFortyThousandDeep_ExitsTwoNamingTheDepth()
    {
        var template = _scratch.Write("deep/template.yaml", "Resources: " + new string('[', 40_000) + new string(']', 40_000) + "\n");

        var line = (await RunHostileAsync("check", template)).AssertOneLineFailure();

        Assert.StartsWith($"guard: {template}:1:", line, StringComparison.Ordinal);
        Assert.Contains("nested more than 256 deep", line, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("template.yaml")]
    [InlineData("template.json")]
    public async Task Check_OnATemplateOfFiveMillionValuesOnOneLine_ExitsTwoAtTheValueCap(string name)
    {
        // Just under the 10 MB cap, minified to one line: five million values (and one line, where JSON's column
        // counting was quadratic: ten minutes).
        var values = string.Join(',', Enumerable.Repeat("1", 5_000_000));
        var template = _scratch.Write($"dense/{name}", name.EndsWith(".json", StringComparison.Ordinal)
            ? $$$"""{"Resources": {"X": [{{{values}}}]}}"""
            : $"Resources: {{X: [{values}]}}\n");

        var line = (await RunHostileAsync("check", template)).AssertOneLineFailure();

        Assert.StartsWith($"guard: {template}:1:", line, StringComparison.Ordinal);
        Assert.Contains("more than 1,000,000 values", line, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Check_OnATemplateThatIsDevZero_ExitsTwoWithoutReadingIt()
    {
        var template = _scratch.Symlink("zero/template.yaml", "/dev/zero");

        var line = (await RunHostileAsync("check", template)).AssertOneLineFailure();

        Assert.Contains("is a character device, not a template file", line, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Check_OnDevZeroAsAPackage_ExitsTwoWithoutReadingIt()
    {
        var line = (await RunHostileAsync("check", "/dev/zero")).AssertOneLineFailure();

        Assert.Contains("/dev/zero is a character device, not a zip file", line, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Check_OnATemplateLargerThanTheCap_ExitsTwoWithoutReadingIt()
    {
        // Sparse: 1 GiB long, nothing on disk. Read, it is a gigabyte of zeros (under the 2 GB that File.ReadAllBytes
        // refuses by itself), parsed as YAML.
        var template = _scratch.PathOf("huge/template.yaml");
        Directory.CreateDirectory(Path.GetDirectoryName(template)!);
        using (var file = File.Create(template))
        {
            file.SetLength(1L << 30);
        }

        var line = (await RunHostileAsync("check", template)).AssertOneLineFailure();

        Assert.Contains("1,073,741,824 bytes, more than Guard reads as a template", line, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Check_OnATerraformPlanLargerThanTheCap_ExitsTwoWithoutReadingIt()
    {
        // Starts as terraform show -json output does, then 1 GiB of nothing on disk (sparse).
        var plan = _scratch.Write("huge/plan.json", "{\"format_version\":\"1.2\",\"terraform_version\":\"1.11.4\",\"resource_changes\":[");
        using (var file = File.OpenWrite(plan))
        {
            file.SetLength(1L << 30);
        }

        var line = (await RunHostileAsync("check", plan)).AssertOneLineFailure();

        Assert.Contains($"{plan}:0:0: is 1,073,741,824 bytes, more than Guard reads as a Terraform plan", line, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Check_OnAFifoAsTheZip_ExitsTwoAtOnce()
    {
        var zip = MakeFifo("fifo/function.zip");

        var line = (await RunHostileAsync("check", zip)).AssertOneLineFailure();

        Assert.Contains($"{zip} is a FIFO (named pipe), not a zip file", line, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Check_OnAFifoAsTheTemplate_ExitsTwoAtOnce()
    {
        var template = MakeFifo("fifo/template.yaml");

        var line = (await RunHostileAsync("check", template)).AssertOneLineFailure();

        Assert.Contains($"{template}:0:0: is a FIFO (named pipe), not a template file", line, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Check_OnACdkAssemblyWhoseManifestIsAFifo_ExitsTwoNamingTheManifest()
    {
        var assembly = AppFolders.WriteCdkOut(_scratch);
        File.Delete(Path.Combine(assembly, "manifest.json"));
        var manifest = MakeFifo("cdk.out/manifest.json");

        var line = (await RunHostileAsync("check", assembly)).AssertOneLineFailure();

        Assert.Contains($"{manifest}:0:0: is a FIFO (named pipe)", line, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Check_OnACdkAssetThatIsAFifo_ReportsThatFunctionNotCheckedAndJudgesTheOthers()
    {
        var assembly = AppFolders.WriteCdkOut(_scratch);
        File.Delete(Path.Combine(assembly, AppFolders.BillingAsset));
        MakeFifo($"cdk.out/{AppFolders.BillingAsset}");

        var run = await RunHostileAsync("check", assembly, "--format", "json");

        Assert.True(run.ExitCode is 1 or 2, $"exit {run.ExitCode}: {run.Error}");
        Assert.DoesNotContain("   at ", run.Output + run.Error, StringComparison.Ordinal);
        using var json = System.Text.Json.JsonDocument.Parse(run.Output);
        var functions = json.RootElement.GetProperty("functions").EnumerateArray().ToDictionary(f => f.GetProperty("logicalId").GetString()!, f => f.Clone());
        var billing = functions.Single(f => f.Key.StartsWith("BillingFunction", StringComparison.Ordinal)).Value;
        Assert.Equal("unchecked", billing.GetProperty("verdict").GetString());
        Assert.Contains("is a FIFO (named pipe), not a zip file", billing.GetProperty("reason").GetString(), StringComparison.Ordinal);
        Assert.Contains(functions, f => f.Key.StartsWith("OrdersFunction", StringComparison.Ordinal) && f.Value.GetProperty("verdict").GetString() == "ok");
    }

    /// <summary>Runs guard under a 512 MiB heap and fails the test when it takes longer than the hang guard.</summary>
    private static async Task<GuardRun> RunHostileAsync(params string[] args)
    {
        var clock = Stopwatch.StartNew();
        var run = await GuardProcess.RunAsync(HalfAGibibyteHeap, args);
        Assert.True(clock.Elapsed < HangGuard, $"guard {string.Join(' ', args)} took {clock.Elapsed.TotalSeconds:0.0} s");
        Assert.True(run.ExitCode is 0 or 1 or 2, $"exit {run.ExitCode} (killed, or out of memory): {run.Error}");
        return run;
    }

    /// <summary>A FIFO nobody writes to: opening it for reading blocks forever (GuardProcess kills a run that hangs).</summary>
    private string MakeFifo(string relative)
    {
        var path = _scratch.PathOf(relative);
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        ExternalProcess.MakeFifo(path);
        return path;
    }
}
