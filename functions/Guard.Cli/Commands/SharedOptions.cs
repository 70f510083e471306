using System.CommandLine;
using Guard.Inspection.Rules;

namespace Guard.Cli.Commands;

/// <summary>
/// The options more than one command takes, declared once so that <c>--architecture</c>, <c>--format</c> or
/// <c>--region</c> read, default and fail alike everywhere. Each call makes a new option: System.CommandLine gives an
/// option one parent command.
/// </summary>
internal static class SharedOptions
{
    public const string Text = "text";
    public const string Json = "json";
    public const string Sarif = "sarif";

    /// <summary>The architecture a function runs on; with <paramref name="keep"/>, also the word that leaves it as it is.</summary>
    public static Option<string> Architecture(string description, string? keep = null)
    {
        var option = new Option<string>("--architecture", "--arch")
        {
            Description = description,
            DefaultValueFactory = _ => keep ?? ArchitectureNames.X8664,
        };
        option.Validators.Add(result =>
        {
            var value = result.GetValueOrDefault<string>();
            if (value != keep && !ArchitectureNames.TryParse(value, out _))
            {
                result.AddError(keep is null
                    ? $"--architecture must be x86_64 or arm64, not '{value}'"
                    : $"--architecture must be {keep}, arm64 or x86_64, not '{value}'");
            }
        });
        return option;
    }

    /// <summary>The value of an <see cref="Architecture"/> option, or null for the "keep" word.</summary>
    public static Architecture? ArchitectureOf(string? value) =>
        ArchitectureNames.TryParse(value, out var parsed) ? parsed : null;

    public static Option<string> Runtime(string description, IEnumerable<string> accepted)
    {
        var option = new Option<string>("--runtime")
        {
            Description = description,
            DefaultValueFactory = _ => "provided.al2023",
        };
        option.AcceptOnlyFromAmong([.. accepted]);
        return option;
    }

    /// <summary>text, json or sarif: the report every command that judges packages can write.</summary>
    public static Option<string> Format(string description)
    {
        var option = new Option<string>("--format")
        {
            Description = description,
            DefaultValueFactory = _ => Text,
        };
        option.AcceptOnlyFromAmong(Text, Json, Sarif);
        return option;
    }

    public static Option<FileInfo?> Output() => new("--output", "-o")
    {
        Description = "Write the report to this file instead of standard output (the exit code is unchanged).",
    };

    public static Option<int> Timeout(string description, int defaultSeconds)
    {
        var option = new Option<int>("--timeout")
        {
            Description = description,
            DefaultValueFactory = _ => defaultSeconds,
        };
        option.Validators.Add(result =>
        {
            if (result.GetValueOrDefault<int>() <= 0)
            {
                result.AddError("--timeout must be a positive number of seconds");
            }
        });
        return option;
    }

    /// <summary>One region, for commands that act on named functions.</summary>
    public static Option<string?> Region(string description) => new("--region") { Description = description };

    /// <summary>Several regions (repeat the flag), for commands that sweep.</summary>
    public static Option<string[]> Regions(string description) => new("--region") { Description = description };
}
