namespace Guard.Aws;

/// <summary>
/// Every IAM action Guard's code performs, in one place. Each client call names its action here, and a CI
/// check compares this list with the policy in the SAM template so the two cannot drift.
/// </summary>
public static class AwsActions
{
    public const string LambdaGetFunction = "lambda:GetFunction";

    /// <summary>
    /// GetFunction returns the function's <c>Tags</c> only when the caller is also allowed <c>lambda:ListTags</c>, and
    /// the Guard Lambda reads its <c>guard:mode</c> tag from there; <c>guard migrate</c> calls ListTags itself, so a
    /// missing grant is an error rather than a function that looks owned by no stack.
    /// </summary>
    public const string LambdaListTags = "lambda:ListTags";

    /// <summary>The IAM action behind GetLayerVersionByArn (there is no separate action for the by-ARN form).</summary>
    public const string LambdaGetLayerVersion = "lambda:GetLayerVersion";

    public const string LambdaListFunctions = "lambda:ListFunctions";
    public const string LambdaUpdateFunctionCode = "lambda:UpdateFunctionCode";
    public const string LambdaUpdateFunctionConfiguration = "lambda:UpdateFunctionConfiguration";
    public const string LambdaPutFunctionConcurrency = "lambda:PutFunctionConcurrency";
    public const string LambdaTagResource = "lambda:TagResource";

    public const string SnsPublish = "sns:Publish";

    /// <summary>A container-image function's manifest (or index), by the digest Lambda resolved its ImageUri to.</summary>
    public const string EcrBatchGetImage = "ecr:BatchGetImage";

    /// <summary>Presigned URLs of the image's config blob and of the layers a verdict needs.</summary>
    public const string EcrGetDownloadUrlForLayer = "ecr:GetDownloadUrlForLayer";

    /// <summary>Security Hub channel (optional): findings under the account's own default product ARN.</summary>
    public const string SecurityHubBatchImportFindings = "securityhub:BatchImportFindings";

    /// <summary>Security Hub channel: the function's active Guard findings, to archive those a later verdict no longer has.</summary>
    public const string SecurityHubGetFindings = "securityhub:GetFindings";

    /// <summary>EventBridge channel (optional): one event per verdict on the configured bus.</summary>
    public const string EventsPutEvents = "events:PutEvents";

    /// <summary>
    /// <c>guard scan --organization</c> only (the management account or a delegated administrator): not part of
    /// <see cref="All"/>, since the Guard Lambda never lists accounts.
    /// </summary>
    public const string OrganizationsListAccounts = "organizations:ListAccounts";

    /// <summary>Organization mode: the central Guard role assumes <c>GuardMember</c> in the account an event came from.</summary>
    public const string StsAssumeRole = "sts:AssumeRole";

    /// <summary>
    /// <c>guard scan --organization</c>: the caller's own account. Any valid credentials may call it (no policy can deny
    /// it), so no role grants it.
    /// </summary>
    public const string StsGetCallerIdentity = "sts:GetCallerIdentity";

    /// <summary>
    /// With <c>WithDecryption</c>; a SecureString under a customer-managed KMS key also needs <c>kms:Decrypt</c>
    /// on that key, which belongs to the template, not to this list (Guard never calls KMS itself).
    /// </summary>
    public const string SsmGetParameter = "ssm:GetParameter";

    public const string S3GetObject = "s3:GetObject";

    /// <summary>Reading an object by <c>versionId</c> is authorised by this action, not by s3:GetObject.</summary>
    public const string S3GetObjectVersion = "s3:GetObjectVersion";

    /// <summary>
    /// The last-known-good store: records and code copies (PutObject, CopyObject's destination, and every
    /// part of a multipart upload are authorised by this one action).
    /// </summary>
    public const string S3PutObject = "s3:PutObject";

    /// <summary>Clears a function's pending-placeholder record once its real code has arrived.</summary>
    public const string S3DeleteObject = "s3:DeleteObject";

    /// <summary>Cleans up a streamed code copy that failed half-way (its digest did not match, or the source broke off).</summary>
    public const string S3AbortMultipartUpload = "s3:AbortMultipartUpload";

    /// <summary>
    /// Not called directly: without it S3 answers a read of a missing key with 403 instead of 404, and Guard
    /// could not tell "no good code stored yet" from "not allowed" on its own store bucket.
    /// </summary>
    public const string S3ListBucket = "s3:ListBucket";

    /// <summary>
    /// What Guard does in a member account of an organization, as its <c>GuardMember-{region}</c> role (org/member.yaml grants
    /// exactly these): judge functions, roll back or quarantine them, and update code from the central store's copy.
    /// Security Hub findings are imported there too (Security Hub takes a custom integration's findings only from the
    /// account they are about); the other alerts, the store and STS are the central account's.
    /// </summary>
    public static IReadOnlyList<string> MemberAccount { get; } =
    [
        // Image functions: their images are read as the member account, where Lambda pulls them.
        EcrBatchGetImage,
        EcrGetDownloadUrlForLayer,
        LambdaGetFunction,
        LambdaGetLayerVersion,
        LambdaListFunctions,
        LambdaListTags,
        LambdaPutFunctionConcurrency,
        LambdaTagResource,
        LambdaUpdateFunctionCode,
        LambdaUpdateFunctionConfiguration,
        // UpdateFunctionCode from the store's copy, which Lambda reads with this role; Guard names no object version.
        S3GetObject,
        IamListAccountAliases,
        // Security Hub channel: BatchImportFindings must be called by the account a finding is about.
        SecurityHubBatchImportFindings,
        SecurityHubGetFindings,
    ];

    /// <summary>Organization mode: the account's alias, for alerts (as the member role; the central account's own is not looked up).</summary>
    public const string IamListAccountAliases = "iam:ListAccountAliases";

    /// <summary>What Guard calls only as the member role, in member accounts: granted by org/member.yaml, not by the central role.</summary>
    public static IReadOnlyList<string> MemberOnly { get; } = [IamListAccountAliases];

    /// <summary>What only the CLI calls (never the Guard Lambda, so its role does not grant it).</summary>
    public static IReadOnlyList<string> CliOnly { get; } = [OrganizationsListAccounts, StsGetCallerIdentity];

    /// <summary>Every action above that the Guard Lambda's own role needs (all but <see cref="CliOnly"/> and <see cref="MemberOnly"/>), sorted ordinally.</summary>
    public static IReadOnlyList<string> All { get; } =
    [
        EcrBatchGetImage,
        EcrGetDownloadUrlForLayer,
        EventsPutEvents,
        LambdaGetFunction,
        LambdaGetLayerVersion,
        LambdaListFunctions,
        LambdaListTags,
        LambdaPutFunctionConcurrency,
        LambdaTagResource,
        LambdaUpdateFunctionCode,
        LambdaUpdateFunctionConfiguration,
        S3AbortMultipartUpload,
        S3DeleteObject,
        S3GetObject,
        S3GetObjectVersion,
        S3ListBucket,
        S3PutObject,
        SecurityHubBatchImportFindings,
        SecurityHubGetFindings,
        SnsPublish,
        SsmGetParameter,
        StsAssumeRole,
    ];
}
