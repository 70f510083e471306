using System.CommandLine;
using System.Text.Json;
using Guard.Aws.Http;
using Guard.Aws.Organizations;
using Guard.Aws.Scanning;
using Guard.Cli.Scanning;
using Guard.Inspection.Reporting;

namespace Guard.Cli.Commands;

/// <summary><c>guard scan</c>: every function of one or more regions, one table, one exit code.</summary>
internal static class ScanCommand
{
    /// <summary>The member stack's role: one per Region, since IAM role names are global.</summary>
    /// <summary>The tag <c>--tag</c> writes: what built the bootstrap, which a custom runtime's name no longer says.</summary>
    public const string ToolchainTag = "guard:toolchain";

    public static readonly string DefaultMemberRole = Guard.Aws.Accounts.MemberAccounts.RegionalRoleName("GuardMember", Guard.Aws.Accounts.MemberAccounts.RegionPlaceholder);

    public static Command Create(TextWriter output, TextWriter error)
    {
        var regions = new Option<string[]>("--region")
        {
            Description = "A region to sweep; repeat for several. Default: AWS_REGION / AWS_DEFAULT_REGION, else us-east-1.",
        };
        var format = new Option<string>("--format")
        {
            Description = "text for people (a table), json for machines (the report in docs/design.md per function), sarif for GitHub code scanning.",
            DefaultValueFactory = _ => "text",
        };
        format.AcceptOnlyFromAmong("text", "json", "sarif");
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
            DefaultValueFactory = _ => DefaultMemberRole,
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
            Description = $"Write each checked function's toolchain as the tag {ToolchainTag} (e.g. go1.22.5): Lambda TagResource, so the caller needs lambda:TagResource.",
        };

        var command = new Command(
            "scan",
            "Check every zip function on a custom runtime or go1.x in the account (images and managed runtimes are listed as skipped). " +
            "Exit 0 when none is broken, 1 when any is, 2 on a usage or credentials error or when a function could not be checked.")
        {
            regions, format, concurrency, accounts, organization, memberRole, accountsAtOnce, targetRuntime, tag,
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
                TargetRuntime = parse.GetValue(targetRuntime),
                Tag = parse.GetValue(tag),
            };
            var isTerminal = ReferenceEquals(error, Console.Error) && !Console.IsErrorRedirected;
            return await RunAsync(settings, connection, output, error, isTerminal, cancellationToken).ConfigureAwait(false);
        });
        return command;
    }

    internal static async Task<int> RunAsync(
        ScanSettings settings, AwsConnection connection, TextWriter output, TextWriter error, bool isTerminal, CancellationToken cancellationToken)
    {
        var regions = settings.Regions.Count > 0 ? settings.Regions.Distinct(StringComparer.Ordinal).ToArray() : [connection.DefaultRegion];
        var progress = isTerminal && settings.Format != "json" ? new ProgressLine(error, TimeProvider.System) : null;
        var results = new List<FunctionScanResult>();
        IReadOnlyList<string>? swept = null;
        var scannerOptions = new FunctionScannerOptions { Concurrency = settings.Concurrency, TargetRuntime = settings.TargetRuntime, IdentifyToolchain = true };
        try
        {
            if (settings.SpansAccounts)
            {
                if (settings.Accounts.FirstOrDefault(a => a.Length != 12 || !a.All(char.IsAsciiDigit)) is { } bad)
                {
                    await error.WriteLineAsync($"guard: --accounts '{bad}' is not a 12-digit account id").ConfigureAwait(false);
                    return ExitCodes.UsageOrUnavailable;
                }

                await connection.EnterOrganizationAsync(settings.MemberRole, cancellationToken).ConfigureAwait(false);
                swept = settings.Accounts.Count > 0 ? [.. settings.Accounts.Distinct(StringComparer.Ordinal)] : await ActiveAccountsAsync(connection, cancellationToken).ConfigureAwait(false);
                var scan = new OrganizationScan(
                    (account, region) => new FunctionScanner(connection.Lambda(region, account), connection.Packages, scannerOptions),
                    settings.AccountsAtOnce);
                results.AddRange(await scan.ScanAsync(swept, regions, progress, cancellationToken).ConfigureAwait(false));
            }
            else
            {
                // Regions one after another: each has its own quotas, but one sweep at a time keeps the load predictable.
                foreach (var region in regions)
                {
                    var scanner = new FunctionScanner(connection.Lambda(region), connection.Packages, scannerOptions);
                    results.AddRange(await scanner.ScanAsync(region, progress, cancellationToken).ConfigureAwait(false));
                }
            }
        }
        catch (CredentialsUnavailableException e)
        {
            progress?.Clear();
            await error.WriteLineAsync($"guard: {e.Message}").ConfigureAwait(false);
            return ExitCodes.UsageOrUnavailable;
        }
        catch (OrganizationListingException e)
        {
            progress?.Clear();
            await error.WriteLineAsync($"guard: cannot list the organization's accounts: {e.InnerException?.Message}").ConfigureAwait(false);
            return ExitCodes.UsageOrUnavailable;
        }
        catch (AwsServiceException e)
        {
            // Only listing failures reach here (per-function failures are results): credentials, permissions, endpoint.
            progress?.Clear();
            await error.WriteLineAsync($"guard: cannot list functions: {e.Message}").ConfigureAwait(false);
            return ExitCodes.UsageOrUnavailable;
        }

        progress?.Clear();
        var tagged = !settings.Tag || await TagToolchainsAsync(connection, results, swept is not null, error, cancellationToken).ConfigureAwait(false);
        var rendered = settings.Format switch
        {
            "json" => JsonSerializer.Serialize(ScanDocument.From(regions, results, swept, settings.TargetRuntime), ScanJsonContext.Default.ScanDocument) + Environment.NewLine,
            "sarif" => SarifReportWriter.Write(
                [.. results.Where(r => r.Report is not null).Select(r => r.Report!)],
                typeof(ScanCommand).Assembly.GetName().Version?.ToString(3) ?? "0.0.0") + Environment.NewLine,
            _ => ScanTableWriter.Write(regions, results, withAccount: swept is not null, settings.TargetRuntime),
        };
        await output.WriteAsync(rendered).ConfigureAwait(false);

        foreach (var notChecked in results.Where(r => r.Outcome == ScanOutcome.Unchecked))
        {
            var where = swept is null ? "" : $"{notChecked.Account} {notChecked.Region} ";
            await error.WriteLineAsync($"guard: {where}{notChecked.FunctionName}: not checked: {notChecked.Reason}").ConfigureAwait(false);
        }

        return results.Any(r => r.IsBroken) ? ExitCodes.Broken
            : results.Any(r => r.Outcome == ScanOutcome.Unchecked) || !tagged ? ExitCodes.UsageOrUnavailable
            : ExitCodes.Ok;
    }

    /// <summary>
    /// <c>--tag</c>: one TagResource per checked function whose toolchain is known, in its own account and region. A
    /// refused call is one line on stderr and exit 2; the other functions are still tagged.
    /// </summary>
    private static async Task<bool> TagToolchainsAsync(
        AwsConnection connection, IReadOnlyList<FunctionScanResult> results, bool acrossAccounts, TextWriter error, CancellationToken cancellationToken)
    {
        var ok = true;
        var tagged = 0;
        foreach (var result in results.Where(r => r.Outcome == ScanOutcome.Checked && r.Toolchain is not null))
        {
            try
            {
                var lambda = connection.Lambda(result.Region, acrossAccounts ? result.Account : null);
                await lambda.TagResourceAsync(result.FunctionArn, new Dictionary<string, string> { [ToolchainTag] = result.Toolchain! }, cancellationToken).ConfigureAwait(false);
                tagged++;
            }
            catch (AwsServiceException e)
            {
                ok = false;
                await error.WriteLineAsync($"guard: {result.FunctionName}: cannot tag {ToolchainTag}={result.Toolchain}: {e.Message.ReplaceLineEndings(" ")}").ConfigureAwait(false);
            }
        }

        await error.WriteLineAsync($"guard: tagged {tagged} function{(tagged == 1 ? "" : "s")} with {ToolchainTag}").ConfigureAwait(false);
        return ok;
    }

    /// <summary>Every ACTIVE account of the organization, in id order.</summary>
    private static async Task<IReadOnlyList<string>> ActiveAccountsAsync(AwsConnection connection, CancellationToken cancellationToken)
    {
        using var organizations = connection.Organizations();
        var accounts = new List<string>();
        try
        {
            await foreach (var account in organizations.ListAccountsAsync(cancellationToken).ConfigureAwait(false))
            {
                if (account.IsActive)
                {
                    accounts.Add(account.Id);
                }
            }
        }
        catch (AwsServiceException e)
        {
            throw new OrganizationListingException(e);
        }

        return [.. accounts.Order(StringComparer.Ordinal)];
    }

    private sealed class OrganizationListingException(AwsServiceException inner) : Exception(inner.Message, inner);
}

internal sealed record ScanSettings(IReadOnlyList<string> Regions, string Format, int Concurrency)
{
    public IReadOnlyList<string> Accounts { get; init; } = [];

    public bool Organization { get; init; }

    public string MemberRole { get; init; } = ScanCommand.DefaultMemberRole;

    public int AccountsAtOnce { get; init; } = 64;

    /// <summary><c>--target-runtime</c>: judge legacy custom-runtime functions against it too; null for none.</summary>
    public string? TargetRuntime { get; init; }

    /// <summary><c>--tag</c>: write each checked function's toolchain as <see cref="ScanCommand.ToolchainTag"/>.</summary>
    public bool Tag { get; init; }

    /// <summary>More than the caller's own account: through member roles.</summary>
    public bool SpansAccounts => Organization || Accounts.Count > 0;
}
