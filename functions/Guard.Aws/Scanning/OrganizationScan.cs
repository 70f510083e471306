using System.Collections.Concurrent;
using Guard.Aws.Accounts;
using Guard.Aws.Http;

namespace Guard.Aws.Scanning;

/// <summary>
/// Sweeps many accounts × regions: each (account, region) through its own <see cref="FunctionScanner"/> — so under its
/// own client-side limits, as Lambda's quotas are per account and region — several accounts at once, their regions one
/// after another. An account Guard cannot enter (its member role cannot be assumed, ListFunctions is refused) is one
/// unchecked row naming the account, and the others go on.
/// </summary>
public sealed class OrganizationScan(Func<string, string, FunctionScanner> scannerIn, int accountsAtOnce = 64)
{
    public async Task<IReadOnlyList<FunctionScanResult>> ScanAsync(
        IReadOnlyList<string> accounts, IReadOnlyList<string> regions, IProgress<ScanProgress>? progress, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(accounts);
        ArgumentNullException.ThrowIfNull(regions);
        ArgumentOutOfRangeException.ThrowIfLessThan(accountsAtOnce, 1);
        var results = new ConcurrentBag<FunctionScanResult>();
        var totals = new Totals(progress, $"{accounts.Count} accounts × {regions.Count} regions");
        await Parallel.ForEachAsync(
            accounts,
            new ParallelOptions { MaxDegreeOfParallelism = accountsAtOnce, CancellationToken = cancellationToken },
            async (account, token) =>
            {
                foreach (var region in regions)
                {
                    var sweep = totals.Sweep();
                    try
                    {
                        foreach (var result in await scannerIn(account, region).ScanAsync(region, sweep, token).ConfigureAwait(false))
                        {
                            results.Add(result);
                        }
                    }
                    catch (Exception e) when (e is MemberAccountUnavailableException or AwsServiceException or CredentialsUnavailableException)
                    {
                        // The whole account (or region) is out of reach: the same for its other regions when the role is missing.
                        results.Add(Unreachable(account, region, e.Message));
                        if (e is MemberAccountUnavailableException)
                        {
                            break;
                        }
                    }
                }
            }).ConfigureAwait(false);
        return [.. results.OrderBy(r => r.Account, StringComparer.Ordinal).ThenBy(r => r.Region, StringComparer.Ordinal).ThenBy(r => r.FunctionName, StringComparer.Ordinal)];
    }

    private static FunctionScanResult Unreachable(string account, string region, string reason) =>
        new(region, "(account)", "", null, "", "", ScanOutcome.Unchecked, null, reason.ReplaceLineEndings(" "), null) { Account = account };

    /// <summary>Sums the sweeps' progress into one line: each sweep reports its own running counts.</summary>
    private sealed class Totals(IProgress<ScanProgress>? progress, string label)
    {
        private readonly object _gate = new();
        private readonly List<ScanProgress> _latest = [];

        public IProgress<ScanProgress>? Sweep()
        {
            if (progress is null)
            {
                return null;
            }

            int slot;
            lock (_gate)
            {
                slot = _latest.Count;
                _latest.Add(default);
            }

            return new Progress(this, slot);
        }

        private void Report(int slot, ScanProgress value)
        {
            ScanProgress sum;
            lock (_gate)
            {
                _latest[slot] = value;
                sum = new ScanProgress(label, _latest.Sum(p => p.Listed), _latest.Sum(p => p.Done), _latest.Sum(p => p.Broken));
            }

            progress!.Report(sum);
        }

        private sealed class Progress(Totals totals, int slot) : IProgress<ScanProgress>
        {
            public void Report(ScanProgress value) => totals.Report(slot, value);
        }
    }
}
