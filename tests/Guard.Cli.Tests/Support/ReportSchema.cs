using System.Text;
using System.Text.Json;
using Json.Schema;

namespace Guard.Cli.Tests.Support;

/// <summary>
/// The published <c>schemas/guard-report.schema.json</c>. Every JSON report a CLI test reads goes through
/// <see cref="Parse"/>, so a field the writers gain, lose or rename fails the test that saw it.
/// </summary>
public static class ReportSchema
{
    private static readonly Lazy<JsonSchema> Schema = new(() =>
        JsonSchema.FromText(File.ReadAllText(Path.Combine(AppContext.BaseDirectory, "schemas", "guard-report.schema.json"))));

    /// <summary>What the schema says of <paramref name="json"/>: null when valid, else one line per failed keyword.</summary>
    public static string? Problems(string json)
    {
        using var document = JsonDocument.Parse(json);
        var results = Schema.Value.Evaluate(document.RootElement, new EvaluationOptions { OutputFormat = OutputFormat.List });
        if (results.IsValid)
        {
            return null;
        }

        var problems = new StringBuilder();
        foreach (var detail in (results.Details ?? []).Where(d => d.Errors is { Count: > 0 }))
        {
            foreach (var (keyword, message) in detail.Errors!)
            {
                problems.AppendLine($"{detail.InstanceLocation} ({detail.EvaluationPath}, {keyword}): {message}");
            }
        }

        return problems.Length > 0 ? problems.ToString() : "invalid, with no detail";
    }

    /// <summary>Parses a report after asserting that it matches the published schema.</summary>
    public static JsonDocument Parse(string json)
    {
        var problems = Problems(json);
        Assert.True(problems is null, $"the report does not match schemas/guard-report.schema.json:\n{problems}\n{json}");
        return JsonDocument.Parse(json);
    }
}

/// <summary>The check every runner of <c>guard</c> in these tests makes, so no JSON report escapes the schema.</summary>
public static class ReportSchemaGate
{
    /// <summary>
    /// When <paramref name="args"/> ran <c>guard check --format json</c>, asserts that what it wrote (standard output,
    /// or the <c>--output</c> file) matches the schema. Nothing written (a run that stopped with exit 2) is left to the test.
    /// </summary>
    public static void AssertReportMatches(IReadOnlyList<string> args, string output, string? workingDirectory = null)
    {
        var format = ValueOf(args, "--format");
        if (args.Count == 0 || args[0] != "check" || format != "json")
        {
            return;
        }

        var file = ValueOf(args, "--output");
        var report = file is null ? output : ReadIfWritten(workingDirectory is null ? file : Path.Combine(workingDirectory, file));
        if (string.IsNullOrWhiteSpace(report))
        {
            return;
        }

        ReportSchema.Parse(report).Dispose();
    }

    private static string? ReadIfWritten(string path) => File.Exists(path) ? File.ReadAllText(path) : null;

    private static string? ValueOf(IReadOnlyList<string> args, string option)
    {
        for (var i = 0; i < args.Count; i++)
        {
            if (args[i] == option && i + 1 < args.Count)
            {
                return args[i + 1];
            }

            if (args[i].StartsWith(option + "=", StringComparison.Ordinal))
            {
                return args[i][(option.Length + 1)..];
            }
        }

        return null;
    }
}
