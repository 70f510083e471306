using Amazon.SimpleSystemsManagement;
using Amazon.SimpleSystemsManagement.Model;
using Guard.Aws.Http;
using Guard.Aws.Notifications;
using Guard.Aws.Tests.Http;
using Guard.Testing;

namespace Guard.Aws.Tests.Notifications;

public sealed class SlackWebhookUrlSourceMotoTests(MotoServer moto) : IClassFixture<MotoServer>
{
    private const string Secret = "https://hooks.slack.com/services/T000/B000/XXXXSECRETXXXX";

    private static CancellationToken Cancel => TestContext.Current.CancellationToken;

    [Fact]
    public async Task Get_SecureStringViaSsmEndpointVariable_ReturnsUrlAndCachesIt()
    {
        using var ssm = TestSsmClient();
        await ssm.PutParameterAsync(new PutParameterRequest { Name = "/guard/slack-cached", Value = Secret, Type = ParameterType.SecureString }, Cancel);
        // Only the SSM-specific variable is set: proves the source reads AWS_ENDPOINT_URL_SSM.
        var environment = AwsEnvironment.From(new Dictionary<string, string?> { ["AWS_REGION"] = MotoAws.Region, ["AWS_ENDPOINT_URL_SSM"] = moto.Endpoint.AbsoluteUri });
        using var source = SlackWebhookUrlSource.Create(environment, MotoAws.Credentials, "/guard/slack-cached");

        var first = await source.GetAsync(Cancel);
        await ssm.DeleteParameterAsync(new DeleteParameterRequest { Name = "/guard/slack-cached" }, Cancel);
        var second = await source.GetAsync(Cancel);

        Assert.Equal(new Uri(Secret), first.Value);
        Assert.Same(first, second);
        Assert.DoesNotContain("SECRET", source.ToString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Get_MissingParameter_ThrowsNamingParameterAndRetriesNextTime()
    {
        using var ssm = TestSsmClient();
        using var source = SlackWebhookUrlSource.Create(MotoEnvironment(), MotoAws.Credentials, "/guard/slack-later");

        var error = await Assert.ThrowsAsync<AwsServiceException>(() => source.GetAsync(Cancel));
        await ssm.PutParameterAsync(new PutParameterRequest { Name = "/guard/slack-later", Value = Secret, Type = ParameterType.SecureString }, Cancel);
        var url = await source.GetAsync(Cancel);

        Assert.Equal("ParameterNotFound", error.ErrorCode);
        Assert.Equal(AwsActions.SsmGetParameter, error.Action);
        Assert.Contains("/guard/slack-later", error.Message, StringComparison.Ordinal);
        Assert.Equal(new Uri(Secret), url.Value);
    }

    [Fact]
    public async Task Get_ValueNotHttpsUrl_ThrowsWithoutValue()
    {
        using var ssm = TestSsmClient();
        await ssm.PutParameterAsync(new PutParameterRequest { Name = "/guard/slack-bad", Value = "not-a-url-XXXXSECRETXXXX", Type = ParameterType.SecureString }, Cancel);
        using var source = SlackWebhookUrlSource.Create(MotoEnvironment(), MotoAws.Credentials, "/guard/slack-bad");

        var error = await Assert.ThrowsAsync<FormatException>(() => source.GetAsync(Cancel));

        Assert.DoesNotContain("SECRET", error.ToString(), StringComparison.Ordinal);
        Assert.Contains("/guard/slack-bad", error.Message, StringComparison.Ordinal);
    }

    private AwsEnvironment MotoEnvironment() =>
        AwsEnvironment.From(new Dictionary<string, string?> { ["AWS_REGION"] = MotoAws.Region, ["AWS_ENDPOINT_URL"] = moto.Endpoint.AbsoluteUri });

    private AmazonSimpleSystemsManagementClient TestSsmClient() =>
        new(MotoServer.ForSdk(MotoAws.Credentials), new AmazonSimpleSystemsManagementConfig { ServiceURL = moto.Endpoint.AbsoluteUri, AuthenticationRegion = MotoAws.Region });
}
