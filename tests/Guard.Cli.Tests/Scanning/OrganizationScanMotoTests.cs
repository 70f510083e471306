using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;
using Guard.Aws.Accounts;
using Guard.Aws.Http;
using Guard.Cli.Commands;
using Guard.Cli.Scanning;
using Guard.Testing;

namespace Guard.Cli.Tests.Scanning;

/// <summary>
/// <c>guard scan --organization</c> against moto: ListAccounts through the signed client, each account swept through
/// its member role (moto maps an assumed role's credentials to that role's account), one report naming the account.
/// </summary>
public sealed class OrganizationScanMotoTests
{
    private const string ManagementAccount = "123456789012";

    private static CancellationToken Cancel => TestContext.Current.CancellationToken;

    [Fact]
    public async Task Scan_Organization_SweepsEveryActiveAccountAndNamesTheAccountOfEachFunction()
    {
        await using var world = await ScanMotoAccount.StartAsync(Cancel);
        var member = await CreateMemberAccountAsync(world);
        var good = new PackageBuilder().AddFile("bootstrap", ElfBuilder.Static(ElfBuilder.X8664, go: true), PackageBuilder.ExecutableMode).ToArray();
        var broken = new PackageBuilder().AddFile("bootstrap", "#!/bin/sh\necho hi\n", PackageBuilder.RegularFileMode).ToArray();
        await world.CreateZipFunctionAsync("own-good", good, "provided.al2023", cancellationToken: Cancel);
        using var members = new MemberAccounts(ManagementAccount, () => ScanMotoAccount.Credentials, "GuardMember", "seed", () => MemberAccounts.CreateSts(world.EnvironmentFor("us-east-1"), ScanMotoAccount.Credentials));
        using var memberSeed = new MotoAccount(world.EnvironmentFor("us-east-1"), members.For(member, "us-east-1"));
        await memberSeed.CreateFunctionAsync("member-broken", await memberSeed.CreateRoleAsync("member-role", Cancel), broken, "provided.al2023", cancellationToken: Cancel);
        using var memberLambda = Guard.Aws.Lambda.LambdaClient.Create(world.EnvironmentFor("us-east-1"), members.For(member, "us-east-1"));
        world.Code.Serve(Uri.UnescapeDataString(new Uri((await memberLambda.GetFunctionAsync("member-broken", Cancel)).CodeLocation!).AbsolutePath), broken);
        using var connection = world.Connection();
        var output = new StringWriter();
        var error = new StringWriter();

        var code = await ScanCommand.RunAsync(new ScanSettings([], "json", 4) { Organization = true }, connection, output, error, isTerminal: false, Cancel);

        Assert.True(code == ExitCodes.Broken, $"exit {code}: {error}");
        using var json = JsonDocument.Parse(output.ToString());
        // moto's new account id is random, so it may sort before the management account: the report lists accounts in ordinal order.
        Assert.Equal(new[] { ManagementAccount, member }.Order(StringComparer.Ordinal), json.RootElement.GetProperty("accounts").EnumerateArray().Select(a => a.GetString()!));
        var functions = json.RootElement.GetProperty("functions").EnumerateArray()
            .ToDictionary(f => f.GetProperty("functionName").GetString()!, f => (Account: f.GetProperty("account").GetString(), Verdict: f.GetProperty("verdict").GetString()));
        Assert.Equal((ManagementAccount, "ok"), functions["own-good"]);
        Assert.Equal((member, "broken"), functions["member-broken"]);
    }

    [Fact]
    public async Task Scan_AccountsThatAreNotIds_UsageErrorBeforeAnyCall()
    {
        await using var world = await ScanMotoAccount.StartAsync(Cancel);
        using var connection = world.Connection();
        var error = new StringWriter();

        var code = await ScanCommand.RunAsync(new ScanSettings([], "text", 4) { Accounts = ["12345"] }, connection, new StringWriter(), error, isTerminal: false, Cancel);

        Assert.Equal(ExitCodes.UsageOrUnavailable, code);
        Assert.Contains("'12345' is not a 12-digit account id", error.ToString(), StringComparison.Ordinal);
    }

    /// <summary>CreateOrganization, then CreateAccount (moto creates it at once); returns the new account's id.</summary>
    private static async Task<string> CreateMemberAccountAsync(ScanMotoAccount world)
    {
        using var organizations = AwsHttpPipeline.Create(world.EnvironmentFor("us-east-1"), AwsService.Organizations, AwsErrorProtocol.RestJson, ScanMotoAccount.Credentials);
        await CallAsync(organizations, "CreateOrganization", """{"FeatureSet":"ALL"}""");
        var created = await CallAsync(organizations, "CreateAccount", """{"AccountName":"member","Email":"member@example.com"}""");
        return created.RootElement.GetProperty("CreateAccountStatus").GetProperty("AccountId").GetString()!;
    }

    private static async Task<JsonDocument> CallAsync(AwsHttpPipeline pipeline, string operation, string body)
    {
        var response = await pipeline.SendAsync($"organizations:{operation}", () =>
        {
            var content = new ByteArrayContent(Encoding.UTF8.GetBytes(body));
            content.Headers.ContentType = new MediaTypeHeaderValue("application/x-amz-json-1.1");
            var message = new HttpRequestMessage(HttpMethod.Post, (Uri?)null) { Content = content };
            message.Headers.TryAddWithoutValidation("X-Amz-Target", $"AWSOrganizationsV20161128.{operation}");
            return message;
        }, Cancel);
        return JsonDocument.Parse(response.Body);
    }
}
