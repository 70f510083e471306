namespace Guard.Deploy.Tests;

/// <summary>cfn-lint (the real one, from the machine image) passes template.yaml and every example without a finding.</summary>
public sealed class TemplateLintTests
{
    public static TheoryData<string> Templates =>
        new([
            Path.GetRelativePath(Repository.Root, Repository.TemplatePath),
            Path.GetRelativePath(Repository.Root, Repository.MemberTemplatePath),
            .. Repository.ExampleTemplates.Select(path => Path.GetRelativePath(Repository.Root, path))]);

    [Theory]
    [MemberData(nameof(Templates))]
    public async Task CfnLint_OnTemplate_ReportsNothing(string template)
    {
        var cfnLint = Repository.RequireTool("cfn-lint", "pip install cfn-lint (the machine image has it under ~/.pyenv/shims); this check never skips");

        var (exitCode, output, error) = await Repository.RunAsync(cfnLint, ["--", template], TimeSpan.FromMinutes(3));

        Assert.True(exitCode == 0, $"cfn-lint {template} exited {exitCode}:\n{output}{error}");
        Assert.Equal("", output.Trim());
    }

    [Fact]
    public void Examples_Exist()
    {
        var names = Repository.ExampleTemplates.Select(Path.GetFileName).ToArray();

        Assert.Contains("custom-resource-stack.yaml", names);
        Assert.Contains("hook-registration.yaml", names);
    }
}
