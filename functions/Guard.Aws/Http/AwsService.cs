namespace Guard.Aws.Http;

/// <summary>
/// The names one AWS service goes by: its SigV4 signing name, the suffix of its
/// <c>AWS_ENDPOINT_URL_&lt;SERVICE&gt;</c> variable, and the first label of its regional host.
/// </summary>
/// <param name="GlobalEndpoint">For a global service (IAM), its one endpoint in the aws partition; null for regional ones.</param>
public sealed record AwsService(string SigningName, string EndpointVariableSuffix, string HostPrefix, Uri? GlobalEndpoint = null)
{
    public static AwsService Lambda { get; } = new("lambda", "LAMBDA", "lambda");
    public static AwsService Sns { get; } = new("sns", "SNS", "sns");
    public static AwsService Ssm { get; } = new("ssm", "SSM", "ssm");
    public static AwsService S3 { get; } = new("s3", "S3", "s3");
    public static AwsService Sts { get; } = new("sts", "STS", "sts");
    public static AwsService Organizations { get; } = new("organizations", "ORGANIZATIONS", "organizations");
    public static AwsService SecurityHub { get; } = new("securityhub", "SECURITYHUB", "securityhub");

    /// <summary>ECR's API (not the registry's <c>ACCOUNT.dkr.ecr</c> host) answers on <c>api.ecr.REGION</c>, signed as <c>ecr</c>.</summary>
    public static AwsService Ecr { get; } = new("ecr", "ECR", "api.ecr");

    /// <summary>EventBridge keeps CloudWatch Events' signing name and host, <c>events</c>.</summary>
    public static AwsService EventBridge { get; } = new("events", "EVENTBRIDGE", "events");

    /// <summary>IAM answers on iam.amazonaws.com only (signed for us-east-1).</summary>
    public static AwsService Iam { get; } = new("iam", "IAM", "iam", new Uri("https://iam.amazonaws.com/"));
}
