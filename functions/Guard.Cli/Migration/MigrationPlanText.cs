using System.Globalization;
using Guard.Inspection.Reporting;
using Guard.Inspection.Rules;

namespace Guard.Cli.Migration;

/// <summary>How <c>guard migrate</c> shows a plan: the changes and steps it would make, or why it cannot move.</summary>
internal static class MigrationPlanText
{
    public static string Describe(MigrationPlan plan, string? stageBucket, bool apply)
    {
        var original = plan.Original;
        var package = plan.Package;
        var text = new System.Text.StringBuilder();
        var inv = CultureInfo.InvariantCulture;
        text.AppendLine(inv, $"PLAN  {plan.FunctionName}");
        if (plan.Owner is { } owner)
        {
            text.AppendLine(inv, $"  owner         {owner} (--force): its next deploy puts {original.Runtime} back unless its template moves too (guard migrate template.yaml)");
        }

        text.AppendLine(inv, $"  runtime       {original.Runtime} -> {plan.TargetRuntime}");
        text.AppendLine(inv, $"  handler       {original.Handler ?? "(none)"} -> bootstrap");
        text.AppendLine(inv, $"  architecture  {(plan.ChangesArchitecture ? $"{plan.OriginalArchitecture.ToApiName()} -> {plan.TargetArchitecture.ToApiName()}" : $"{plan.TargetArchitecture.ToApiName()} (kept)")}");
        var change = package.Renamed ? $"{package.BootstrapFrom} renamed to bootstrap (mode 0755)"
            : package.ModeFixed ? "bootstrap given mode 0755"
            : "bootstrap already at the root, executable";
        text.AppendLine(inv, $"  package       {change}; {package.KeptEntries} other entries kept; {TextReportWriter.Bytes(package.Size)}, sha256 {package.Sha256}");
        var bootstrap = plan.Check.Bootstrap;
        var facts = bootstrap is null ? "" : $": {bootstrap.Kind} {bootstrap.Machine} {bootstrap.Linkage}".TrimEnd();
        text.AppendLine(inv, $"  check         {plan.Check.Verdict.ToString().ToUpperInvariant()} on {plan.TargetRuntime} {plan.TargetArchitecture.ToApiName()}{facts}");
        foreach (var finding in plan.Check.Findings.Where(f => f.Severity != Severity.Info))
        {
            text.AppendLine(inv, $"                {finding.Severity.ToString().ToLowerInvariant()} {finding.Code}: {finding.Message}");
        }

        var bucket = stageBucket ?? "BUCKET";
        var steps = new List<string> { $"upload the original package to s3://{bucket}/guard-migrate/{plan.FunctionName}/ (the way back)" };
        if (plan.ChangesCode)
        {
            steps.Add($"upload the new package to s3://{bucket}/guard-migrate/{plan.FunctionName}/");
        }

        var code = $"UpdateFunctionCode from the new package{(plan.ChangesArchitecture ? $" with Architectures [{plan.TargetArchitecture.ToApiName()}]" : "")}, wait until Successful";
        var configuration = $"UpdateFunctionConfiguration Runtime={plan.TargetRuntime} Handler=bootstrap, wait until Successful";
        if (plan.ConfigurationFirst)
        {
            steps.Add(configuration + $" (first: Lambda blocks code updates on {original.Runtime} since {plan.SourceUpdateBlocked:yyyy-MM-dd})");
            if (plan.ChangesCode)
            {
                steps.Add(code);
            }
        }
        else
        {
            if (plan.ChangesCode)
            {
                steps.Add(code);
            }

            steps.Add(configuration);
        }

        steps.Add("verify: GetFunction reads the new runtime, handler and CodeSha256, and the new code passes the check; otherwise put everything back");
        text.AppendLine(apply ? "  steps:" : "  steps with --apply:");
        for (var i = 0; i < steps.Count; i++)
        {
            text.AppendLine(inv, $"    {i + 1}. {steps[i]}");
        }

        if (!apply)
        {
            text.AppendLine(inv, $"  nothing changed; run again with --apply --stage-bucket {bucket} to migrate");
        }

        return text.ToString();
    }

    public static string Refusal(MigrationPlan plan)
    {
        var text = new System.Text.StringBuilder();
        var inv = CultureInfo.InvariantCulture;
        text.AppendLine(inv, $"CANNOT MIGRATE  {plan.FunctionName}: {plan.Package.BootstrapFrom} would not start on {plan.TargetRuntime} {plan.TargetArchitecture.ToApiName()}; nothing changed");
        foreach (var finding in plan.Check.Findings.Where(f => f.Severity == Severity.Error))
        {
            FindingText.AppendBlock(text, finding);
        }

        var goArch = plan.TargetArchitecture == Architecture.Arm64 ? "arm64" : "amd64";
        text.AppendLine(inv, $"  rebuild: GOOS=linux GOARCH={goArch} CGO_ENABLED=0 go build -tags lambda.norpc -o bootstrap . && zip function.zip bootstrap");
        return text.ToString();
    }
}
