using System.Text;
using System.Text.Json;
using System.Text.Json.Serialization;

namespace Guard.Function.CloudFormation;

/// <summary>
/// A CloudFormation custom resource request (https://docs.aws.amazon.com/AWSCloudFormation/latest/UserGuide/crpg-ref-requests.html). Names as CloudFormation spells them; every
/// member optional so a malformed request still gets an answer. <see cref="ToString"/> leaves out
/// <see cref="ResponseUrl"/>: a presigned URL is a credential and must never reach a log.
/// </summary>
/// <param name="RequestType"><c>Create</c>, <c>Update</c> or <c>Delete</c>.</param>
/// <param name="ResponseUrl">Presigned S3 URL the answer is PUT to.</param>
/// <param name="PhysicalResourceId">On Update and Delete: what the previous answer returned.</param>
/// <param name="ResourceProperties">The template's properties; scalars arrive as strings.</param>
public sealed record CustomResourceRequest(
    [property: JsonPropertyName("RequestType")] string? RequestType,
    [property: JsonPropertyName("ResponseURL")] string? ResponseUrl,
    [property: JsonPropertyName("StackId")] string? StackId,
    [property: JsonPropertyName("RequestId")] string? RequestId,
    [property: JsonPropertyName("ResourceType")] string? ResourceType,
    [property: JsonPropertyName("LogicalResourceId")] string? LogicalResourceId,
    [property: JsonPropertyName("PhysicalResourceId")] string? PhysicalResourceId,
    [property: JsonPropertyName("ResourceProperties")] JsonElement ResourceProperties,
    [property: JsonPropertyName("OldResourceProperties")] JsonElement OldResourceProperties,
    [property: JsonPropertyName("ServiceToken")] string? ServiceToken)
{
    public const string Create = "Create";
    public const string Update = "Update";
    public const string Delete = "Delete";

    public override string ToString() =>
        new StringBuilder("CustomResourceRequest { RequestType = ").Append(RequestType)
            .Append(", StackId = ").Append(StackId)
            .Append(", RequestId = ").Append(RequestId)
            .Append(", LogicalResourceId = ").Append(LogicalResourceId)
            .Append(", PhysicalResourceId = ").Append(PhysicalResourceId)
            .Append(", ResponseURL = (presigned, not shown) }")
            .ToString();
}

/// <summary>The answer PUT to the ResponseURL (https://docs.aws.amazon.com/AWSCloudFormation/latest/UserGuide/crpg-ref-responses.html). The whole body must fit in 4096 bytes.</summary>
/// <param name="Status"><c>SUCCESS</c> or <c>FAILED</c>.</param>
/// <param name="Reason">Required when FAILED; shown in the stack's events.</param>
/// <param name="PhysicalResourceId">Identical in every answer for the same resource, or CloudFormation replaces it.</param>
/// <param name="Data">Read by <c>Fn::GetAtt</c>; visible in DescribeStackEvents.</param>
public sealed record CustomResourceResponse(
    [property: JsonPropertyName("Status")] string Status,
    [property: JsonPropertyName("Reason"), JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] string? Reason,
    [property: JsonPropertyName("PhysicalResourceId")] string PhysicalResourceId,
    [property: JsonPropertyName("StackId")] string StackId,
    [property: JsonPropertyName("RequestId")] string RequestId,
    [property: JsonPropertyName("LogicalResourceId")] string LogicalResourceId,
    [property: JsonPropertyName("Data"), JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] IReadOnlyDictionary<string, string>? Data)
{
    public const string Success = "SUCCESS";
    public const string Failed = "FAILED";

    /// <summary>"The total size of the response body can't exceed 4096 bytes."</summary>
    public const int MaxBodyBytes = 4096;
}
