using System.IO.Compression;
using Amazon.S3.Model;
using Guard.Aws.Http;
using Guard.Aws.Lambda;
using Guard.Cli.Commands;
using Guard.Cli.Migration;
using Guard.Cli.Tests.Scanning;
using Guard.Inspection.Rules;
using Guard.Testing;

namespace Guard.Cli.Tests.Migration;

/// <summary>One moto_server for the migration tests; each test makes its own functions.</summary>
public sealed class MigrationAccount : IAsyncLifetime
{
    internal ScanMotoAccount Account { get; private set; } = null!;

    public async ValueTask InitializeAsync() => Account = await ScanMotoAccount.StartAsync(CancellationToken.None);

    public async ValueTask DisposeAsync() => await Account.DisposeAsync();
}

public sealed class MigrateCommandTests(MigrationAccount fixture) : IClassFixture<MigrationAccount>
{
    private static readonly UpdateWait FastWait = new(TimeSpan.FromSeconds(10));

    private static CancellationToken Token => TestContext.Current.CancellationToken;

    private ScanMotoAccount Account => fixture.Account;

    /// <summary>A go1.x package: the Go binary named after the Handler, plus a data file that must survive.</summary>
    private static byte[] Go1xPackage(ElfTarget target) => new PackageBuilder()
        .AddFile("main", ElfBuilder.Static(target, go: true), PackageBuilder.ExecutableMode)
        .AddFile("config/settings.json", """{"table":"orders"}""")
        .ToArray();

    private async Task<(int ExitCode, string Output, string Error)> MigrateAsync(
        MigrateSettings settings, Func<ILambdaApi, ILambdaApi>? wrap = null, IFunctionCodeUpdater? codeUpdater = null, DateTimeOffset? today = null)
    {
        using var connection = Account.Connection(wrap);
        var output = new StringWriter();
        var error = new StringWriter();
        var exit = await MigrateCommand.RunAsync(settings, connection, output, error, FastWait, codeUpdater, today is { } day ? new FixedTime(day) : TimeProvider.System, Token);
        return (exit, output.ToString(), error.ToString());
    }

    private static MigrateSettings Apply(string function, string? bucket) => new([function], "provided.al2023", null, Apply: true, bucket, null);

    [Fact]
    public async Task Migrate_Go1xFunctionWithApply_NewPackagePassesCheckAndConfigurationReadsProvidedAl2023()
    {
        var zip = Go1xPackage(ElfBuilder.X8664);
        await Account.CreateZipFunctionAsync("orders-go1x", zip, "go1.x", handler: "main", cancellationToken: Token);

        var (exit, output, error) = await MigrateAsync(Apply("orders-go1x", Account.StageBucket));

        Assert.True(exit == ExitCodes.Ok, output + error);
        Assert.Contains("MIGRATED  orders-go1x: go1.x -> provided.al2023, Handler bootstrap, x86_64", output, StringComparison.Ordinal);
        var details = await Account.Lambda().GetFunctionAsync("orders-go1x", Token);
        Assert.Equal("provided.al2023", details.Configuration.Runtime);
        Assert.Equal("bootstrap", details.Configuration.Handler);
        Assert.NotEqual(ScanMotoAccountHash(zip), details.Configuration.CodeSha256);

        // The function's code now is the staged package: check it with `guard check`, as a user would.
        var key = Uri.UnescapeDataString(new Uri(details.CodeLocation!).AbsolutePath).TrimStart('/');
        Assert.StartsWith("guard-migrate/orders-go1x/bootstrap-", key, StringComparison.Ordinal);
        var local = Path.Combine(Path.GetTempPath(), $"migrated-{Guid.NewGuid():N}.zip");
        try
        {
            using (var response = await Account.S3.GetObjectAsync(Account.StageBucket, key, Token))
            {
                await response.WriteResponseStreamToFileAsync(local, append: false, Token);
            }

            var checkOutput = new StringWriter();
            var checkExit = await GuardCommandLine.RunAsync(["check", local, "--runtime", "provided.al2023"], checkOutput, new StringWriter(), Token);
            Assert.True(checkExit == ExitCodes.Ok, checkOutput.ToString());
            using var archive = ZipFile.OpenRead(local);
            Assert.Equal(["bootstrap", "config/settings.json"], archive.Entries.Select(e => e.FullName).Order(StringComparer.Ordinal));
            Assert.Equal(Convert.ToInt32("100755", 8), (archive.GetEntry("bootstrap")!.ExternalAttributes >> 16) & 0xFFFF);
        }
        finally
        {
            File.Delete(local);
        }

        // The original was staged before the first change, for a rollback.
        var staged = await Account.S3.ListObjectsV2Async(new ListObjectsV2Request { BucketName = Account.StageBucket, Prefix = "guard-migrate/orders-go1x/original-" }, Token);
        Assert.Single(staged.S3Objects);
    }

    [Fact]
    public async Task Migrate_WithoutApply_PrintsPlanAndChangesNothing()
    {
        var zip = Go1xPackage(ElfBuilder.X8664);
        await Account.CreateZipFunctionAsync("plan-only", zip, "go1.x", handler: "main", cancellationToken: Token);
        var before = (await Account.Lambda().GetFunctionAsync("plan-only", Token)).Configuration;

        var (exit, output, _) = await MigrateAsync(new MigrateSettings(["plan-only"], "provided.al2023", null, Apply: false, null, null));

        Assert.Equal(ExitCodes.Ok, exit);
        Assert.StartsWith("PLAN  plan-only", output, StringComparison.Ordinal);
        Assert.Contains("runtime       go1.x -> provided.al2023", output, StringComparison.Ordinal);
        Assert.Contains("handler       main -> bootstrap", output, StringComparison.Ordinal);
        Assert.Contains("main renamed to bootstrap (mode 0755); 1 other entries kept", output, StringComparison.Ordinal);
        Assert.Contains("check         OK on provided.al2023 x86_64", output, StringComparison.Ordinal);
        Assert.Contains("steps with --apply:", output, StringComparison.Ordinal);
        Assert.Contains("nothing changed", output, StringComparison.Ordinal);
        var after = (await Account.Lambda().GetFunctionAsync("plan-only", Token)).Configuration;
        Assert.Equal((before.Runtime, before.Handler, before.CodeSha256), (after.Runtime, after.Handler, after.CodeSha256));
        var staged = await Account.S3.ListObjectsV2Async(new ListObjectsV2Request { BucketName = Account.StageBucket, Prefix = "guard-migrate/plan-only/" }, Token);
        Assert.Empty(staged.S3Objects ?? []);
    }

    [Fact]
    public async Task Migrate_WhenCodeUpdateFailsAfterRuntimeChanged_PutsGo1xFunctionBack()
    {
        // go1.x updates are blocked, so the runtime changes first; the code update then fails.
        var zip = Go1xPackage(ElfBuilder.X8664);
        await Account.CreateZipFunctionAsync("fails-on-code", zip, "go1.x", handler: "main", cancellationToken: Token);
        var before = (await Account.Lambda().GetFunctionAsync("fails-on-code", Token)).Configuration;

        var (exit, output, _) = await MigrateAsync(Apply("fails-on-code", Account.StageBucket), codeUpdater: new FailingCodeUpdater());

        Assert.Equal(ExitCodes.Broken, exit);
        Assert.Contains("failed: lambda:UpdateFunctionCode failed: ServiceException (HTTP 500)", output, StringComparison.Ordinal);
        Assert.Contains("rolled back: Runtime go1.x and Handler main restored", output, StringComparison.Ordinal);
        Assert.Contains("FAILED  fails-on-code: put back as it was", output, StringComparison.Ordinal);
        var after = (await Account.Lambda().GetFunctionAsync("fails-on-code", Token)).Configuration;
        Assert.Equal((before.Runtime, before.Handler, before.CodeSha256), (after.Runtime, after.Handler, after.CodeSha256));
    }

    [Fact]
    public async Task Migrate_WhenConfigurationUpdateFailsAfterCodeChanged_RestoresOriginalCode()
    {
        // On 2026-08-01 provided.al2's updates are not blocked yet (from 2026-08-31), so the code changes first; UpdateFunctionConfiguration then fails.
        var zip = Go1xPackage(ElfBuilder.X8664);
        await Account.CreateZipFunctionAsync("fails-on-config", zip, "provided.al2", handler: "main", cancellationToken: Token);
        var before = (await Account.Lambda().GetFunctionAsync("fails-on-config", Token)).Configuration;

        var (exit, output, _) = await MigrateAsync(
            Apply("fails-on-config", Account.StageBucket),
            wrap: lambda =>
            {
                ((LambdaStandIn)lambda).FailUpdateFunctionConfiguration =
                    new AwsServiceException("ResourceConflictException", 409, "An update is in progress", "lambda:UpdateFunctionConfiguration", null, null);
                return lambda;
            },
            today: new DateTimeOffset(2026, 8, 1, 0, 0, 0, TimeSpan.Zero));

        Assert.Equal(ExitCodes.Broken, exit);
        Assert.Contains("UpdateFunctionCode S3Bucket=guard-stage", output, StringComparison.Ordinal);
        Assert.Contains("rolled back: original code restored from s3://guard-stage/guard-migrate/fails-on-config/original-", output, StringComparison.Ordinal);
        var after = (await Account.Lambda().GetFunctionAsync("fails-on-config", Token)).Configuration;
        Assert.Equal((before.Runtime, before.Handler, before.CodeSha256), (after.Runtime, after.Handler, after.CodeSha256));
    }

    [Fact]
    public async Task Migrate_WhenBinaryIsForTheOtherArchitecture_ReportsRebuildAndChangesNothing()
    {
        var zip = Go1xPackage(ElfBuilder.X8664);
        await Account.CreateZipFunctionAsync("x86-to-arm", zip, "go1.x", handler: "main", cancellationToken: Token);
        var before = (await Account.Lambda().GetFunctionAsync("x86-to-arm", Token)).Configuration;

        var (exit, output, _) = await MigrateAsync(new MigrateSettings(["x86-to-arm"], "provided.al2023", Architecture.Arm64, Apply: true, Account.StageBucket, null));

        Assert.Equal(ExitCodes.Broken, exit);
        Assert.StartsWith("CANNOT MIGRATE  x86-to-arm: main would not start on provided.al2023 arm64; nothing changed", output, StringComparison.Ordinal);
        Assert.Contains("BOOTSTRAP_WRONG_ARCH", output, StringComparison.Ordinal);
        Assert.Contains("rebuild: GOOS=linux GOARCH=arm64 CGO_ENABLED=0 go build -tags lambda.norpc -o bootstrap .", output, StringComparison.Ordinal);
        var after = (await Account.Lambda().GetFunctionAsync("x86-to-arm", Token)).Configuration;
        Assert.Equal((before.Runtime, before.Handler, before.CodeSha256), (after.Runtime, after.Handler, after.CodeSha256));
    }

    [Fact]
    public async Task Migrate_WhenHandlerFileIsMissing_RefusesWithOneLine()
    {
        var zip = new PackageBuilder().AddFile("app", ElfBuilder.Static(ElfBuilder.X8664), PackageBuilder.ExecutableMode).ToArray();
        await Account.CreateZipFunctionAsync("no-main", zip, "go1.x", handler: "main", cancellationToken: Token);

        var (exit, output, _) = await MigrateAsync(new MigrateSettings(["no-main"], "provided.al2023", null, Apply: false, null, null));

        Assert.Equal(ExitCodes.Broken, exit);
        Assert.StartsWith("CANNOT MIGRATE  no-main: the package has no bootstrap and no file named 'main'", output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Migrate_ApplyWithoutStageBucket_IsAUsageError()
    {
        var (exit, _, error) = await MigrateAsync(Apply("anything", null));

        Assert.Equal(ExitCodes.UsageOrUnavailable, exit);
        Assert.StartsWith("guard: --apply needs --stage-bucket BUCKET", error, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Migrate_UnknownFunction_ExitsTwo()
    {
        var (exit, _, error) = await MigrateAsync(new MigrateSettings(["does-not-exist"], "provided.al2023", null, Apply: false, null, null));

        Assert.Equal(ExitCodes.UsageOrUnavailable, exit);
        Assert.Contains("does-not-exist", error, StringComparison.Ordinal);
        Assert.Contains("ResourceNotFoundException", error, StringComparison.Ordinal);
    }

    /// <summary>The tags CloudFormation puts on every function of a SAM stack (moto, unlike Lambda, lets a caller set aws: tags).</summary>
    private static Dictionary<string, string> SamStackTags(string stack, string logicalId) => new(StringComparer.Ordinal)
    {
        ["aws:cloudformation:stack-name"] = stack,
        ["aws:cloudformation:stack-id"] = $"arn:aws:cloudformation:us-east-1:123456789012:stack/{stack}/4c1b3a20-0000-11ef-9c2a-0affd6e1a2b3",
        ["aws:cloudformation:logical-id"] = logicalId,
        ["lambda:createdBy"] = "SAM",
    };

    [Fact]
    public async Task Migrate_WhenStackOwnsFunction_RefusesNamingStackAndLogicalIdAndChangesNothing()
    {
        await Account.CreateZipFunctionAsync(
            "orders-owned", Go1xPackage(ElfBuilder.X8664), "go1.x", handler: "main", tags: SamStackTags("orders-prod", "OrdersFunction"), cancellationToken: Token);
        var before = (await Account.Lambda().GetFunctionAsync("orders-owned", Token)).Configuration;

        var (exit, output, _) = await MigrateAsync(Apply("orders-owned", Account.StageBucket));

        Assert.Equal(ExitCodes.Broken, exit);
        Assert.StartsWith("CANNOT MIGRATE  orders-owned: SAM stack orders-prod (logical ID OrdersFunction) owns it", output, StringComparison.Ordinal);
        Assert.Contains("guard migrate template.yaml", output, StringComparison.Ordinal);
        Assert.Contains("--force", output, StringComparison.Ordinal);
        var after = (await Account.Lambda().GetFunctionAsync("orders-owned", Token)).Configuration;
        Assert.Equal((before.Runtime, before.Handler, before.CodeSha256), (after.Runtime, after.Handler, after.CodeSha256));
        var staged = await Account.S3.ListObjectsV2Async(new ListObjectsV2Request { BucketName = Account.StageBucket, Prefix = "guard-migrate/orders-owned/" }, Token);
        Assert.Empty(staged.S3Objects ?? []);
    }

    [Fact]
    public async Task Migrate_WhenStackOwnsFunctionWithForce_MigratesAndPlanNamesTheStack()
    {
        await Account.CreateZipFunctionAsync(
            "forced-owned", Go1xPackage(ElfBuilder.X8664), "go1.x", handler: "main", tags: SamStackTags("billing", "ChargeFunction"), cancellationToken: Token);

        var (exit, output, error) = await MigrateAsync(Apply("forced-owned", Account.StageBucket) with { Force = true });

        Assert.True(exit == ExitCodes.Ok, output + error);
        Assert.Contains("  owner         SAM stack billing (logical ID ChargeFunction) (--force): its next deploy puts go1.x back", output, StringComparison.Ordinal);
        Assert.Contains("MIGRATED  forced-owned", output, StringComparison.Ordinal);
        Assert.Equal("provided.al2023", (await Account.Lambda().GetFunctionAsync("forced-owned", Token)).Configuration.Runtime);
    }

    [Fact]
    public async Task Migrate_PlanAndApply_CallOnlyWhatItsPermissionsList()
    {
        await Account.CreateZipFunctionAsync("least-privilege", Go1xPackage(ElfBuilder.X8664), "go1.x", handler: "main", cancellationToken: Token);
        var planning = new RecordingLambda();
        var applying = new RecordingLambda();

        await MigrateAsync(new MigrateSettings(["least-privilege"], "provided.al2023", null, Apply: false, null, null), wrap: planning.Wrap);
        var (exit, output, error) = await MigrateAsync(Apply("least-privilege", Account.StageBucket), wrap: applying.Wrap);

        Assert.True(exit == ExitCodes.Ok, output + error);
        Assert.Equal([Guard.Aws.AwsActions.LambdaGetFunction, Guard.Aws.AwsActions.LambdaListTags], planning.Actions);
        Assert.Subset(CliPermissions.ByCommand["migrate"].Select(g => g.Action).ToHashSet(StringComparer.Ordinal), applying.Actions.ToHashSet(StringComparer.Ordinal));
        Assert.Contains(Guard.Aws.AwsActions.LambdaUpdateFunctionConfiguration, applying.Actions);
    }

    private static string ScanMotoAccountHash(byte[] zip) => Convert.ToBase64String(System.Security.Cryptography.SHA256.HashData(zip));

    private sealed class FailingCodeUpdater : IFunctionCodeUpdater
    {
        public Task UpdateAsync(string functionName, string s3Bucket, string s3Key, string? revisionId, string? architecture, CancellationToken cancellationToken) =>
            Task.FromException(new AwsServiceException("ServiceException", 500, "simulated", "lambda:UpdateFunctionCode", null, null));
    }

    private sealed class FixedTime(DateTimeOffset now) : TimeProvider
    {
        public override DateTimeOffset GetUtcNow() => now;
    }
}
