using System.Text.Json;

namespace Guard.Deploy.Tests;

/// <summary>The store bucket (last known good and pending-placeholder records): private, TLS-only, encrypted, versioned.</summary>
public sealed class StoreBucketTests
{
    [Fact]
    public async Task StoreBucket_PublicAccessBlock_AllFourOn()
    {
        var block = (await CloudFormationTemplate.LoadAsync(Repository.TemplatePath)).Properties("StoreBucket").GetProperty("PublicAccessBlockConfiguration");

        foreach (var setting in new[] { "BlockPublicAcls", "BlockPublicPolicy", "IgnorePublicAcls", "RestrictPublicBuckets" })
        {
            Assert.True(block.GetProperty(setting).GetBoolean(), $"{setting} is not true");
        }
    }

    [Fact]
    public async Task StoreBucketPolicy_NonTlsRequests_DeniedOnBucketAndObjects()
    {
        var template = await CloudFormationTemplate.LoadAsync(Repository.TemplatePath);
        var policy = template.ResourcesOfType("AWS::S3::BucketPolicy")
            .Select(resource => resource.Resource.GetProperty("Properties"))
            .Single(properties => CloudFormationTemplate.IsRefTo(properties.GetProperty("Bucket"), "StoreBucket"));

        // Through Fn::If: Organization mode adds a conditional statement.
        var denial = CloudFormationTemplate.Items(policy.GetProperty("PolicyDocument").GetProperty("Statement")).Single(statement =>
            statement.GetProperty("Effect").GetString() == "Deny"
            && statement.TryGetProperty("Condition", out var condition)
            && condition.TryGetProperty("Bool", out var tls)
            && tls.GetProperty("aws:SecureTransport").GetString() == "false");

        Assert.Equal("*", denial.GetProperty("Principal").GetString());
        Assert.Equal("s3:*", denial.GetProperty("Action").GetString());
        var resources = denial.GetProperty("Resource").EnumerateArray().ToArray();
        Assert.Contains(resources, resource => CloudFormationTemplate.IsGetAtt(resource, "StoreBucket", "Arn"));
        Assert.Contains(resources, resource => resource.TryGetProperty("Fn::Sub", out var sub) && sub.GetString() == "${StoreBucket.Arn}/*");
    }

    [Fact]
    public async Task StoreBucketPolicy_EveryWriteGuardMakes_DeniedToEveryPrincipalButGuardsRole()
    {
        var template = await CloudFormationTemplate.LoadAsync(Repository.TemplatePath);
        var statements = CloudFormationTemplate.Items(template.Properties("StoreBucketPolicy").GetProperty("PolicyDocument").GetProperty("Statement"));

        var deny = Assert.Single(statements, s => s.TryGetProperty("Sid", out var sid) && sid.GetString() == "OnlyGuardWrites");

        Assert.Equal("Deny", deny.GetProperty("Effect").GetString());
        Assert.Equal("*", deny.GetProperty("Principal").GetString());
        Assert.Equal("${StoreBucket.Arn}/*", deny.GetProperty("Resource").GetProperty("Fn::Sub").GetString());
        // The exact role, by ARN (not ArnLike, not a name): Guard's own role is the one writer.
        var except = deny.GetProperty("Condition").GetProperty("ArnNotEquals");
        Assert.Equal(["aws:PrincipalArn"], except.EnumerateObject().Select(p => p.Name));
        Assert.True(CloudFormationTemplate.IsGetAtt(except.GetProperty("aws:PrincipalArn"), "GuardFunctionRole", "Arn"));
        // Every S3 write Guard's code makes (AwsActions.All) is one nobody else may make, and version deletes too.
        var denied = CloudFormationTemplate.Items(deny.GetProperty("Action")).Select(a => a.GetString()!).ToHashSet(StringComparer.Ordinal);
        var writes = Guard.Aws.AwsActions.All.Where(a => a.StartsWith("s3:", StringComparison.Ordinal) && !a.StartsWith("s3:Get", StringComparison.Ordinal) && !a.StartsWith("s3:List", StringComparison.Ordinal));
        Assert.Subset(denied, writes.ToHashSet(StringComparer.Ordinal));
        Assert.Contains("s3:DeleteObjectVersion", denied);
    }

    [Fact]
    public async Task StoreBucket_EncryptedVersionedAndExpiringOldCopies()
    {
        var bucket = (await CloudFormationTemplate.LoadAsync(Repository.TemplatePath)).Properties("StoreBucket");

        Assert.NotEmpty(bucket.GetProperty("BucketEncryption").GetProperty("ServerSideEncryptionConfiguration").EnumerateArray());
        Assert.Equal("Enabled", bucket.GetProperty("VersioningConfiguration").GetProperty("Status").GetString());
        var rules = bucket.GetProperty("LifecycleConfiguration").GetProperty("Rules").EnumerateArray().ToArray();
        // Superseded good/ copies expire; the current one never does (it is the rollback target).
        var good = Assert.Single(rules, rule => rule.TryGetProperty("Prefix", out var prefix) && prefix.GetString() == "good/");
        Assert.True(good.TryGetProperty("NoncurrentVersionExpiration", out _));
        Assert.False(good.TryGetProperty("ExpirationInDays", out _));
        Assert.Contains(rules, rule => rule.TryGetProperty("AbortIncompleteMultipartUpload", out _));
    }

    [Fact]
    public async Task StoreBucket_IsTheFunctionsStore()
    {
        var variables = (await CloudFormationTemplate.LoadAsync(Repository.TemplatePath)).Properties("GuardFunction").GetProperty("Environment").GetProperty("Variables");

        Assert.True(CloudFormationTemplate.IsRefTo(variables.GetProperty("GUARD_STORE_BUCKET"), "StoreBucket"));
        Assert.True(CloudFormationTemplate.IsRefTo(variables.GetProperty("GUARD_TOPIC_ARN"), "AlertTopic"));
        Assert.Equal(JsonValueKind.Object, variables.GetProperty("GUARD_MODE").ValueKind);
    }
}
