using System.Text.Json.Serialization;
using Guard.Function.Alerts;
using Guard.Function.CloudFormation;
using Guard.Function.Deploys;
using Guard.Function.Logging;
using Guard.Function.Routing;
using Guard.Function.RuntimeApi;
using Guard.Function.Scheduled;

namespace Guard.Function;

/// <summary>
/// Every JSON document this function reads or writes, source-generated (no reflection under Native AOT).
/// Root types only; the report's own document goes through <c>ReportJsonContext</c>, the store's records
/// (<c>DeployRecord</c>, claims, markers) through <c>StoreJsonContext</c> in Guard.Aws, which <c>guard rollback</c> shares.
/// </summary>
[JsonSourceGenerationOptions(
    PropertyNamingPolicy = JsonKnownNamingPolicy.CamelCase,
    DefaultIgnoreCondition = JsonIgnoreCondition.Never)]
[JsonSerializable(typeof(CloudTrailEvent))]
[JsonSerializable(typeof(RuntimeError))]
[JsonSerializable(typeof(Acknowledgement))]
[JsonSerializable(typeof(LogEntry))]
[JsonSerializable(typeof(MetricsLine))]
[JsonSerializable(typeof(SnsMessageStructure))]
[JsonSerializable(typeof(ChatbotNotification))]
[JsonSerializable(typeof(AlertDocument))]
[JsonSerializable(typeof(SlackMessage))]
[JsonSerializable(typeof(CustomResourceRequest))]
[JsonSerializable(typeof(CustomResourceResponse))]
[JsonSerializable(typeof(HookRequest))]
[JsonSerializable(typeof(HookResponse))]
[JsonSerializable(typeof(ChangeSetPayload))]
[JsonSerializable(typeof(HookCallbackContext))]
[JsonSerializable(typeof(SweepMetricsLine))]
[JsonSerializable(typeof(SweepAlertDocument))]
[JsonSerializable(typeof(SweepSummary))]
[JsonSerializable(typeof(AccountAlertDocument))]
[JsonSerializable(typeof(FunctionVerdict))]
internal sealed partial class FunctionJsonContext : JsonSerializerContext;
