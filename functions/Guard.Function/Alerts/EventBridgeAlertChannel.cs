using System.Text.Json;
using Guard.Aws.Events;
using Guard.Aws.Http;
using Guard.Function.Logging;

namespace Guard.Function.Alerts;

/// <summary>
/// EventBridge: one event per verdict, an alert's and every other, so rules can route verdicts anywhere (a ticket,
/// a pipeline gate, another account's bus). Source <see cref="Source"/>, detail-type <see cref="DetailType"/>, detail
/// the <see cref="FunctionVerdict"/> (schemas/guard-verdict.schema.json).
/// </summary>
/// <param name="bus">The bus's name or ARN; "default" is the account's default bus.</param>
public sealed class EventBridgeAlertChannel(IEventPublisher events, string bus, GuardLog log) : IAlertChannel
{
    public const string Source = "guard";
    public const string DetailType = "Guard Verdict";

    public Task<bool> SendAsync(Alert alert, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(alert);
        return alert.Verdict is { } verdict ? RecordAsync(verdict, cancellationToken) : Task.FromResult(false);
    }

    public async Task<bool> RecordAsync(FunctionVerdict verdict, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(verdict);
        var context = new LogContext(verdict.FunctionName, verdict.EventId, verdict.Verdict);
        try
        {
            var id = await events.PutAsync(Entry(verdict, bus), cancellationToken).ConfigureAwait(false);
            log.Info($"verdict event put on EventBridge bus {bus} (EventId {id})", context);
            return true;
        }
        catch (AwsServiceException e)
        {
            // As for Slack: SNS already carried any alert, and a retry would publish it twice.
            log.Error($"the verdict event could not be put on EventBridge bus {bus}", context, e);
            return false;
        }
    }

    public static EventEntry Entry(FunctionVerdict verdict, string bus)
    {
        ArgumentNullException.ThrowIfNull(verdict);
        return new EventEntry(Source, DetailType, JsonSerializer.Serialize(verdict, FunctionJsonContext.Default.FunctionVerdict), bus, [verdict.FunctionArn]);
    }
}
