using System.CommandLine;
using System.Text.Json;
using Guard.Aws.Scanning;
using Guard.Cli.Scanning;
using Guard.Inspection.Reporting;

namespace Guard.Cli.Commands;

/// <summary><c>guard scan</c>: every function of one or more regions, one table, one exit code.</summary>
internal static class ScanCommand
{
    public static Command Create(TextWriter output, TextWriter error)
    {
        var regions = SharedOptions.Regions("A region to sweep; repeat for several. Default: AWS_REGION / AWS_DEFAULT_REGION, else us-east-1.");
        var format = SharedOptions.Format("text for people (a table), json for machines (the report in docs/design.md per function), sarif for GitHub code scanning.");
        var outputFile = SharedOptions.Output();
        var concurrency = new Option<int>("--concurrency")
        {
            Description = "Functions checked at once (1-32). GetFunction is also held under 50 calls/s, half of Lambda's quota.",
            DefaultValueFactory = _ => 4,
        };
        concurrency.Validators.Add(result =>
        {
            if (result.GetValueOrDefault<int>() is < 1 or > 32)
            {
                result.AddError("--concurrency must be between 1 and 32");
            }
        });

        var accounts = new Option<string[]>("--accounts")
        {
            Description = "Accounts to sweep (12-digit ids, comma-separated or repeated), each through its member role. Default: the caller's account only.",
            AllowMultipleArgumentsPerToken = true,
        };
        var organization = new Option<bool>("--organization")
        {
            Description = "Sweep every ACTIVE account of the organization (ListAccounts: run it in the management account or a delegated administrator).",
        };
        var memberRole = new Option<string>("--member-role")
        {
            Description = "The role assumed in each other account; {region} stands for the Region swept (org/member.yaml names its role GuardMember-<region>).",
            DefaultValueFactory = _ => ScanService.DefaultMemberRole,
        };
        var accountsAtOnce = new Option<int>("--accounts-at-once")
        {
            Description = "Accounts swept at once (1-256); each is held under its own GetFunction rate, as Lambda's quotas are per account.",
            DefaultValueFactory = _ => 64,
        };
        accountsAtOnce.Validators.Add(result =>
        {
            if (result.GetValueOrDefault<int>() is < 1 or > 256)
            {
                result.AddError("--accounts-at-once must be between 1 and 256");
            }
        });

        var targetRuntime = new Option<string?>("--target-runtime")
        {
            Description = "Also judge every go1.x, provided and provided.al2 function against this runtime: ready to move as is, needs a rebuild (and why), or already broken; counts per account.",
        };
        targetRuntime.AcceptOnlyFromAmong("provided.al2023", "provided.al2");
        var tag = new Option<bool>("--tag")
        {
            Description = $"Write each checked function's toolchain as the tag {ScanService.ToolchainTag} (e.g. go1.22.5): Lambda TagResource, so the caller needs lambda:TagResource.",
        };

        var command = new Command(
            "scan",
            "Check every zip function on a custom runtime or go1.x in the account (images and managed runtimes are listed as skipped). " +
            "Exit 0 when none is broken, 1 when any is, 2 on a usage or credentials error or when a function could not be checked.")
        {
            regions, format, outputFile, concurrency, accounts, organization, memberRole, accountsAtOnce, targetRuntime, tag,
        };
        command.SetAction(async (parse, cancellationToken) =>
        {
            using var connection = AwsConnection.FromProcess();
            var settings = new ScanSettings(parse.GetValue(regions) ?? [], parse.GetValue(format)!, parse.GetValue(concurrency))
            {
                Accounts = [.. (parse.GetValue(accounts) ?? []).SelectMany(a => a.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))],
                Organization = parse.GetValue(organization),
                MemberRole = parse.GetValue(memberRole)!,
                AccountsAtOnce = parse.GetValue(accountsAtOnce),
                OutputFile = parse.GetValue(outputFile),
                TargetRuntime = parse.GetValue(targetRuntime),
                Tag = parse.GetValue(tag),
            };
            var isTerminal = ReferenceEquals(error, Console.Error) && !Console.IsErrorRedirected;
            return await RunAsync(settings, connection, output, error, isTerminal, cancellationToken).ConfigureAwait(false);
        });
        return command;
    }

    /// <summary>Runs the sweep and renders it.</summary>
    internal static async Task<int> RunAsync(
        ScanSettings settings, AwsConnection connection, TextWriter output, TextWriter error, bool isTerminal, CancellationToken cancellationToken)
    {
        var report = new ReportOutput(settings.OutputFile, output, error);
        if (report.Problem() is { } problem)
        {
            await error.WriteLineAsync($"guard: {problem}").ConfigureAwait(false);
            return ExitCodes.UsageOrUnavailable;
        }

        var progress = isTerminal && settings.Format != SharedOptions.Json ? new ProgressLine(error, TimeProvider.System) : null;
        var run = await new ScanService(connection).RunAsync(settings, progress, cancellationToken).ConfigureAwait(false);
        progress?.Clear();
        if (run.Refusal is { } refusal)
        {
            await error.WriteLineAsync($"guard: {refusal}").ConfigureAwait(false);
            return ExitCodes.UsageOrUnavailable;
        }

        var tagged = !settings.Tag || await TagAsync(connection, run, error, cancellationToken).ConfigureAwait(false);
        var rendered = settings.Format switch
        {
            SharedOptions.Json => JsonSerializer.Serialize(
                ScanDocument.From(run.Regions, run.Results, run.Swept, settings.TargetRuntime), ScanJsonContext.Default.ScanDocument) + Environment.NewLine,
            SharedOptions.Sarif => SarifReportWriter.Write(
                [.. run.Results.Where(r => r.Report is not null).Select(r => r.Report!)],
                typeof(ScanCommand).Assembly.GetName().Version?.ToString(3) ?? "0.0.0") + Environment.NewLine,
            _ => ScanTableWriter.Write(run.Regions, run.Results, withAccount: run.Swept is not null, settings.TargetRuntime),
        };
        if (!await report.WriteAsync(rendered).ConfigureAwait(false))
        {
            return ExitCodes.UsageOrUnavailable;
        }

        foreach (var notChecked in run.Results.Where(r => r.Outcome == ScanOutcome.Unchecked))
        {
            var where = run.Swept is null ? "" : $"{notChecked.Account} {notChecked.Region} ";
            await error.WriteLineAsync($"guard: {where}{notChecked.FunctionName}: not checked: {notChecked.Reason}").ConfigureAwait(false);
        }

        return run.Results.Any(r => r.IsBroken) ? ExitCodes.Broken
            : run.Results.Any(r => r.Outcome == ScanOutcome.Unchecked) || !tagged ? ExitCodes.UsageOrUnavailable
            : ExitCodes.Ok;
    }

    /// <summary><c>--tag</c>: the service tags; each refused call is one line on stderr (and exit 2), then the count.</summary>
    private static async Task<bool> TagAsync(AwsConnection connection, ScanRun run, TextWriter error, CancellationToken cancellationToken)
    {
        var (tagged, refused) = await new ScanService(connection).TagToolchainsAsync(run, cancellationToken).ConfigureAwait(false);
        foreach (var line in refused)
        {
            await error.WriteLineAsync($"guard: {line}").ConfigureAwait(false);
        }

        await error.WriteLineAsync($"guard: tagged {tagged} function{(tagged == 1 ? "" : "s")} with {ScanService.ToolchainTag}").ConfigureAwait(false);
        return refused.Count == 0;
    }
}
