using System.Collections.Concurrent;
using System.Globalization;
using Guard.Aws.Accounts;
using Guard.Aws.Store;
using Guard.Function.Alerts;
using Guard.Function.Logging;
using Guard.Function.Routing;

namespace Guard.Function.Deploys;

/// <summary>
/// Hands each deploy event to the <see cref="DeployCheck"/> of the account and region it happened in — one, for Guard's
/// own account, outside Organization mode. A member account whose role cannot be assumed is never a silent drop: one
/// alert per event (a retry of the same event does not repeat it), and the invocation fails, so Lambda retries it and
/// then keeps it in the failed-checks queue.
/// </summary>
public sealed class AccountDeploys(Func<string?, string?, DeployCheck> checkIn, AlertSender alerts, IGuardStore? store, GuardLog log, TimeProvider time) : IRouteHandler
{
    /// <summary>The alert marker's problem name (<see cref="FunctionKey.AlertedKey"/>).</summary>
    public const string AccountUnavailable = "account-unavailable";

    private readonly ConcurrentDictionary<(string Account, string Region), DeployCheck> _checks = new();

    public async Task<ReadOnlyMemory<byte>> HandleAsync(RoutedEvent routed, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(routed);
        var deploy = routed.CloudTrail ?? throw new ArgumentException("a deploy event carries its CloudTrail record", nameof(routed));
        var account = deploy.Account ?? deploy.Detail?.RecipientAccountId;
        var region = deploy.Region ?? deploy.Detail?.AwsRegion;
        try
        {
            var check = _checks.GetOrAdd((account ?? "", region ?? ""), key => checkIn(NullIfEmpty(key.Account), NullIfEmpty(key.Region)));
            return await check.HandleAsync(routed, cancellationToken).ConfigureAwait(false);
        }
        catch (MemberAccountUnavailableException e)
        {
            var function = DeployRules.FunctionToCheck(deploy.Detail);
            var context = new LogContext(function, deploy.EventId, Outcome: Outcomes.Skipped);
            log.Error($"deploy in account {e.Account} not checked: {e.Message}", context);
            var marker = new FunctionKey(e.Account, region ?? "unknown", "_account");
            var eventKey = deploy.EventId ?? "unknown-event";
            if (store is null || await store.TryMarkAlertedAsync(marker, new AlertMarker(e.RoleArn, AccountUnavailable, eventKey, Now()), cancellationToken).ConfigureAwait(false))
            {
                await alerts.SendAsync(AccountAlertComposer.Compose(AccountAlert.From(e, region, function, deploy.Detail?.EventName, deploy.EventId)), cancellationToken).ConfigureAwait(false);
            }

            throw;
        }
    }

    private string Now() => time.GetUtcNow().UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss'Z'", CultureInfo.InvariantCulture);

    private static string? NullIfEmpty(string value) => value.Length == 0 ? null : value;
}
