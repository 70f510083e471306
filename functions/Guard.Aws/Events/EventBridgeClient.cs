using System.Text.Json.Serialization;
using Guard.Aws.Http;

namespace Guard.Aws.Events;

/// <summary>Puts events on an EventBridge bus.</summary>
public interface IEventPublisher
{
    /// <returns>The event's id.</returns>
    /// <exception cref="AwsServiceException">EventBridge refused the call or the entry, or could not be reached.</exception>
    Task<string> PutAsync(EventEntry entry, CancellationToken cancellationToken);
}

/// <summary>One <c>PutEventsRequestEntry</c>.</summary>
/// <param name="EventBusName">The bus's name or ARN; null (or "default") is the account's default bus.</param>
/// <param name="Detail">A JSON object, at most 256 KB with the rest of the entry.</param>
/// <param name="Resources">ARNs the event is about (rules can match them).</param>
public sealed record EventEntry(string Source, string DetailType, string Detail, string? EventBusName = null, IReadOnlyList<string>? Resources = null);

/// <summary>
/// EventBridge <c>PutEvents</c> over signed HTTP (JSON 1.1: a POST naming the operation in <c>X-Amz-Target</c>,
/// https://docs.aws.amazon.com/eventbridge/latest/APIReference/API_PutEvents.html). PutEvents answers 200 even when it
/// refused an entry; that entry's <c>ErrorCode</c> becomes the exception here.
/// </summary>
public sealed class EventBridgeClient : IEventPublisher, IDisposable
{
    private readonly AwsHttpPipeline _pipeline;

    /// <param name="pipeline">A pipeline for <see cref="AwsService.EventBridge"/> with <see cref="AwsErrorProtocol.RestJson"/>; the client owns it.</param>
    public EventBridgeClient(AwsHttpPipeline pipeline)
    {
        ArgumentNullException.ThrowIfNull(pipeline);
        _pipeline = pipeline;
    }

    public static EventBridgeClient Create(AwsEnvironment environment, IAwsCredentialsProvider credentials, AwsRetryOptions? retry = null, HttpMessageHandler? transport = null) =>
        new(AwsHttpPipeline.Create(environment, AwsService.EventBridge, AwsErrorProtocol.RestJson, credentials, retry, transport));

    public async Task<string> PutAsync(EventEntry entry, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(entry);
        ArgumentException.ThrowIfNullOrEmpty(entry.Source);
        ArgumentException.ThrowIfNullOrEmpty(entry.DetailType);
        var (wire, status, requestId) = await _pipeline.SendJsonAsync(
            AwsActions.EventsPutEvents, "AWSEvents.PutEvents",
            new PutEventsRequest([new PutEventsEntry(entry.Source, entry.DetailType, entry.Detail, entry.EventBusName, entry.Resources)]),
            EventsJsonContext.Default.PutEventsRequest, EventsJsonContext.Default.PutEventsResponse, cancellationToken).ConfigureAwait(false);

        var result = wire.Entries is [var only, ..] ? only : null;
        if (result?.ErrorCode is { } code)
        {
            throw new AwsServiceException(code, status, $"entry refused: {result.ErrorMessage}", AwsActions.EventsPutEvents, requestId, null);
        }

        return result?.EventId
            ?? throw new AwsServiceException("MalformedResponse", status, "answer has no EventId", AwsActions.EventsPutEvents, requestId, null);
    }

    public void Dispose() => _pipeline.Dispose();
}

internal sealed record PutEventsRequest(IReadOnlyList<PutEventsEntry> Entries);

internal sealed record PutEventsEntry(string Source, string DetailType, string Detail, string? EventBusName, IReadOnlyList<string>? Resources);

internal sealed record PutEventsResponse(int FailedEntryCount, IReadOnlyList<PutEventsResultEntry>? Entries);

internal sealed record PutEventsResultEntry(string? EventId, string? ErrorCode, string? ErrorMessage);

/// <summary>Source-generated JSON for the PutEvents wire types (PascalCase, as EventBridge names them).</summary>
[JsonSourceGenerationOptions(DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull)]
[JsonSerializable(typeof(PutEventsRequest))]
[JsonSerializable(typeof(PutEventsResponse))]
internal sealed partial class EventsJsonContext : JsonSerializerContext;
