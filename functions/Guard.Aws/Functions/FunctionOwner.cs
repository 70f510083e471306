namespace Guard.Aws.Functions;

/// <summary>
/// The stack that owns a function, as its tags say. CloudFormation tags every taggable resource it creates with
/// <c>aws:cloudformation:stack-name</c>, <c>-stack-id</c> and <c>-logical-id</c> (tags no caller may set or change), so
/// whatever deployed through it — SAM, the CDK, the Serverless Framework — is seen here; SAM adds
/// <c>lambda:createdBy=SAM</c> and the Serverless Framework a <c>STAGE</c> stack tag, which name the tool. The CDK's
/// <c>aws:cdk:path</c> is template metadata, not a tag, and Terraform tags nothing by default: a Terraform function is
/// not told apart from one made by hand.
/// </summary>
/// <param name="Tool"><c>SAM</c>, <c>Serverless Framework</c> or <c>CloudFormation</c> (the CDK among them).</param>
/// <param name="StackName">The stack's name.</param>
/// <param name="LogicalId">The function's logical ID in the stack's template; null when the tag is absent.</param>
public sealed record FunctionOwner(string Tool, string StackName, string? LogicalId)
{
    public const string StackNameTag = "aws:cloudformation:stack-name";
    public const string LogicalIdTag = "aws:cloudformation:logical-id";
    public const string SamTag = "lambda:createdBy";
    public const string ServerlessStageTag = "STAGE";

    /// <summary>The owner the tags name; null when no stack does (made by hand, by the CLI, by Terraform...).</summary>
    public static FunctionOwner? FromTags(IReadOnlyDictionary<string, string> tags)
    {
        ArgumentNullException.ThrowIfNull(tags);
        if (!tags.TryGetValue(StackNameTag, out var stack) || string.IsNullOrEmpty(stack))
        {
            return null;
        }

        var tool = tags.TryGetValue(SamTag, out var createdBy) && createdBy == "SAM" ? "SAM"
            : tags.ContainsKey(ServerlessStageTag) ? "Serverless Framework"
            : "CloudFormation";
        return new FunctionOwner(tool, stack, tags.TryGetValue(LogicalIdTag, out var logicalId) && logicalId.Length > 0 ? logicalId : null);
    }

    /// <summary>"SAM stack orders-prod (logical ID OrdersFunction)".</summary>
    public override string ToString() => $"{Tool} stack {StackName}{(LogicalId is null ? "" : $" (logical ID {LogicalId})")}";
}
