using System.Net;
using System.Text;
using System.Text.Json;
using Guard.Aws.Http;
using Guard.Aws.Accounts;
using Guard.Aws.Functions;
using Guard.Aws.Lambda;
using Guard.Aws.Notifications;
using Guard.Aws.Store;
using Guard.Function.CloudFormation;
using Guard.Function.Logging;
using Guard.Function.Rollback;
using Guard.Function.Routing;
using Guard.Function.RuntimeApi;
using Guard.Function.Tests.Support;
using Guard.Testing;

namespace Guard.Function.Tests.Deploys;

/// <summary>
/// Organization mode against moto, which maps an assumed role's credentials to that role's account: a deploy event
/// from a member account is checked — and quarantined — in that account, through the member role, by the same
/// composition the Lambda runs; an account whose role cannot be assumed is an alert and a failed invocation.
/// </summary>
public sealed class OrganizationMotoTests(MotoServer moto) : IClassFixture<MotoServer>
{
    private const string CentralAccount = "123456789012";
    private const string MemberAccount = "111111111111";
    private const string MemberRole = "GuardMember";

    /// <summary>As <see cref="GuardServices.FromProcess"/> names it: the member stack's role is one per Region.</summary>
    private static readonly string MemberRoleInRegion = MemberAccounts.RegionalRoleName(MemberRole, MemberAccounts.RegionPlaceholder);

    private static CancellationToken Cancel => TestContext.Current.CancellationToken;

    [Fact]
    public async Task Deploy_InAMemberAccount_CheckedAndQuarantinedThereAndAlertedCentrally()
    {
        using var world = await MotoWorld.CreateAsync(moto, "org-member", Cancel);
        await using var code = LocalHttpServer.Start();
        using var members = new MemberAccounts(CentralAccount, () => MotoWorld.Credentials, MemberRoleInRegion, "guard-fn", () => MemberAccounts.CreateSts(world.Environment, MotoWorld.Credentials));
        var memberCredentials = members.For(MemberAccount, MotoServer.Region);
        using var member = new MotoAccount(world.Environment, memberCredentials);
        using var memberLambda = LambdaClient.Create(world.Environment, memberCredentials);
        var broken = Packages.NotExecutable("member");
        var arn = await member.CreateFunctionAsync("org-fn", await member.CreateRoleAsync("org-fn-role", Cancel), broken, "provided.al2023", "x86_64", cancellationToken: Cancel);
        var location = new Uri((await memberLambda.GetFunctionAsync("org-fn", Cancel)).CodeLocation!);
        code.Serve(location.AbsolutePath, broken);
        await CreateAccountAliasAsync(world, memberCredentials, "orders-prod");
        var router = Compose(world, code, members.For, new AccountAliases(account => AccountAliasClient.Create(world.Environment, members.For(account, MotoServer.Region))));

        var response = await HandleAsync(router, CloudTrailEvents.Deploy("CreateFunction20150331", "org-fn", FunctionCatalogStandIn.Sha256(broken), account: MemberAccount));

        Assert.StartsWith($"arn:aws:lambda:us-east-1:{MemberAccount}:", arn, StringComparison.Ordinal);
        Assert.Equal("broken", response.RootElement.GetProperty("verdict").GetString());
        // Checked where it lives: Guard's own account has no such function.
        await Assert.ThrowsAsync<FunctionNotFoundException>(() => world.LambdaClient.GetFunctionAsync("org-fn", Cancel));
        var quarantined = await memberLambda.GetFunctionAsync("org-fn", Cancel);
        Assert.True(quarantined.Tags.ContainsKey(Aws.Rollback.RollbackRules.QuarantineTag), "the member account's function carries the quarantine tag");
        var alert = Assert.Single(await world.ReceiveAlertsAsync(1, TimeSpan.FromSeconds(10), Cancel));
        using var document = JsonDocument.Parse(alert.Message);
        Assert.Equal((MemberAccount, "orders-prod"), (document.RootElement.GetProperty("account").GetString(), document.RootElement.GetProperty("accountAlias").GetString()));
    }

    [Fact]
    public async Task Deploy_BrokenInAMemberAccount_RolledBackThereFromTheCentralCopy()
    {
        using var world = await MotoWorld.CreateAsync(moto, "org-rollback", Cancel);
        await using var code = LocalHttpServer.Start();
        using var members = new MemberAccounts(CentralAccount, () => MotoWorld.Credentials, MemberRoleInRegion, "guard-fn", () => MemberAccounts.CreateSts(world.Environment, MotoWorld.Credentials));
        var memberCredentials = members.For(MemberAccount, MotoServer.Region);
        using var member = new MotoAccount(world.Environment, memberCredentials);
        using var memberLambda = LambdaClient.Create(world.Environment, memberCredentials);
        var good = Packages.GoodX8664("member-good");
        var broken = Packages.NotExecutable("member-broken");
        await member.CreateFunctionAsync("org-rb-fn", await member.CreateRoleAsync("org-rb-role", Cancel), good, "provided.al2023", "x86_64", cancellationToken: Cancel);
        code.Serve(new Uri((await memberLambda.GetFunctionAsync("org-rb-fn", Cancel)).CodeLocation!).AbsolutePath, good);
        var router = Compose(world, code, members.For);
        await HandleAsync(router, CloudTrailEvents.Deploy("CreateFunction20150331", "org-rb-fn", FunctionCatalogStandIn.Sha256(good), account: MemberAccount));
        await member.LambdaAsync(
            "lambda:UpdateFunctionCode", HttpMethod.Put, "2015-03-31/functions/org-rb-fn/code", MotoAccount.Json(w => w.WriteBase64String("ZipFile", broken)), Cancel);
        code.Serve(new Uri((await memberLambda.GetFunctionAsync("org-rb-fn", Cancel)).CodeLocation!).AbsolutePath, broken);
        code.Serve("/" + CodeKeys.For(MemberAccount, FunctionCatalogStandIn.Sha256(good)), good);

        var response = await HandleAsync(router, CloudTrailEvents.Deploy("UpdateFunctionCode20150331v2", "org-rb-fn", FunctionCatalogStandIn.Sha256(broken), account: MemberAccount));

        Assert.Equal("broken", response.RootElement.GetProperty("verdict").GetString());
        var now = await memberLambda.GetFunctionAsync("org-rb-fn", Cancel);
        Assert.Equal(FunctionCatalogStandIn.Sha256(good), now.Configuration.CodeSha256);
        var alerts = await world.ReceiveAlertsAsync(1, TimeSpan.FromSeconds(10), Cancel);
        Assert.Contains(alerts, a => a.Subject.StartsWith("Guard rolled back org-rb-fn", StringComparison.Ordinal));
    }

    [Theory]
    [InlineData(MemberAccount, true)]
    [InlineData("210987654321", false)]
    public async Task Deploy_BrokenStateAfterGuardsRollbackInAMemberAccount_OnlyThatAccountsMemberRoleIsGuard(string roleAccount, bool exempt)
    {
        var name = $"org-self-{roleAccount[..4]}";
        using var world = await MotoWorld.CreateAsync(moto, name, Cancel);
        await using var code = LocalHttpServer.Start();
        using var members = new MemberAccounts(CentralAccount, () => MotoWorld.Credentials, MemberRoleInRegion, "guard-fn", () => MemberAccounts.CreateSts(world.Environment, MotoWorld.Credentials));
        var memberCredentials = members.For(MemberAccount, MotoServer.Region);
        using var member = new MotoAccount(world.Environment, memberCredentials);
        using var memberLambda = LambdaClient.Create(world.Environment, memberCredentials);
        var good = Packages.NeedsGlibc234(name + "-good");
        var broken = Packages.NotExecutable(name + "-broken");
        var goodSha = FunctionCatalogStandIn.Sha256(good);
        await member.CreateFunctionAsync(name, await member.CreateRoleAsync(name + "-role", Cancel), good, "provided.al2023", "x86_64", cancellationToken: Cancel);
        code.Serve(new Uri((await memberLambda.GetFunctionAsync(name, Cancel)).CodeLocation!).AbsolutePath, good);
        code.Serve("/" + CodeKeys.For(MemberAccount, goodSha), good);
        var router = Compose(world, code, members.For);
        await HandleAsync(router, CloudTrailEvents.Deploy("CreateFunction20150331", name, goodSha, account: MemberAccount));
        await member.LambdaAsync(
            "lambda:UpdateFunctionCode", HttpMethod.Put, $"2015-03-31/functions/{name}/code", MotoAccount.Json(w => w.WriteBase64String("ZipFile", broken)), Cancel);
        code.Serve(new Uri((await memberLambda.GetFunctionAsync(name, Cancel)).CodeLocation!).AbsolutePath, broken);
        await HandleAsync(router, CloudTrailEvents.Deploy("UpdateFunctionCode20150331v2", name, FunctionCatalogStandIn.Sha256(broken), account: MemberAccount));
        var made = await world.S3.ListObjectsV2Async(new Amazon.S3.Model.ListObjectsV2Request { BucketName = world.Bucket, Prefix = $"rollbacks/{MemberAccount}/us-east-1/{name}/made/" }, Cancel);
        var guardsRevision = Path.GetFileNameWithoutExtension(Assert.Single(made.S3Objects).Key);
        // The runtime flipped before the rollback's own event arrives: that event is judged broken.
        await memberLambda.UpdateFunctionConfigurationAsync(name, new FunctionConfigurationUpdate("provided.al2", null, null, null), Cancel);
        code.Serve(new Uri((await memberLambda.GetFunctionAsync(name, Cancel)).CodeLocation!).AbsolutePath, good);

        var response = await HandleAsync(router, CloudTrailEvents.Deploy(
            "UpdateFunctionCode20150331v2", name, goodSha, account: MemberAccount, revisionId: guardsRevision,
            identityArn: $"arn:aws:sts::{roleAccount}:assumed-role/GuardMember-us-east-1/guard-fn", sessionIssuerArn: $"arn:aws:iam::{roleAccount}:role/GuardMember-us-east-1"));

        Assert.Equal("broken", response.RootElement.GetProperty("verdict").GetString());
        Assert.Equal(exempt ? "provided.al2" : "provided.al2023", (await memberLambda.GetFunctionAsync(name, Cancel)).Configuration.Runtime);
    }

    [Fact]
    public async Task Deploy_InAnAccountWhoseRoleCannotBeAssumed_AlertsOnceAndFailsTheInvocation()
    {
        using var world = await MotoWorld.CreateAsync(moto, "org-denied", Cancel);
        await using var code = LocalHttpServer.Start();
        // STS as it answers when the member stack (and its role) is missing: 403 AccessDenied.
        await using var sts = LoopbackHttpListener.Start(async context =>
        {
            var body = Encoding.UTF8.GetBytes(
                "<ErrorResponse xmlns=\"https://sts.amazonaws.com/doc/2011-06-15/\"><Error><Type>Sender</Type><Code>AccessDenied</Code>" +
                $"<Message>User: arn:aws:sts::{CentralAccount}:assumed-role/guard/guard-fn is not authorized to perform: sts:AssumeRole on resource: arn:aws:iam::{MemberAccount}:role/{MemberRole}-{MotoServer.Region}</Message></Error>" +
                "<RequestId>denied-1</RequestId></ErrorResponse>");
            context.Response.StatusCode = (int)HttpStatusCode.Forbidden;
            context.Response.ContentType = "text/xml";
            await context.Response.OutputStream.WriteAsync(body);
            context.Response.Close();
        });
        var stsEnvironment = new Guard.Aws.Http.AwsEnvironment(name => name switch
        {
            "AWS_REGION" => MotoServer.Region,
            "AWS_ENDPOINT_URL_STS" => sts.BaseAddress.AbsoluteUri,
            _ => null,
        });
        using var members = new MemberAccounts(CentralAccount, () => MotoWorld.Credentials, MemberRoleInRegion, "guard-fn", () => MemberAccounts.CreateSts(stsEnvironment, MotoWorld.Credentials));
        var router = Compose(world, code, members.For);
        var deploy = CloudTrailEvents.Deploy("UpdateFunctionCode20150331v2", "orphan-fn", "c2hh", account: MemberAccount);

        var first = await Assert.ThrowsAsync<MemberAccountUnavailableException>(() => HandleAsync(router, deploy));
        // Lambda's retry of the same event: it fails again (and then lands in the failed-checks queue), without a second alert.
        await Assert.ThrowsAsync<MemberAccountUnavailableException>(() => HandleAsync(router, deploy));

        Assert.Equal(MemberAccount, first.Account);
        Assert.Contains("AccessDenied", first.Message, StringComparison.Ordinal);
        var alert = Assert.Single(await world.ReceiveAlertsAsync(1, TimeSpan.FromSeconds(5), Cancel));
        Assert.Contains($"cannot check deploys in account {MemberAccount}", alert.Subject, StringComparison.Ordinal);
        // The role of the event's Region: each Region's member stack has its own (IAM role names are global).
        Assert.Contains($"cannot assume arn:aws:iam::{MemberAccount}:role/GuardMember-us-east-1 ", first.Message, StringComparison.Ordinal);
        Assert.Contains($"arn:aws:iam::{MemberAccount}:role/GuardMember-us-east-1", alert.Message, StringComparison.Ordinal);
    }

    private static EventRouter Compose(MotoWorld world, LocalHttpServer code, Func<string?, string, IAwsCredentialsProvider> credentialsFor, AccountAliases? aliases = null)
    {
        var log = new GuardLog(new StringWriter(), TimeProvider.System);
        var options = new GuardOptions(
            GuardMode.Rollback, world.TopicArn, world.Bucket, new HashSet<string>(), GuardOptions.DefaultPlaceholderGrace, null,
            new CodeLocationRewrite(MotoWorld.MotoCodeHost, code.BaseAddress),
            Quarantine: true,
            RoleArn: $"arn:aws:iam::{CentralAccount}:role/guard",
            OwnFunctionName: "guard-fn",
            RollbackWait: TimeSpan.FromSeconds(5),
            MemberRole: MemberRole);
        var services = new GuardServices(
            () => world.LambdaClient,
            () => new HttpPackageOpener(new HttpClient(), options.CodeLocationRewrite),
            () => new S3PackageOpener(() => world.GuardS3),
            () => new S3GuardStore(world.GuardS3, world.Bucket),
            () => new S3CodeStore(world.GuardS3, world.Bucket, new HttpClient(), options.CodeLocationRewrite, log),
            () => SnsClient.Create(world.Environment, MotoWorld.Credentials),
            slack: null,
            () => new ResponseUrlClient(() => new HttpClient()),
            () => MotoServer.Region,
            // Lambda as on AWS: RevisionIds reported and enforced (moto does neither).
            (account, region) => new RevisionEnforcingLambda(LambdaClient.Create(world.Environment, credentialsFor(account, region))),
            CentralAccount,
            aliases);
        return GuardComposition.CreateRouter(options, services, log, TimeProvider.System);
    }

    /// <summary>IAM CreateAccountAlias (Query protocol) in the account <paramref name="credentials"/> belong to.</summary>
    private static async Task CreateAccountAliasAsync(MotoWorld world, IAwsCredentialsProvider credentials, string alias)
    {
        using var iam = Guard.Aws.Http.AwsHttpPipeline.Create(world.Environment, Guard.Aws.Http.AwsService.Iam, Guard.Aws.Http.AwsErrorProtocol.RestXml, credentials);
        await iam.SendAsync("iam:CreateAccountAlias", () => new HttpRequestMessage(HttpMethod.Post, (Uri?)null)
        {
            Content = new FormUrlEncodedContent(new Dictionary<string, string> { ["Action"] = "CreateAccountAlias", ["AccountAlias"] = alias, ["Version"] = "2010-05-08" }),
        }, Cancel);
    }

    private static async Task<JsonDocument> HandleAsync(EventRouter router, string payload)
    {
        var response = await router.HandleAsync(new Invocation("r", DateTimeOffset.MaxValue, null, null, Encoding.UTF8.GetBytes(payload)), Cancel);
        return JsonDocument.Parse(response);
    }
}
