namespace Guard.Cli.Migration.Source;

/// <param name="Path">A template, serverless.yml, .tf file, CDK source file, build script, or a folder of them.</param>
internal sealed record SourceMigrateSettings(string Path, string Runtime, bool Apply);

/// <summary>What one run did: the plan, the built packages judged, and whether the files were written.</summary>
/// <param name="Root">The folder paths are shown relative to (PATH, or the file's folder): the diff applies from there.</param>
internal sealed record SourceMigrationResult(string Root, SourceMigration Plan, IReadOnlyList<BuiltPackageResult> Checks, bool Written)
{
    public IReadOnlyList<SourceFile> Changed => [.. Plan.Files.Where(f => f.Changed)];

    /// <summary>A built package would not start on the target runtime, or could not be judged.</summary>
    public bool Breaks => Checks.Any(c => c.Result is not { Outcome: Apps.Outcome.Ok or Apps.Outcome.Placeholder });

    public int ExitCode => Plan.Notes.Any(n => n.Kind == NoteKind.Manual) || Breaks ? ExitCodes.Broken : ExitCodes.Ok;
}

/// <summary>
/// <c>guard migrate PATH</c>'s work: plan the edits, judge the packages already built on the target runtime, and
/// with --apply write the files — only when no built package would break there, so a migration never turns a
/// working deploy into one whose next build is known not to start.
/// </summary>
internal static class SourceMigrationService
{
    /// <exception cref="IOException">PATH, or a file it names, cannot be read.</exception>
    /// <exception cref="FormatException">A file named explicitly is not what its name says.</exception>
    public static async Task<SourceMigrationResult> RunAsync(SourceMigrateSettings settings, CancellationToken cancellationToken)
    {
        var plan = SourceMigrator.Plan(settings.Path, new MigrationTarget(settings.Runtime));
        var root = Directory.Exists(settings.Path) ? settings.Path : Path.GetDirectoryName(Path.GetFullPath(settings.Path))!;
        var checks = await BuiltPackageCheck.RunAsync(plan.Packages, settings.Runtime, cancellationToken).ConfigureAwait(false);
        var result = new SourceMigrationResult(root, plan, checks, Written: false);
        if (!settings.Apply || result.Breaks || result.Changed.Count == 0)
        {
            return result;
        }

        foreach (var file in result.Changed)
        {
            file.WriteAtomically();
        }

        return result with { Written = true };
    }
}
