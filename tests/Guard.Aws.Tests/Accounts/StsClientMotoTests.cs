using Guard.Aws.Accounts;
using Guard.Aws.Http;
using Guard.Aws.Tests.Http;
using Guard.Testing;

namespace Guard.Aws.Tests.Accounts;

/// <summary>StsClient against a real moto_server: the Query form it posts and the XML it reads are STS's own.</summary>
public sealed class StsClientMotoTests(MotoServer moto) : IClassFixture<MotoServer>
{
    private static CancellationToken Cancel => TestContext.Current.CancellationToken;

    [Fact]
    public async Task AssumeRole_MemberRole_ReturnsSessionCredentialsForAnHour()
    {
        using var aws = MotoAws.Account(moto.Endpoint);
        using var sts = StsClient.Create(aws.Environment, MotoAws.Credentials);
        var before = DateTimeOffset.UtcNow;

        var session = await sts.AssumeRoleAsync("arn:aws:iam::111111111111:role/GuardMember", "guard-fn", TimeSpan.FromHours(1), Cancel);

        Assert.NotEmpty(session.Credentials.AccessKeyId);
        Assert.NotEmpty(session.Credentials.SecretAccessKey);
        Assert.False(string.IsNullOrEmpty(session.Credentials.SessionToken));
        Assert.Equal(session.Expiration, session.Credentials.Expiration);
        Assert.InRange(session.Expiration, before.AddMinutes(59), before.AddMinutes(61));
    }

    [Fact]
    public async Task AssumedSession_SignsCallsInTheMemberAccount()
    {
        using var aws = MotoAws.Account(moto.Endpoint);
        using var sts = StsClient.Create(aws.Environment, MotoAws.Credentials);
        var session = await sts.AssumeRoleAsync("arn:aws:iam::111111111111:role/GuardMember", "guard-fn", TimeSpan.FromHours(1), Cancel);
        using var asMember = StsClient.Create(aws.Environment, session.Credentials);

        Assert.Equal("111111111111", await asMember.GetCallerAccountAsync(Cancel));
    }

    [Fact]
    public async Task GetCallerAccount_OwnCredentials_ReturnsMotosDefaultAccount()
    {
        using var aws = MotoAws.Account(moto.Endpoint);
        using var sts = StsClient.Create(aws.Environment, MotoAws.Credentials);

        Assert.Equal("123456789012", await sts.GetCallerAccountAsync(Cancel));
    }

    [Fact]
    public async Task AssumeRole_AnswerWithoutCredentials_ThrowsMalformedResponse()
    {
        await using var stand = LoopbackHttpListener.Start(async context =>
        {
            var body = "<AssumeRoleResponse><AssumeRoleResult></AssumeRoleResult></AssumeRoleResponse>"u8.ToArray();
            context.Response.ContentType = "text/xml";
            await context.Response.OutputStream.WriteAsync(body);
            context.Response.Close();
        });
        var environment = AwsEnvironment.From(new Dictionary<string, string?> { ["AWS_REGION"] = MotoAws.Region, ["AWS_ENDPOINT_URL_STS"] = stand.BaseAddress.AbsoluteUri });
        using var sts = StsClient.Create(environment, MotoAws.Credentials);

        var error = await Assert.ThrowsAsync<AwsServiceException>(() => sts.AssumeRoleAsync("arn:aws:iam::111111111111:role/GuardMember", "guard-fn", TimeSpan.FromHours(1), Cancel));

        Assert.Equal("MalformedResponse", error.ErrorCode);
        Assert.Equal(AwsActions.StsAssumeRole, error.Action);
    }
}
