using System.Text.Json.Serialization;

namespace Guard.Aws.Lambda;

/// <summary>Source-generated JSON for the Lambda REST-JSON wire types (no reflection: Native AOT).</summary>
[JsonSourceGenerationOptions(DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull)]
[JsonSerializable(typeof(GetFunctionResponse))]
[JsonSerializable(typeof(FunctionConfigurationWire))]
[JsonSerializable(typeof(ListFunctionsResponse))]
[JsonSerializable(typeof(GetLayerVersionResponse))]
[JsonSerializable(typeof(UpdateFunctionCodeRequest))]
[JsonSerializable(typeof(UpdateFunctionConfigurationRequest))]
[JsonSerializable(typeof(FunctionConcurrency))]
[JsonSerializable(typeof(TagResourceRequest))]
[JsonSerializable(typeof(ListTagsResponse))]
internal sealed partial class LambdaJsonContext : JsonSerializerContext;
