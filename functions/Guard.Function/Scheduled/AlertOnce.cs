using System.Globalization;
using Guard.Aws.Store;
using Guard.Function.Alerts;
using Guard.Function.Deploys;

namespace Guard.Function.Scheduled;

/// <summary>Sends a sweep's alert at most once per problem, function and CodeSha256, however often the schedule fires.</summary>
internal static class AlertOnce
{
    /// <returns>Alerts sent; null when this problem with this code was already alerted.</returns>
    public static async Task<int?> SendAsync(
        IGuardStore store, AlertSender alerts, FunctionKey key, string problem, SweepAlert alert, TimeProvider time, CancellationToken cancellationToken)
    {
        var function = alert.Function;
        var marker = new AlertMarker(function.FunctionArn, problem, function.CodeSha256, time.GetUtcNow().ToString("yyyy-MM-dd'T'HH:mm:ss'Z'", CultureInfo.InvariantCulture));
        // Marker first: two overlapping runs (a retry, a late schedule) cannot both alert. Should the alert then
        // fail, the marker goes, so the retry (or the next run) alerts instead of staying silent.
        if (!await store.TryMarkAlertedAsync(key, marker, cancellationToken).ConfigureAwait(false))
        {
            return null;
        }

        try
        {
            return await alerts.SendAsync(SweepAlertComposer.Compose(alert), cancellationToken).ConfigureAwait(false);
        }
        catch
        {
            await store.ClearAlertedAsync(key, problem, function.CodeSha256, CancellationToken.None).ConfigureAwait(false);
            throw;
        }
    }
}
