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
                    var scanner = new FunctionScanner(connection.Lambda(region), connection.Packages, new FunctionScannerOptions { Concurrency = settings.Concurrency });
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
                (account, region) => new FunctionScanner(connection.Lambda(region, account), connection.Packages, new FunctionScannerOptions { Concurrency = settings.Concurrency }),
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
