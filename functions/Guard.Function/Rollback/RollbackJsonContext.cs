using System.Text.Json.Serialization;
using Guard.Function.Deploys;

namespace Guard.Function.Rollback;

/// <summary>The rollback's own store documents, source-generated (no reflection under Native AOT).</summary>
[JsonSourceGenerationOptions(PropertyNamingPolicy = JsonKnownNamingPolicy.CamelCase)]
[JsonSerializable(typeof(RollbackClaim))]
internal sealed partial class RollbackJsonContext : JsonSerializerContext;
