using System.CommandLine;
using System.Globalization;
using Guard.Aws.Http;
using Guard.Aws.Lambda;
using Guard.Cli.Migration;
using Guard.Cli.Migration.Source;
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
            Description = "Function names or ARNs; or one PATH: a SAM/CloudFormation template, serverless.yml, Terraform, CDK app source, or a folder of them (edited in place with --apply; docs/migration.md).",
            Arity = ArgumentArity.OneOrMore,
        };
        var runtime = SharedOptions.Runtime("The runtime to move to.", ["provided.al2023", "provided.al2"]);
        var architecture = SharedOptions.Architecture(
            "keep the function's architecture, or move it to arm64 or x86_64 (the binary must match; Guard checks).", keep: "keep");
        var apply = new Option<bool>("--apply") { Description = "Make the change. Without it, only the plan is printed and nothing is changed." };
        var stageBucket = new Option<string?>("--stage-bucket")
        {
            Description = "S3 bucket (in the function's region) where the original and the new package are staged; required with --apply.",
        };
        var region = SharedOptions.Region("The functions' region. Default: AWS_REGION / AWS_DEFAULT_REGION.");
        var force = new Option<bool>("--force")
        {
            Description = "Migrate a function a CloudFormation stack (SAM, CDK, Serverless) owns anyway; without it such a function is refused, and its template is what to migrate.",
        };

        var command = new Command(
            "migrate",
            "Repackage a go1.x function's binary as bootstrap and move the function to provided.al2023. Prints the plan unless --apply. " +
            "Exit 0 when every function is ready (or migrated), 1 when one cannot move or failed (and was put back), 2 on a usage, credentials or download error.")
        {
            functions, runtime, architecture, apply, stageBucket, region, force,
        };
        command.SetAction(async (parse, cancellationToken) =>
        {
            var given = parse.GetValue(functions) ?? [];
            if (given.Any(IsSourcePath))
            {
                if (given.Length != 1)
                {
                    await error.WriteLineAsync("guard: migrate takes one PATH (a file or a folder), or function names, not both or several paths").ConfigureAwait(false);
                    return ExitCodes.UsageOrUnavailable;
                }

                if (new Option[] { architecture, stageBucket, region }.FirstOrDefault(o => parse.GetResult(o) is { Implicit: false }) is { } deployedOnly)
                {
                    await error.WriteLineAsync($"guard: {deployedOnly.Name} applies to deployed functions, not to {given[0]}: the source keeps its architecture and nothing is staged").ConfigureAwait(false);
                    return ExitCodes.UsageOrUnavailable;
                }

                return await MigrateSourceCommand.RunAsync(new SourceMigrateSettings(given[0], parse.GetValue(runtime)!, parse.GetValue(apply)), output, error, cancellationToken).ConfigureAwait(false);
            }

            var settings = new MigrateSettings(
                parse.GetValue(functions) ?? [],
                parse.GetValue(runtime)!,
                SharedOptions.ArchitectureOf(parse.GetValue(architecture)),
                parse.GetValue(apply),
                parse.GetValue(stageBucket),
                parse.GetValue(region))
            {
                Force = parse.GetValue(force),
            };
            using var connection = AwsConnection.FromProcess();
            return await RunAsync(settings, connection, output, error, UpdateWait.Default, null, TimeProvider.System, cancellationToken).ConfigureAwait(false);
        });
        return command;
    }

    /// <summary>A file or folder on disk, or a path: function names and ARNs hold neither '/' nor '.'.</summary>
    internal static bool IsSourcePath(string argument) =>
        File.Exists(argument) || Directory.Exists(argument) || argument.Contains('/', StringComparison.Ordinal) || argument.Contains('\\', StringComparison.Ordinal) ||
        (argument.Contains('.', StringComparison.Ordinal) && !argument.StartsWith("arn:", StringComparison.Ordinal));

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
            plan = await migrator.PlanAsync(function, settings.Runtime, settings.Architecture, settings.Force, cancellationToken).ConfigureAwait(false);
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
                await output.WriteAsync(MigrationPlanText.Refusal(plan)).ConfigureAwait(false);
                return ExitCodes.Broken;
            }

            await output.WriteAsync(MigrationPlanText.Describe(plan, settings.StageBucket, settings.Apply)).ConfigureAwait(false);
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
}

internal sealed record MigrateSettings(
    IReadOnlyList<string> Functions, string Runtime, Architecture? Architecture, bool Apply, string? StageBucket, string? Region)
{
    /// <summary><c>--force</c>: migrate a function a stack owns anyway.</summary>
    public bool Force { get; init; }
}
