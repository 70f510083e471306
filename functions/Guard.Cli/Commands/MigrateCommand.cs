using System.CommandLine;
using System.Globalization;
using Guard.Aws.Http;
using Guard.Aws.Lambda;
using Guard.Cli.Migration;
using Guard.Cli.Scanning;
using Guard.Inspection.Reading;
using Guard.Inspection.Reporting;
using Guard.Inspection.Rules;

namespace Guard.Cli.Commands;

/// <summary><c>guard migrate</c>: moves go1.x (and provided, provided.al2) functions to a custom runtime with a bootstrap.</summary>
internal static class MigrateCommand
{
    public static Command Create(TextWriter output, TextWriter error)
    {
        var functions = new Argument<string[]>("FUNCTION")
        {
            Description = "Function names or ARNs.",
            Arity = ArgumentArity.OneOrMore,
        };
        var runtime = new Option<string>("--runtime")
        {
            Description = "The runtime to move to.",
            DefaultValueFactory = _ => "provided.al2023",
        };
        runtime.AcceptOnlyFromAmong("provided.al2023", "provided.al2");
        var architecture = new Option<string>("--architecture", "--arch")
        {
            Description = "keep the function's architecture, or move it to arm64 or x86_64 (the binary must match; Guard checks).",
            DefaultValueFactory = _ => "keep",
        };
        architecture.Validators.Add(result =>
        {
            var value = result.GetValueOrDefault<string>();
            if (value != "keep" && !ArchitectureNames.TryParse(value, out _))
            {
                result.AddError($"--architecture must be keep, arm64 or x86_64, not '{value}'");
            }
        });
        var apply = new Option<bool>("--apply") { Description = "Make the change. Without it, only the plan is printed and nothing is changed." };
        var stageBucket = new Option<string?>("--stage-bucket")
        {
            Description = "S3 bucket (in the function's region) where the original and the new package are staged; required with --apply.",
        };
        var region = new Option<string?>("--region") { Description = "The functions' region. Default: AWS_REGION / AWS_DEFAULT_REGION." };

        var command = new Command(
            "migrate",
            "Repackage a go1.x function's binary as bootstrap and move the function to provided.al2023. Prints the plan unless --apply. " +
            "Exit 0 when every function is ready (or migrated), 1 when one cannot move or failed (and was put back), 2 on a usage, credentials or download error.")
        {
            functions, runtime, architecture, apply, stageBucket, region,
        };
        command.SetAction(async (parse, cancellationToken) =>
        {
            var arch = parse.GetValue(architecture);
            var settings = new MigrateSettings(
                parse.GetValue(functions) ?? [],
                parse.GetValue(runtime)!,
                arch != "keep" && ArchitectureNames.TryParse(arch, out var parsed) ? parsed : null,
                parse.GetValue(apply),
                parse.GetValue(stageBucket),
                parse.GetValue(region));
            using var connection = AwsConnection.FromProcess();
            return await RunAsync(settings, connection, output, error, UpdateWait.Default, null, TimeProvider.System, cancellationToken).ConfigureAwait(false);
        });
        return command;
    }

    /// <param name="codeUpdater">Tests replace the code update; null builds the real one.</param>
    internal static async Task<int> RunAsync(
        MigrateSettings settings,
        AwsConnection connection,
        TextWriter output,
        TextWriter error,
        UpdateWait wait,
        IFunctionCodeUpdater? codeUpdater,
        TimeProvider time,
        CancellationToken cancellationToken)
    {
        if (settings.Apply && string.IsNullOrWhiteSpace(settings.StageBucket))
        {
            await error.WriteLineAsync("guard: --apply needs --stage-bucket BUCKET: the original and the new package are staged there (the original for a rollback)").ConfigureAwait(false);
            return ExitCodes.UsageOrUnavailable;
        }

        var region = settings.Region ?? connection.DefaultRegion;
        var exit = ExitCodes.Ok;
        try
        {
            var lambda = connection.Lambda(region);
            var environment = connection.EnvironmentFor(region);
            var updater = codeUpdater ?? new LambdaCodeUpdater(lambda);
            var migrator = new FunctionMigrator(
                lambda, updater, () => connection.S3(region), connection.Functions(region), connection.Packages, wait, time,
                line => output.WriteLine("  " + line));

            foreach (var function in settings.Functions)
            {
                var result = await MigrateOneAsync(migrator, function, settings, output, error, cancellationToken).ConfigureAwait(false);
                exit = Math.Max(exit, result);
            }
        }
        catch (CredentialsUnavailableException e)
        {
            await error.WriteLineAsync($"guard: {e.Message}").ConfigureAwait(false);
            return ExitCodes.UsageOrUnavailable;
        }

        return exit;
    }

    private static async Task<int> MigrateOneAsync(
        FunctionMigrator migrator, string function, MigrateSettings settings, TextWriter output, TextWriter error, CancellationToken cancellationToken)
    {
        MigrationPlan plan;
        try
        {
            plan = await migrator.PlanAsync(function, settings.Runtime, settings.Architecture, cancellationToken).ConfigureAwait(false);
        }
        catch (MigrationRefusedException e)
        {
            await output.WriteLineAsync($"CANNOT MIGRATE  {function}: {e.Message}").ConfigureAwait(false);
            return ExitCodes.Broken;
        }
        catch (Exception e) when (e is AwsServiceException or PackageUnavailableException)
        {
            await error.WriteLineAsync($"guard: {function}: {e.Message.ReplaceLineEndings(" ")}").ConfigureAwait(false);
            return ExitCodes.UsageOrUnavailable;
        }

        using (plan)
        {
            if (!plan.CanMigrate)
            {
                await output.WriteAsync(Refusal(plan)).ConfigureAwait(false);
                return ExitCodes.Broken;
            }

            await output.WriteAsync(Describe(plan, settings)).ConfigureAwait(false);
            if (!settings.Apply)
            {
                return ExitCodes.Ok;
            }

            await output.WriteLineAsync($"APPLYING  {plan.FunctionName}").ConfigureAwait(false);
            var result = await migrator.ApplyAsync(plan, settings.StageBucket!, cancellationToken).ConfigureAwait(false);
            var line = result switch
            {
                MigrationResult.Migrated => $"MIGRATED  {plan.FunctionName}: {plan.Original.Runtime} -> {plan.TargetRuntime}, Handler bootstrap, {plan.TargetArchitecture.ToApiName()}",
                MigrationResult.RolledBack => $"FAILED  {plan.FunctionName}: put back as it was ({plan.Original.Runtime}, Handler {plan.Original.Handler}, original code)",
                MigrationResult.FailedUnchanged => $"FAILED  {plan.FunctionName}: nothing was changed",
                _ => $"FAILED  {plan.FunctionName}: ROLLBACK INCOMPLETE, see the lines above; the original package is staged in s3://{settings.StageBucket}/guard-migrate/{plan.FunctionName}/",
            };
            await output.WriteLineAsync(line).ConfigureAwait(false);
            return result == MigrationResult.Migrated ? ExitCodes.Ok : ExitCodes.Broken;
        }
    }

    private static string Describe(MigrationPlan plan, MigrateSettings settings)
    {
        var original = plan.Original;
        var package = plan.Package;
        var text = new System.Text.StringBuilder();
        var inv = CultureInfo.InvariantCulture;
        text.AppendLine(inv, $"PLAN  {plan.FunctionName}");
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

        var bucket = settings.StageBucket ?? "BUCKET";
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
        text.AppendLine(settings.Apply ? "  steps:" : "  steps with --apply:");
        for (var i = 0; i < steps.Count; i++)
        {
            text.AppendLine(inv, $"    {i + 1}. {steps[i]}");
        }

        if (!settings.Apply)
        {
            text.AppendLine(inv, $"  nothing changed; run again with --apply --stage-bucket {bucket} to migrate");
        }

        return text.ToString();
    }

    private static string Refusal(MigrationPlan plan)
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

internal sealed record MigrateSettings(
    IReadOnlyList<string> Functions, string Runtime, Architecture? Architecture, bool Apply, string? StageBucket, string? Region);
