using System.Text.Json.Serialization;

namespace Guard.Aws.Store;

/// <summary>
/// The store's records as JSON, source-generated (no reflection under Native AOT). The options are the ones the
/// Lambda has always written them with (camelCase, nulls kept): records already in S3 must read back unchanged.
/// </summary>
[JsonSourceGenerationOptions(
    PropertyNamingPolicy = JsonKnownNamingPolicy.CamelCase,
    DefaultIgnoreCondition = JsonIgnoreCondition.Never)]
[JsonSerializable(typeof(DeployRecord))]
[JsonSerializable(typeof(RollbackClaim))]
[JsonSerializable(typeof(GuardUpdate))]
[JsonSerializable(typeof(AlertMarker))]
[JsonSerializable(typeof(PlaceholderTagRecord))]
public sealed partial class StoreJsonContext : JsonSerializerContext;
