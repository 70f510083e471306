using System.Globalization;
using System.Text;
using Guard.Cli.Apps;
using Guard.Cli.Packaging;
using Guard.Inspection.Rules;

namespace Guard.Cli.Migration.Source;

/// <summary>How <c>guard migrate PATH</c> shows a run: the unified diff, and the report of changes, manual steps and checks.</summary>
internal static class SourceMigrationText
{
    public static string Diff(SourceMigrationResult result) =>
        string.Concat(result.Changed.Select(file => UnifiedDiff.Write(Path.GetRelativePath(result.Root, file.Path), file.Text, file.NewText())));

    public static string Report(SourceMigrationResult result, SourceMigrateSettings settings)
    {
        var report = new StringBuilder();
        var inv = CultureInfo.InvariantCulture;
        var plan = result.Plan;
        if (plan.FunctionsMoved == 0 && plan.Notes.Count == 0)
        {
            var moves = settings.Runtime == "provided.al2023" ? "go1.x, provided or provided.al2" : "go1.x or provided";
            report.AppendLine(inv, $"guard: nothing to migrate in {settings.Path}: no function on {moves} found");
        }

        foreach (var note in plan.Notes)
        {
            var where = $"{Path.GetRelativePath(result.Root, note.File)}:{note.Line}";
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

        foreach (var check in result.Checks)
        {
            var shown = $"{Path.GetRelativePath(result.Root, check.Package.Path)}{(check.Package.Binary is { } b && b != MigrationTarget.Bootstrap ? $" ({b} as bootstrap)" : "")}";
            var on = $"on {settings.Runtime} {check.Package.Architecture.ToApiName()}";
            if (check.Result is not { } judged || judged.Outcome == Outcome.NotChecked)
            {
                report.AppendLine(inv, $"UNCHECKED  {shown} for {check.Package.Function}: {check.Problem ?? check.Result?.Reason}");
                continue;
            }

            var warned = judged.Findings.Any(f => !f.IsSuppressed && f.Finding.Severity == Severity.Warning);
            if (judged.Outcome == Outcome.Broken)
            {
                report.AppendLine(inv, $"BREAKS  {shown} for {check.Package.Function} would not start {on}:");
            }
            else
            {
                report.AppendLine(inv, $"CHECKED  {shown} for {check.Package.Function} starts {on}{(warned ? ", with warnings:" : "")}");
            }

            PackageVerdict.AppendFindings(report, judged, "        ");
        }

        var changed = result.Changed;
        if (result.Written)
        {
            foreach (var file in changed)
            {
                report.AppendLine(inv, $"WROTE  {Path.GetRelativePath(result.Root, file.Path)}");
            }
        }
        else if (settings.Apply && result.Breaks && changed.Count > 0)
        {
            report.AppendLine("guard: nothing was written: a built package would not start on the new runtime (above); rebuild it, or choose --runtime, and run again");
        }
        else if (changed.Count > 0)
        {
            report.AppendLine(inv, $"guard: nothing was written; run again with --apply to make these changes in {changed.Count} file{(changed.Count == 1 ? "" : "s")}");
        }

        return report.ToString();
    }
}
