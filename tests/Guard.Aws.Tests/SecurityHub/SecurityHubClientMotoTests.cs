using Guard.Aws.SecurityHub;
using Guard.Aws.Tests.Http;
using Guard.Testing;

namespace Guard.Aws.Tests.SecurityHub;

/// <summary>SecurityHubClient against a real moto_server (BatchImportFindings, GetFindings).</summary>
public sealed class SecurityHubClientMotoTests(MotoServer moto) : IClassFixture<MotoServer>
{
    private const string Account = "123456789012";
    private const string FunctionArn = "arn:aws:lambda:us-east-1:123456789012:function:orders-api";

    private static readonly string ProductArn = AsffFinding.DefaultProductArn("aws", MotoAws.Region, Account);

    private static CancellationToken Cancel => TestContext.Current.CancellationToken;

    [Fact]
    public async Task Import_NewThenSameIdArchived_OneFindingNowArchived()
    {
        using var aws = MotoAws.Account(moto.Endpoint);
        using var hub = SecurityHubClient.Create(aws.Environment, MotoAws.Credentials);
        var finding = Finding($"{FunctionArn}/BOOTSTRAP_MISSING-{Guid.NewGuid():N}");

        var created = await hub.ImportAsync([finding], Cancel);
        var archived = await hub.ImportAsync([finding with { RecordState = AsffFinding.Archived, UpdatedAt = "2026-12-06T10:00:00.000Z" }], Cancel);

        Assert.Equal((1, 0), (created.SuccessCount, created.FailedCount));
        Assert.Equal(1, archived.SuccessCount);
        var stored = await ReadAsync(hub, finding.Id);
        Assert.Equal(AsffFinding.Archived, stored.RecordState);
        Assert.Equal("2026-12-06T10:00:00.000Z", stored.UpdatedAt);
        Assert.Equal(finding.CreatedAt, stored.CreatedAt);
    }

    [Fact]
    public async Task Import_FindingWithoutResources_ReportedAsFailedNotThrown()
    {
        using var aws = MotoAws.Account(moto.Endpoint);
        using var hub = SecurityHubClient.Create(aws.Environment, MotoAws.Credentials);

        var result = await hub.ImportAsync([Finding($"{FunctionArn}/NO_RESOURCE") with { Resources = [] }], Cancel);

        Assert.Equal((0, 1), (result.SuccessCount, result.FailedCount));
        Assert.Equal($"{FunctionArn}/NO_RESOURCE", Assert.Single(result.FailedFindings).Id);
    }

    [Fact]
    public async Task Import_MoreThanAHundred_RefusedBeforeSending()
    {
        using var aws = MotoAws.Account(moto.Endpoint);
        using var hub = SecurityHubClient.Create(aws.Environment, MotoAws.Credentials);

        await Assert.ThrowsAsync<ArgumentException>(() => hub.ImportAsync([.. Enumerable.Range(0, 101).Select(i => Finding($"{FunctionArn}/{i}"))], Cancel));
    }

    private static async Task<AsffFinding> ReadAsync(SecurityHubClient hub, string id)
    {
        // moto 5 ignores GetFindings' filters, so the test picks its own finding out of everything stored.
        await foreach (var finding in hub.ActiveFindingsAsync(ProductArn, FunctionArn, Cancel))
        {
            if (finding.Id == id)
            {
                return finding;
            }
        }

        throw new InvalidOperationException($"{id} is not in Security Hub");
    }

    private static AsffFinding Finding(string id) => new(
        AsffFinding.CurrentSchemaVersion,
        id,
        ProductArn,
        "guard/BOOTSTRAP_MISSING",
        Account,
        ["Software and Configuration Checks/AWS Security Best Practices/BOOTSTRAP_MISSING"],
        "2026-12-06T09:00:00.000Z",
        "2026-12-06T09:00:00.000Z",
        new AsffSeverity("HIGH", "error"),
        "orders-api will not start: BOOTSTRAP_MISSING",
        "BOOTSTRAP_MISSING: the package has no bootstrap.",
        [new AsffResource("AwsLambdaFunction", FunctionArn, "aws", MotoAws.Region)],
        AsffFinding.Active);
}
