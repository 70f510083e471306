using Guard.Testing;

namespace Guard.Cli.Tests;

public sealed class CliPermissionsTests
{
    [Fact]
    public void Docs_PermissionsTable_ListsExactlyCliPermissions()
    {
        var page = File.ReadAllLines(Path.Combine(Checkout.Root, "docs", "cli.md"));
        var start = Array.IndexOf(page, "## Permissions");
        Assert.True(start >= 0, "docs/cli.md has no '## Permissions' section");
        var rows = page.Skip(start + 1)
            .TakeWhile(line => !line.StartsWith("## ", StringComparison.Ordinal))
            .Where(line => line.StartsWith("| ", StringComparison.Ordinal) && !line.StartsWith("| command", StringComparison.Ordinal))
            .Select(line => line.Split('|', StringSplitOptions.TrimEntries))
            .Select(cells => (Command: cells[1], Action: cells[2].Trim('`'), When: cells[3]))
            .ToList();

        var expected = CliPermissions.ByCommand.SelectMany(c => c.Value.Select(g => (Command: c.Key, g.Action, g.When))).ToList();
        Assert.Equal(expected, rows);
    }

    [Fact]
    public void ByCommand_EveryAction_IsOneGuardCalls()
    {
        var known = Guard.Aws.AwsActions.All.Concat(Guard.Aws.AwsActions.CliOnly).ToHashSet(StringComparer.Ordinal);

        Assert.All(CliPermissions.ByCommand.Values.SelectMany(g => g), grant => Assert.Contains(grant.Action, known));
    }
}
