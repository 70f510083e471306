using Guard.Aws.Http;
using Guard.Aws.Scanning;

namespace Guard.Cli.Scanning;

/// <summary>What <c>guard scan</c> was asked, parsed.</summary>
internal sealed record ScanSettings(IReadOnlyList<string> Regions, string Format, int Concurrency)
{
    public IReadOnlyList<string> Accounts { get; init; } = [];

    public bool Organization { get; init; }

    public string MemberRole { get; init; } = ScanService.DefaultMemberRole;

    public int AccountsAtOnce { get; init; } = 64;

    public FileInfo? OutputFile { get; init; }

    /// <summary><c>--target-runtime</c>: judge go1.x, provided and provided.al2 functions against it too; null for none.</summary>
    public string? TargetRuntime { get; init; }

    /// <summary><c>--tag</c>: write each checked function's toolchain as <see cref="ScanService.ToolchainTag"/>.</summary>
    public bool Tag { get; init; }

    /// <summary>How each (account, region) sweep runs: the bootstrap's toolchain is always told, the target runtime when asked.</summary>
    public FunctionScannerOptions ScannerOptions => new() { Concurrency = Concurrency, TargetRuntime = TargetRuntime, IdentifyToolchain = true };

    /// <summary>More than the caller's own account: through member roles.</summary>
    public bool SpansAccounts => Organization || Accounts.Count > 0;
}

/// <summary>What a sweep found; <paramref name="Refusal"/> (one line) when it could not list what to sweep.</summary>
/// <param name="Swept">The accounts swept when the sweep spanned accounts; null for the caller's own.</param>
internal sealed record ScanRun(IReadOnlyList<string> Regions, IReadOnlyList<FunctionScanResult> Results, IReadOnlyList<string>? Swept, string? Refusal = null);

/// <summary><c>guard scan</c>'s work: every function of the regions (and accounts) asked, each judged where it is deployed.</summary>
internal sealed class ScanService(AwsConnection connection)
{
    /// <summary>The member stack's role: one per Region, since IAM role names are global.</summary>
    public static readonly string DefaultMemberRole = Guard.Aws.Accounts.MemberAccounts.RegionalRoleName("GuardMember", Guard.Aws.Accounts.MemberAccounts.RegionPlaceholder);

    /// <summary>The tag <c>--tag</c> writes: what built the bootstrap, which a custom runtime's name no longer says.</summary>
    public const string ToolchainTag = "guard:toolchain";

    public async Task<ScanRun> RunAsync(ScanSettings settings, IProgress<ScanProgress>? progress, CancellationToken cancellationToken)
    {
        string[] regions = settings.Regions.Count > 0 ? [.. settings.Regions.Distinct(StringComparer.Ordinal)] : [connection.DefaultRegion];
        var results = new List<FunctionScanResult>();
        try
        {
            if (!settings.SpansAccounts)
            {
                // Regions one after another: each has its own quotas, but one sweep at a time keeps the load predictable.
                foreach (var region in regions)
                {
                    var scanner = new FunctionScanner(connection.Lambda(region), connection.Packages, settings.ScannerOptions, objects: connection.S3Packages(region), images: connection.Images());
                    results.AddRange(await scanner.ScanAsync(region, progress, cancellationToken).ConfigureAwait(false));
                }

                return new ScanRun(regions, results, null);
            }

            if (settings.Accounts.FirstOrDefault(a => a.Length != 12 || !a.All(char.IsAsciiDigit)) is { } bad)
            {
                return new ScanRun(regions, [], null, $"--accounts '{bad}' is not a 12-digit account id");
            }

            await connection.EnterOrganizationAsync(settings.MemberRole, cancellationToken).ConfigureAwait(false);
            IReadOnlyList<string> swept = settings.Accounts.Count > 0
                ? [.. settings.Accounts.Distinct(StringComparer.Ordinal)]
                : await ActiveAccountsAsync(cancellationToken).ConfigureAwait(false);
            var scan = new OrganizationScan(
                (account, region) => new FunctionScanner(connection.Lambda(region, account), connection.Packages, settings.ScannerOptions, objects: connection.S3Packages(region), images: connection.Images(account)),
                settings.AccountsAtOnce);
            results.AddRange(await scan.ScanAsync(swept, regions, progress, cancellationToken).ConfigureAwait(false));
            return new ScanRun(regions, results, swept);
        }
        catch (CredentialsUnavailableException e)
        {
            return new ScanRun(regions, [], null, e.Message);
        }
        catch (OrganizationListingException e)
        {
            return new ScanRun(regions, [], null, $"cannot list the organization's accounts: {e.InnerException?.Message}");
        }
        catch (AwsServiceException e)
        {
            // Only listing failures reach here (per-function failures are results): credentials, permissions, endpoint.
            return new ScanRun(regions, [], null, $"cannot list functions: {e.Message}");
        }
    }

    /// <summary>
    /// <c>--tag</c>: one TagResource per checked function whose toolchain is known, in its own account and region. A
    /// refused call does not stop the others; it is returned as one line.
    /// </summary>
    public async Task<(int Tagged, IReadOnlyList<string> Refused)> TagToolchainsAsync(ScanRun run, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(run);
        var tagged = 0;
        var refused = new List<string>();
        foreach (var result in run.Results.Where(r => r.Outcome == ScanOutcome.Checked && r.Toolchain is not null))
        {
            try
            {
                var lambda = connection.Lambda(result.Region, run.Swept is null ? null : result.Account);
                await lambda.TagResourceAsync(result.FunctionArn, new Dictionary<string, string> { [ToolchainTag] = result.Toolchain! }, cancellationToken).ConfigureAwait(false);
                tagged++;
            }
            catch (AwsServiceException e)
            {
                refused.Add($"{result.FunctionName}: cannot tag {ToolchainTag}={result.Toolchain}: {e.Message.ReplaceLineEndings(" ")}");
            }
        }

        return (tagged, refused);
    }

    /// <summary>Every ACTIVE account of the organization, in id order.</summary>
    private async Task<IReadOnlyList<string>> ActiveAccountsAsync(CancellationToken cancellationToken)
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
