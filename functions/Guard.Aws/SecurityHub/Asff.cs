using System.Text.Json.Serialization;

namespace Guard.Aws.SecurityHub;

/// <summary>
/// A finding in the AWS Security Finding Format (https://docs.aws.amazon.com/securityhub/latest/userguide/securityhub-findings-format.html),
/// the fields Guard fills. <see cref="RequiredFields"/> names what every imported finding must carry.
/// </summary>
/// <param name="Id">The product's own identifier of the finding: stable, so a later import updates it.</param>
/// <param name="ProductArn">For a custom integration, <c>arn:{partition}:securityhub:{region}:{account}:product/{account}/default</c>.</param>
/// <param name="GeneratorId">The rule that produced it.</param>
/// <param name="AwsAccountId">The account of the resource, which must be the account calling BatchImportFindings.</param>
/// <param name="Types"><c>namespace/category/classifier</c>.</param>
/// <param name="CreatedAt">ISO 8601 with a time zone: when the problem was first seen.</param>
/// <param name="UpdatedAt">ISO 8601: when this record of it was last changed; Security Hub keeps the newest.</param>
/// <param name="Title">At most 256 characters.</param>
/// <param name="Description">At most 1024 characters.</param>
/// <param name="RecordState"><c>ACTIVE</c> or <c>ARCHIVED</c> (the problem is gone).</param>
public sealed record AsffFinding(
    string SchemaVersion,
    string Id,
    string ProductArn,
    string GeneratorId,
    string AwsAccountId,
    IReadOnlyList<string> Types,
    string CreatedAt,
    string UpdatedAt,
    AsffSeverity Severity,
    string Title,
    string Description,
    IReadOnlyList<AsffResource> Resources,
    string? RecordState = null,
    AsffRemediation? Remediation = null,
    string? SourceUrl = null,
    IReadOnlyDictionary<string, string>? ProductFields = null,
    string? Region = null,
    string? ProductName = null,
    string? CompanyName = null)
{
    /// <summary>The only ASFF version.</summary>
    public const string CurrentSchemaVersion = "2018-10-08";

    public const string Active = "ACTIVE";
    public const string Archived = "ARCHIVED";
    public const int MaxTitleLength = 256;
    public const int MaxDescriptionLength = 1024;

    /// <summary>What BatchImportFindings refuses a finding without.</summary>
    public static IReadOnlyList<string> RequiredFields { get; } =
    [
        "AwsAccountId", "CreatedAt", "Description", "GeneratorId", "Id", "ProductArn", "Resources", "SchemaVersion", "Severity", "Title", "Types", "UpdatedAt",
    ];

    /// <summary>A custom integration's product in <paramref name="account"/>: the only product an account may import its own findings under.</summary>
    public static string DefaultProductArn(string partition, string region, string account) =>
        $"arn:{partition}:securityhub:{region}:{account}:product/{account}/default";
}

/// <param name="Label"><c>INFORMATIONAL</c>, <c>LOW</c>, <c>MEDIUM</c>, <c>HIGH</c> or <c>CRITICAL</c>.</param>
/// <param name="Original">The provider's own severity.</param>
public sealed record AsffSeverity(string Label, string? Original = null);

/// <param name="Type">E.g. <c>AwsLambdaFunction</c>.</param>
/// <param name="Id">The resource's ARN.</param>
public sealed record AsffResource(string Type, string Id, string? Partition = null, string? Region = null);

public sealed record AsffRemediation(AsffRecommendation Recommendation);

/// <param name="Text">At most 512 characters.</param>
public sealed record AsffRecommendation(string Text, string? Url = null);

/// <summary>What BatchImportFindings answers: each finding it refused, with why.</summary>
public sealed record BatchImportResult(int SuccessCount, int FailedCount, IReadOnlyList<FailedImport> FailedFindings);

public sealed record FailedImport(string? Id, string? ErrorCode, string? ErrorMessage);

/// <summary>Source-generated JSON for ASFF and the Security Hub wire types; ASFF's names are PascalCase, as the records'.</summary>
[JsonSourceGenerationOptions(DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull)]
[JsonSerializable(typeof(ImportFindingsRequest))]
[JsonSerializable(typeof(BatchImportResult))]
[JsonSerializable(typeof(GetFindingsRequest))]
[JsonSerializable(typeof(GetFindingsResponse))]
internal sealed partial class SecurityHubJsonContext : JsonSerializerContext;

internal sealed record ImportFindingsRequest(IReadOnlyList<AsffFinding> Findings);

internal sealed record GetFindingsRequest(GetFindingsFilters Filters, int MaxResults, string? NextToken);

internal sealed record GetFindingsFilters(
    IReadOnlyList<StringFilter> ProductArn,
    IReadOnlyList<StringFilter> ResourceId,
    IReadOnlyList<StringFilter> RecordState);

internal sealed record StringFilter(string Value, string Comparison);

internal sealed record GetFindingsResponse(IReadOnlyList<AsffFinding>? Findings, string? NextToken);
