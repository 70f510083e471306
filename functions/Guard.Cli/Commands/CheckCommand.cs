using System.CommandLine;
using Guard.Cli.Apps;
using Guard.Cli.Apps.Reporting;
using Guard.Cli.Apps.Terraform;
using Guard.Cli.Scanning;
using Guard.Inspection.Reporting;
using Guard.Inspection.Rules;

namespace Guard.Cli.Commands;

/// <summary>
/// <c>guard check PACKAGE...</c>: each package (a zip, a folder as it would be zipped, s3://, a URL) its own verdict,
/// one exit code for all of them.
/// </summary>
internal static class CheckCommand
{
    /// <summary>Long enough for a 250 MB package from a server that ignores Range; short enough to end a stuck CI job.</summary>
    public const int DefaultTimeoutSeconds = 300;

    private static string ToolVersion => typeof(CheckCommand).Assembly.GetName().Version?.ToString(3) ?? "0.0.0";

    public static Command Create(TextWriter output, TextWriter error)
    {
        var packages = new Argument<string[]>("PACKAGE")
        {
            Description = "What to check, one or more: a zip (local path, s3://bucket/key[?versionId=…], an http(s):// URL such as a presigned one), " +
                "a local folder, judged as the zip it would become, a SAM/CloudFormation template (.yaml, .yml, .json), every function in it, " +
                "an app folder: cdk.out/ (every stack, each function from its asset) or .serverless/ (each function from its zip), " +
                "a Terraform plan's JSON (terraform show -json tf.plan > plan.json), every aws_lambda_function it creates or updates, " +
                "or a project: serverless.yml, cdk.json or a project folder (guard check .), checked from what its tool built (.serverless/, cdk.out/, " +
                ".aws-sam/build/template.yaml) or told what to run. Each gets its own verdict.",
            // Zero here, checked in the action: --parameter-overrides takes every token after it, and a PACKAGE
            // written after the overrides (no '=') is given back to PACKAGE there.
            Arity = ArgumentArity.ZeroOrMore,
        };
        var runtime = SharedOptions.Runtime("The function's runtime (on a managed runtime only its layers' extensions are judged).", RuntimeCatalog.Default.Names.Concat(RuntimeCatalog.Default.ManagedNames));
        var architecture = SharedOptions.Architecture("The function's architecture: x86_64 or arm64 (amd64 and aarch64 are accepted too).");
        var layers = new Option<string[]>("--layer")
        {
            Description = "A layer's zip or folder (same forms as PACKAGE) or a layer-version ARN (read with GetLayerVersionByArn), searched for /opt/bootstrap; repeat in the function's layer order.",
            AllowMultipleArgumentsPerToken = false,
        };
        var format = SharedOptions.Format(
            "text for people, json for machines (the report in docs/design.md; schema version 2 for several packages: docs/cli.md), sarif for GitHub code scanning.");
        var handler = new Option<string?>("--handler")
        {
            Description = "The function's Handler: the executable on go1.x; on custom runtimes it only sharpens hints (the old go1.x binary's name).",
        };
        var placeholders = new Option<string[]>("--placeholder-sha256")
        {
            Description = "Base64 SHA-256 (Lambda's CodeSha256 form) of a package to treat as a placeholder; repeat or comma-separate.",
        };
        var outputFile = SharedOptions.Output();
        var timeout = SharedOptions.Timeout(
            "Give up on a package (exit 2 for it) when it and its layers are not read within this many seconds; a template or an app folder's manifest likewise.",
            DefaultTimeoutSeconds);

        var parameterOverrides = new Option<string[]>("--parameter-overrides")
        {
            Description = "For templates: parameter values as sam deploy takes them (Key=Value, or ParameterKey=K,ParameterValue=V), several after one flag; they win over Default.",
            AllowMultipleArgumentsPerToken = true,
        };

        var chdir = new Option<string?>("--chdir")
        {
            Description = "For Terraform plans: the folder Terraform ran in (terraform -chdir=DIR), where the plan's relative paths (filename, an S3 object's source) are; the current folder by default.",
        };

        var failOn = new Option<string>("--fail-on")
        {
            Description = "Which findings fail the check (exit 1): error (the default; a package with only warnings exits 0) or warning.",
            DefaultValueFactory = _ => "error",
        };
        failOn.AcceptOnlyFromAmong("error", "warning");
        var ignore = new Option<string[]>("--ignore")
        {
            Description = "A finding code to suppress everywhere (repeat, or comma-separate): still shown, marked suppressed, not counted. " +
                "One function of a template: Metadata: { guard: { ignore: [CODE] } } on its resource.",
        };
        ignore.Validators.Add(result =>
        {
            var known = FindingCodes.All.Select(c => c.Code).Concat(AppFindings.All.Select(c => c.Code)).ToHashSet(StringComparer.Ordinal);
            foreach (var code in SplitCodes(result.GetValueOrDefault<string[]>() ?? []).Where(c => !known.Contains(c)))
            {
                result.AddError($"--ignore {code}: not a finding code (see docs/findings.md, e.g. BOOTSTRAP_NOT_EXECUTABLE)");
            }
        });

        var unbuilt = new Option<string>("--unbuilt")
        {
            Description = "A function sam build builds (Metadata.BuildMethod) but has not built yet: fail (the default: not checked, exit 2), " +
                "warn (a warning, exit 0: for pre-commit on a source tree), or ok (skipped, the warning marked suppressed).",
            DefaultValueFactory = _ => "fail",
        };
        unbuilt.AcceptOnlyFromAmong("fail", "warn", "ok");

        var command = new Command(
            "check",
            "Check deployment packages the way Lambda will start them. Exit 1 when any is broken, else 2 when any could not be checked, else 3 when any is a placeholder, else 0. Every finding and its fix: docs/findings.md.")
        {
            packages, runtime, architecture, layers, format, handler, placeholders, outputFile, timeout, parameterOverrides, chdir, failOn, ignore, unbuilt,
        };
        command.SetAction(async (parse, cancellationToken) =>
        {
            var overrideTokens = parse.GetValue(parameterOverrides) ?? [];
            string[] given = [.. parse.GetValue(packages) ?? [], .. overrideTokens.Where(t => !t.Contains('=', StringComparison.Ordinal))];
            if (given.Length == 0)
            {
                await error.WriteLineAsync("guard: PACKAGE is missing: give a zip, a folder or a template (guard check dist/function.zip)").ConfigureAwait(false);
                await error.WriteLineAsync("Run 'guard --help' for usage.").ConfigureAwait(false);
                return ExitCodes.UsageOrUnavailable;
            }

            if (!TryParseOverrides(overrideTokens.Where(t => t.Contains('=', StringComparison.Ordinal)), out var overrides, out var overrideError))
            {
                await error.WriteLineAsync($"guard: --parameter-overrides: {overrideError}").ConfigureAwait(false);
                return ExitCodes.UsageOrUnavailable;
            }

            // A template names each function's runtime, architecture, handler and layers: a flag that would be ignored is a mistake.
            var template = given.FirstOrDefault(CheckService.IsApp);
            var perPackage = new Option[] { runtime, architecture, layers, handler }.FirstOrDefault(o => parse.GetResult(o) is { Implicit: false });
            if (template is not null && perPackage is not null)
            {
                await error.WriteLineAsync($"guard: {perPackage.Name} applies to packages, not to {template}: the template sets it for each function").ConfigureAwait(false);
                return ExitCodes.UsageOrUnavailable;
            }

            if (parse.GetValue(chdir) is { } folder && !given.Any(TerraformFiles.IsPlanJson))
            {
                await error.WriteLineAsync($"guard: --chdir {folder} applies to Terraform plans (plan.json), and none was given").ConfigureAwait(false);
                return ExitCodes.UsageOrUnavailable;
            }

            if (parse.GetValue(chdir) is { } workingDirectory && !Directory.Exists(workingDirectory))
            {
                await error.WriteLineAsync($"guard: --chdir {workingDirectory}: no such folder").ConfigureAwait(false);
                return ExitCodes.UsageOrUnavailable;
            }

            var options = new CheckOptions(
                given,
                parse.GetValue(runtime)!,
                SharedOptions.ArchitectureOf(parse.GetValue(architecture)) ?? Architecture.X8664,
                parse.GetValue(layers) ?? [],
                parse.GetValue(format)!,
                parse.GetValue(handler),
                (parse.GetValue(placeholders) ?? []).SelectMany(p => p.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)).ToHashSet(StringComparer.Ordinal),
                parse.GetValue(outputFile),
                TimeSpan.FromSeconds(parse.GetValue(timeout)),
                overrides,
                parse.GetValue(failOn) == "warning" ? FailOn.Warning : FailOn.Error,
                SplitCodes(parse.GetValue(ignore) ?? []).ToHashSet(StringComparer.Ordinal),
                parse.GetValue(chdir))
            {
                Unbuilt = parse.GetValue(unbuilt) switch { "warn" => UnbuiltPolicy.Warn, "ok" => UnbuiltPolicy.Ok, _ => UnbuiltPolicy.Fail },
            };
            using var connection = AwsConnection.FromProcess();
            return await RunAsync(options, new CheckService(connection), output, error, cancellationToken).ConfigureAwait(false);
        });
        return command;
    }

    /// <summary>Runs the check and renders its report: the exit code is the run's, or 2 when the report could not be written.</summary>
    internal static async Task<int> RunAsync(CheckOptions options, CheckService service, TextWriter output, TextWriter error, CancellationToken cancellationToken)
    {
        var report = new ReportOutput(options.OutputFile, output, error);
        if (report.Problem() is { } problem)
        {
            await error.WriteLineAsync($"guard: {problem}").ConfigureAwait(false);
            return ExitCodes.UsageOrUnavailable;
        }

        var run = await service.RunAsync(options, cancellationToken).ConfigureAwait(false);
        foreach (var line in run.Problems)
        {
            await error.WriteLineAsync($"guard: {line}").ConfigureAwait(false);
        }

        // A template that could not be read is one failure like a package that could not be fetched: nothing on stdout.
        if (run.Single is { Outcome: Outcome.NotChecked } single)
        {
            // Nothing was judged: stderr already says why; SARIF still records the failed run for upload steps.
            if (options.Format == SharedOptions.Sarif)
            {
                await report.WriteAsync(SarifReportWriter.WriteFailure(single.Source, single.Reason!, ToolVersion) + Environment.NewLine).ConfigureAwait(false);
            }

            return ExitCodes.UsageOrUnavailable;
        }

        var rendered = options.Format switch
        {
            SharedOptions.Json when run.Single is { } one => ResultJsonWriter.WriteSingle(one),
            SharedOptions.Json => ResultJsonWriter.WriteApp(run.Results, run.ExitCode),
            SharedOptions.Sarif => ResultSarifWriter.Write(run.Results, ToolVersion) + Environment.NewLine,
            _ => ResultTextWriter.Write(run.Results, run.ExitCode, options.FailOn),
        };
        return await report.WriteAsync(rendered).ConfigureAwait(false) ? run.ExitCode : ExitCodes.UsageOrUnavailable;
    }

    private static IEnumerable<string> SplitCodes(IEnumerable<string> values) =>
        values.SelectMany(v => v.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries));

    /// <summary><c>Key=Value</c> (sam deploy's short form) or <c>ParameterKey=K,ParameterValue=V</c> (the AWS CLI's).</summary>
    internal static bool TryParseOverrides(IEnumerable<string> tokens, out Dictionary<string, string> overrides, out string? error)
    {
        overrides = new Dictionary<string, string>(StringComparer.Ordinal);
        error = null;
        foreach (var token in tokens)
        {
            const string Long = "ParameterKey=";
            if (token.StartsWith(Long, StringComparison.Ordinal) && token.IndexOf(",ParameterValue=", StringComparison.Ordinal) is var comma and > 0)
            {
                overrides[token[Long.Length..comma]] = token[(comma + ",ParameterValue=".Length)..];
                continue;
            }

            var equals = token.IndexOf('=', StringComparison.Ordinal);
            if (equals <= 0)
            {
                error = $"'{token}' is not Key=Value";
                return false;
            }

            overrides[token[..equals]] = token[(equals + 1)..];
        }

        return true;
    }
}
