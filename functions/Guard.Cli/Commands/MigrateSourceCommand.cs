using System.Globalization;
using System.Text;
using Guard.Cli.Apps;
using Guard.Cli.Migration.Source;
using Guard.Cli.Packaging;
using Guard.Inspection.Rules;

namespace Guard.Cli.Commands;

/// <param name="Path">A template, serverless.yml, .tf file, CDK source file, build script, or a folder of them.</param>
internal sealed record SourceMigrateSettings(string Path, string Runtime, bool Apply);

/// <summary>
/// <c>guard migrate PATH</c>: the same move as for deployed functions, made in the source that deploys them. The
/// unified diff goes to standard output (so it can be saved and applied); what changed, what is left to do by hand
/// and what the built packages would do on the target runtime go to standard error.
/// </summary>
internal static class MigrateSourceCommand
{
    public static async Task<int> RunAsync(SourceMigrateSettings settings, TextWriter output, TextWriter error, CancellationToken cancellationToken)
    {
        SourceMigration run;
        try
        {
            run = SourceMigrator.Plan(settings.Path, new MigrationTarget(settings.Runtime));
        }
        catch (Exception e) when (e is IOException or FormatException or UnauthorizedAccessException or DecoderFallbackException)
        {
            await error.WriteLineAsync($"guard: {e.Message.ReplaceLineEndings(" ")}; nothing was changed").ConfigureAwait(false);
            return ExitCodes.UsageOrUnavailable;
        }

        var root = Directory.Exists(settings.Path) ? settings.Path : Path.GetDirectoryName(Path.GetFullPath(settings.Path))!;
        var changed = run.Files.Where(f => f.Changed).ToList();
        foreach (var file in changed)
        {
            await output.WriteAsync(UnifiedDiff.Write(Path.GetRelativePath(root, file.Path), file.Text, file.NewText())).ConfigureAwait(false);
        }

        var checks = await BuiltPackageCheck.RunAsync(run.Packages, settings.Runtime, cancellationToken).ConfigureAwait(false);
        var report = new StringBuilder();
        var inv = CultureInfo.InvariantCulture;
        var moves = settings.Runtime == "provided.al2023" ? "go1.x, provided or provided.al2" : "go1.x or provided";
        if (run.FunctionsMoved == 0 && run.Notes.Count == 0)
        {
            report.AppendLine(inv, $"guard: nothing to migrate in {settings.Path}: no function on {moves} found");
        }

        foreach (var note in run.Notes)
        {
            var where = $"{Path.GetRelativePath(root, note.File)}:{note.Line}";
            switch (note.Kind)
            {
                case NoteKind.Changed:
                    report.AppendLine(inv, $"CHANGE  {where}  {note.Text}");
                    break;
                case NoteKind.Info:
                    report.AppendLine(inv, $"NOTE    {where}  {note.Text}");
                    break;
                default:
                    report.AppendLine(inv, $"MANUAL  {where}  {note.Text}");
                    report.AppendLine(inv, $"        do: {note.Step}");
                    break;
            }
        }

        var breaks = false;
        foreach (var check in checks)
        {
            var shown = $"{Path.GetRelativePath(root, check.Package.Path)}{(check.Package.Binary is { } b && b != MigrationTarget.Bootstrap ? $" ({b} as bootstrap)" : "")}";
            var on = $"on {settings.Runtime} {check.Package.Architecture.ToApiName()}";
            if (check.Result is not { } result || result.Outcome == Outcome.NotChecked)
            {
                breaks = true;
                report.AppendLine(inv, $"UNCHECKED  {shown} for {check.Package.Function}: {check.Problem ?? check.Result?.Reason}");
                continue;
            }

            var warned = result.Findings.Any(f => !f.IsSuppressed && f.Finding.Severity == Severity.Warning);
            if (result.Outcome == Outcome.Broken)
            {
                breaks = true;
                report.AppendLine(inv, $"BREAKS  {shown} for {check.Package.Function} would not start {on}:");
            }
            else
            {
                report.AppendLine(inv, $"CHECKED  {shown} for {check.Package.Function} starts {on}{(warned ? ", with warnings:" : "")}");
            }

            PackageVerdict.AppendFindings(report, result, "        ");
        }

        var manual = run.Notes.Any(n => n.Kind == NoteKind.Manual);
        if (settings.Apply && changed.Count > 0)
        {
            if (breaks)
            {
                report.AppendLine("guard: nothing was written: a built package would not start on the new runtime (above); rebuild it, or choose --runtime, and run again");
            }
            else
            {
                foreach (var file in changed)
                {
                    file.WriteAtomically();
                    report.AppendLine(inv, $"WROTE  {Path.GetRelativePath(root, file.Path)}");
                }
            }
        }
        else if (changed.Count > 0)
        {
            report.AppendLine(inv, $"guard: nothing was written; run again with --apply to make these changes in {changed.Count} file{(changed.Count == 1 ? "" : "s")}");
        }

        await error.WriteAsync(report.ToString()).ConfigureAwait(false);
        return manual || breaks ? ExitCodes.Broken : ExitCodes.Ok;
    }
}
