using Guard.Aws.Rollback;
using Guard.Aws.Functions;
using Guard.Aws.Lambda;
using System.Text.Json;
using Amazon.S3.Model;
using Guard.Aws.Notifications;
using Guard.Aws.Store;
using Guard.Function.Alerts;
using Guard.Function.Deploys;
using Guard.Function.Logging;
using Guard.Function.Rollback;
using Guard.Function.Routing;
using Guard.Function.Tests.Support;
using Guard.Inspection;
using Guard.Inspection.Reporting;
using Guard.Inspection.Rules;
using Guard.Testing;

namespace Guard.Function.Tests.Rollback;

/// <summary>
/// Rollback mode against a real moto_server: functions in moto's Lambda, good code and records in a real S3
/// bucket, alerts read back from SQS. Two moto gaps are filled by stand-ins and said so: Code.Location is served
/// by a LocalHttpServer (moto's is not fetchable), and RevisionId is enforced by <see cref="RevisionEnforcingLambda"/>
/// (moto reports none and enforces none).
/// </summary>
public sealed class RollbackMotoTests(MotoServer moto) : IClassFixture<MotoServer>
{
    private const string Account = "123456789012";

    private static CancellationToken Cancel => TestContext.Current.CancellationToken;

    [Fact]
    public async Task Check_GoodDeploy_CodeCopiedOnceAndRecordHoldsTheConfiguration()
    {
        using var world = await MotoWorld.CreateAsync(moto, "rb-good", Cancel);
        await using var code = LocalHttpServer.Start();
        var zip = Packages.GoodX8664("rb-good");
        var sha = FunctionCatalogStandIn.Sha256(zip);
        await world.CreateFunctionAsync("rb-good-a", zip, "provided.al2023", "x86_64", Cancel);
        await world.CreateFunctionAsync("rb-good-b", zip, "provided.al2023", "x86_64", Cancel);
        await world.ServeCodeAsync(code, "rb-good-a", zip, Cancel);
        await world.ServeCodeAsync(code, "rb-good-b", zip, Cancel);
        var guard = Compose(world, code, GuardMode.Alert);

        var first = await guard.CheckAsync(CloudTrailEvents.Deploy("CreateFunction20150331", "rb-good-a", sha, account: Account));
        var second = await guard.CheckAsync(CloudTrailEvents.Deploy("CreateFunction20150331", "rb-good-b", sha, account: Account));

        Assert.Equal((Verdict.Ok, Verdict.Ok), (first.Report!.Verdict, second.Report!.Verdict));
        var codes = await world.S3.ListObjectsV2Async(new ListObjectsV2Request { BucketName = world.Bucket, Prefix = "code/" }, Cancel);
        var stored = Assert.Single(codes.S3Objects);
        Assert.Equal(CodeKeys.For(Account, sha), stored.Key);
        Assert.Equal(zip, await ReadObjectAsync(world, stored.Key));
        var record = await ReadRecordAsync(world, "rb-good-a");
        Assert.Equal(
            (sha, (long)zip.Length, Account, "us-east-1", "rb-good-a", "provided.al2023", "bootstrap", world.Bucket, stored.Key),
            (record.CodeSha256, record.CodeSize, record.Account, record.Region, record.FunctionName, record.Runtime, record.Handler, record.CodeBucket, record.CodeKey));
        Assert.Equal(["x86_64"], record.Architectures!);
        Assert.Empty(record.Layers!);
        Assert.Equal("arn:aws:iam::123456789012:user/christophe", record.DeployedBy);
        // guard rollback (the CLI) reads these names without the Lambda's types: pin them.
        using var raw = JsonDocument.Parse(await ReadObjectAsync(world, $"good/{Account}/us-east-1/rb-good-a.json"));
        foreach (var name in new[] { "codeSha256", "codeKey", "runtime", "handler", "architectures", "layers", "checkedAt", "deployedBy" })
        {
            Assert.True(raw.RootElement.TryGetProperty(name, out _), name);
        }
    }

    [Fact]
    public async Task Check_BrokenCodeInRollbackMode_GoodCodeIsBackAndTheAlertSaysSo()
    {
        using var world = await MotoWorld.CreateAsync(moto, "rb-back", Cancel);
        await using var code = LocalHttpServer.Start();
        var good = Packages.GoodX8664("rb-back-good");
        var broken = Packages.NotExecutable("rb-back-broken");
        await world.CreateFunctionAsync("rb-back-fn", good, "provided.al2023", "x86_64", Cancel);
        await world.ServeCodeAsync(code, "rb-back-fn", good, Cancel);
        var guard = Compose(world, code, GuardMode.Rollback);
        await guard.CheckAsync(CloudTrailEvents.Deploy("CreateFunction20150331", "rb-back-fn", FunctionCatalogStandIn.Sha256(good), account: Account));
        await world.UpdateFunctionCodeZipAsync("rb-back-fn", broken, Cancel);
        await world.ServeCodeAsync(code, "rb-back-fn", broken, Cancel);
        // After the rollback moto's Code.Location names the store key it was given: serve the good zip there too.
        code.Serve("/" + CodeKeys.For(Account, FunctionCatalogStandIn.Sha256(good)), good);

        var outcome = await guard.CheckAsync(CloudTrailEvents.Deploy("UpdateFunctionCode20150331v2", "rb-back-fn", FunctionCatalogStandIn.Sha256(broken), account: Account));

        Assert.Equal(Verdict.Broken, outcome.Report!.Verdict);
        Assert.Equal(GuardAction.RolledBack, outcome.Action!.Kind);
        Assert.Equal("ok", outcome.Action.RecheckVerdict);
        var now = await world.LambdaClient.GetFunctionAsync("rb-back-fn", Cancel);
        Assert.Equal(FunctionCatalogStandIn.Sha256(good), now.Configuration.CodeSha256);
        Assert.Equal(1, guard.Lambda.Updates);
        var alert = Assert.Single(await world.ReceiveAlertsAsync(1, TimeSpan.FromSeconds(10), Cancel));
        Assert.Equal("Guard rolled back rb-back-fn (BOOTSTRAP_NOT_EXECUTABLE)", alert.Subject);
        using var document = JsonDocument.Parse(alert.Message);
        var action = document.RootElement.GetProperty("action");
        Assert.Equal("rolled-back", action.GetProperty("kind").GetString());
        Assert.Equal(FunctionCatalogStandIn.Sha256(good), action.GetProperty("restoredCodeSha256").GetString());
        Assert.Equal(FunctionCatalogStandIn.Sha256(broken), document.RootElement.GetProperty("codeSha256").GetString());
    }

    [Fact]
    public async Task Check_DeployRacesTheRollback_NewerDeployLeftAloneAndRechecked()
    {
        using var world = await MotoWorld.CreateAsync(moto, "rb-race", Cancel);
        await using var code = LocalHttpServer.Start();
        var good = Packages.GoodX8664("rb-race-good");
        var broken = Packages.NotExecutable("rb-race-broken");
        var fixedBuild = Packages.GoodX8664("rb-race-fixed");
        await world.CreateFunctionAsync("rb-race-fn", good, "provided.al2023", "x86_64", Cancel);
        await world.ServeCodeAsync(code, "rb-race-fn", good, Cancel);
        var guard = Compose(world, code, GuardMode.Rollback);
        await guard.CheckAsync(CloudTrailEvents.Deploy("CreateFunction20150331", "rb-race-fn", FunctionCatalogStandIn.Sha256(good), account: Account));
        await world.UpdateFunctionCodeZipAsync("rb-race-fn", broken, Cancel);
        await world.ServeCodeAsync(code, "rb-race-fn", broken, Cancel);
        guard.Lambda.BeforeUpdate = async (name, token) =>
        {
            // The developer's fix lands after Guard read the broken revision and before its update arrives.
            await world.UpdateFunctionCodeZipAsync(name, fixedBuild, token);
            await world.ServeCodeAsync(code, name, fixedBuild, token);
        };

        var outcome = await guard.CheckAsync(CloudTrailEvents.Deploy("UpdateFunctionCode20150331v2", "rb-race-fn", FunctionCatalogStandIn.Sha256(broken), account: Account));

        Assert.Equal(GuardAction.LeftAlone, outcome.Action!.Kind);
        Assert.Equal("ok", outcome.Action.RecheckVerdict);
        Assert.Equal(1, guard.Lambda.Refused);
        var now = await world.LambdaClient.GetFunctionAsync("rb-race-fn", Cancel);
        Assert.Equal(FunctionCatalogStandIn.Sha256(fixedBuild), now.Configuration.CodeSha256);
        Assert.Contains("did not overwrite", outcome.Action.Summary, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Check_NewBrokenFunctionWithQuarantine_ThrottledAndTagged()
    {
        using var world = await MotoWorld.CreateAsync(moto, "rb-quarantine", Cancel);
        await using var code = LocalHttpServer.Start();
        var broken = Packages.NotExecutable("rb-quarantine");
        var arn = await world.CreateFunctionAsync("rb-quarantine-fn", broken, "provided.al2023", "x86_64", Cancel);
        await world.ServeCodeAsync(code, "rb-quarantine-fn", broken, Cancel);
        var guard = Compose(world, code, GuardMode.Rollback, quarantine: true);

        var outcome = await guard.CheckAsync(CloudTrailEvents.Deploy("CreateFunction20150331", "rb-quarantine-fn", FunctionCatalogStandIn.Sha256(broken), account: Account));

        Assert.Equal(GuardAction.Quarantined, outcome.Action!.Kind);
        Assert.Equal(0, await world.ReservedConcurrencyAsync("rb-quarantine-fn", Cancel));
        var now = await world.LambdaClient.GetFunctionAsync(arn, Cancel);
        Assert.StartsWith("BOOTSTRAP_NOT_EXECUTABLE no good code", now.Tags[RollbackRules.QuarantineTag], StringComparison.Ordinal);
        Assert.Equal(FunctionCatalogStandIn.Sha256(broken), now.Configuration.CodeSha256);
        var alert = Assert.Single(await world.ReceiveAlertsAsync(1, TimeSpan.FromSeconds(10), Cancel));
        using var document = JsonDocument.Parse(alert.Message);
        Assert.Equal("quarantined", document.RootElement.GetProperty("action").GetProperty("kind").GetString());
    }

    [Fact]
    public async Task Check_NewBrokenFunctionWithoutQuarantine_AlertOnlyAndUntouched()
    {
        using var world = await MotoWorld.CreateAsync(moto, "rb-noq", Cancel);
        await using var code = LocalHttpServer.Start();
        var broken = Packages.NotExecutable("rb-noq");
        await world.CreateFunctionAsync("rb-noq-fn", broken, "provided.al2023", "x86_64", Cancel);
        await world.ServeCodeAsync(code, "rb-noq-fn", broken, Cancel);
        var guard = Compose(world, code, GuardMode.Rollback);

        var outcome = await guard.CheckAsync(CloudTrailEvents.Deploy("CreateFunction20150331", "rb-noq-fn", FunctionCatalogStandIn.Sha256(broken), account: Account));

        Assert.Equal(GuardAction.NotRolledBack, outcome.Action!.Kind);
        Assert.Null(await world.ReservedConcurrencyAsync("rb-noq-fn", Cancel));
        Assert.Single(await world.ReceiveAlertsAsync(1, TimeSpan.FromSeconds(10), Cancel));
    }

    [Fact]
    public async Task Check_RuntimeFlippedByUpdateFunctionConfiguration_PreviousRuntimeRestored()
    {
        using var world = await MotoWorld.CreateAsync(moto, "rb-config", Cancel);
        await using var code = LocalHttpServer.Start();
        var zip = Packages.NeedsGlibc234("rb-config");
        var sha = FunctionCatalogStandIn.Sha256(zip);
        await world.CreateFunctionAsync("rb-config-fn", zip, "provided.al2023", "x86_64", Cancel);
        await world.ServeCodeAsync(code, "rb-config-fn", zip, Cancel);
        var guard = Compose(world, code, GuardMode.Rollback);
        await guard.CheckAsync(CloudTrailEvents.Deploy("CreateFunction20150331", "rb-config-fn", sha, account: Account));
        await world.LambdaClient.UpdateFunctionConfigurationAsync("rb-config-fn", new FunctionConfigurationUpdate("provided.al2", null, null, null), Cancel);

        var outcome = await guard.CheckAsync(CloudTrailEvents.Deploy("UpdateFunctionConfiguration20150331v2", "rb-config-fn", sha, account: Account, runtime: "provided.al2"));

        Assert.Equal("BOOTSTRAP_GLIBC_TOO_NEW", outcome.Report!.LeadingFinding!.Code);
        Assert.Equal(GuardAction.ConfigurationRestored, outcome.Action!.Kind);
        Assert.Equal("ok", outcome.Action.RecheckVerdict);
        var now = await world.LambdaClient.GetFunctionAsync("rb-config-fn", Cancel);
        Assert.Equal(("provided.al2023", sha), (now.Configuration.Runtime, now.Configuration.CodeSha256));
        Assert.Contains("runtime provided.al2023", outcome.Action.Summary, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Check_Python312GivenAnAarch64ExtensionLayer_GoodLayersPutBack()
    {
        using var world = await MotoWorld.CreateAsync(moto, "rb-ext", Cancel);
        await using var code = LocalHttpServer.Start();
        var zip = new PackageBuilder().AddFile("app.py", "def handler(event, context):\n    return event\n").ToArray();
        var sha = FunctionCatalogStandIn.Sha256(zip);
        var good = await world.PublishLayerAsync(code, "x86-agent", ExtensionLayer(await CCompiler.CompileAsync(CCompiler.X8664, cancellationToken: Cancel)), Cancel);
        var bad = await world.PublishLayerAsync(code, "arm-agent", ExtensionLayer(await CCompiler.CompileAsync(CCompiler.Aarch64, cancellationToken: Cancel)), Cancel);
        await world.CreateFunctionAsync("rb-ext-fn", zip, "python3.12", "x86_64", [good], "app.handler", Cancel);
        await world.ServeCodeAsync(code, "rb-ext-fn", zip, Cancel);
        var guard = Compose(world, code, GuardMode.Rollback);
        var first = await guard.CheckAsync(CloudTrailEvents.Deploy("CreateFunction20150331", "rb-ext-fn", sha, account: Account, runtime: "python3.12"));
        await world.LambdaClient.UpdateFunctionConfigurationAsync("rb-ext-fn", new FunctionConfigurationUpdate(null, null, [bad], null), Cancel);

        var outcome = await guard.CheckAsync(CloudTrailEvents.Deploy("UpdateFunctionConfiguration20150331v2", "rb-ext-fn", sha, account: Account, runtime: "python3.12"));

        Assert.Equal(Verdict.Ok, first.Report!.Verdict);
        var record = await ReadRecordAsync(world, "rb-ext-fn");
        Assert.Equal(("python3.12", sha), (record.Runtime, record.CodeSha256));
        Assert.Equal([good], record.Layers!);
        Assert.NotNull(record.CodeKey);
        Assert.Equal(FindingCodes.ExtensionWrongArch, outcome.Report!.LeadingFinding!.Code);
        Assert.Equal(GuardAction.ConfigurationRestored, outcome.Action!.Kind);
        Assert.Equal("ok", outcome.Action.RecheckVerdict);
        var now = await world.LambdaClient.GetFunctionAsync("rb-ext-fn", Cancel);
        Assert.Equal(new[] { good }, now.Configuration.Layers.Select(l => l.Arn).ToArray());
        var alert = Assert.Single(await world.ReceiveAlertsAsync(1, TimeSpan.FromSeconds(10), Cancel));
        Assert.Contains(FindingCodes.ExtensionWrongArch, alert.Subject, StringComparison.Ordinal);

        static byte[] ExtensionLayer(byte[] extension) => new PackageBuilder().AddFile("extensions/agent", extension, PackageBuilder.ExecutableMode).ToArray();
    }

    private const string GuardRole = $"arn:aws:iam::{Account}:role/guard-GuardFunctionRole-1ABC";

    /// <summary>Who made the call whose event arrives after Guard's rollback, and whether it carries the revision Guard wrote.</summary>
    public static TheoryData<string, string, string?, bool, bool> AfterGuardsRollback => new()
    {
        // Guard's own UpdateFunctionCode: its exact role, the revision Lambda answered it with.
        { "Guard's own update", $"arn:aws:sts::{Account}:assumed-role/guard-GuardFunctionRole-1ABC/guard-function", GuardRole, true, true },
        // Each spoof below deploys the same state under a name Guard used to trust, and is judged like anyone.
        { "session named like Guard's function", $"arn:aws:sts::{Account}:assumed-role/deployer/guard-function", $"arn:aws:iam::{Account}:role/deployer", true, false },
        { "Guard's role name in another account", "arn:aws:sts::210987654321:assumed-role/guard-GuardFunctionRole-1ABC/guard-function", "arn:aws:iam::210987654321:role/guard-GuardFunctionRole-1ABC", true, false },
        { "GuardMember of an account not the event's", "arn:aws:sts::210987654321:assumed-role/GuardMember/guard-function", "arn:aws:iam::210987654321:role/GuardMember", true, false },
        { "GuardMember-<Region> of an account not the event's", "arn:aws:sts::210987654321:assumed-role/GuardMember-us-east-1/guard-function", "arn:aws:iam::210987654321:role/GuardMember-us-east-1", true, false },
        { "path-prefixed look-alike", $"arn:aws:sts::{Account}:assumed-role/guard-GuardFunctionRole-1ABC/guard-function", $"arn:aws:iam::{Account}:role/ci/guard-GuardFunctionRole-1ABC", true, false },
        { "assumed-role ARN without sessionIssuer", $"arn:aws:sts::{Account}:assumed-role/guard-GuardFunctionRole-1ABC/guard-function", null, true, false },
        // Guard's exact role, but a revision Guard never wrote (someone running code as Guard's role).
        { "Guard's role, another revision", $"arn:aws:sts::{Account}:assumed-role/guard-GuardFunctionRole-1ABC/guard-function", GuardRole, false, false },
    };

    [Theory]
    [MemberData(nameof(AfterGuardsRollback))]
    public async Task Check_BrokenStateAfterGuardsRollback_OnlyGuardsExactRoleAndRevisionExempt(string who, string sessionArn, string? issuerArn, bool carriesGuardsRevision, bool exempt)
    {
        var name = $"rb-self-{Math.Abs(who.GetHashCode(StringComparison.Ordinal)) % 100000}";
        using var world = await MotoWorld.CreateAsync(moto, name, Cancel);
        await using var code = LocalHttpServer.Start();
        var good = Packages.NeedsGlibc234(name + "-good");
        var broken = Packages.NotExecutable(name + "-broken");
        var goodSha = FunctionCatalogStandIn.Sha256(good);
        await world.CreateFunctionAsync(name, good, "provided.al2023", "x86_64", Cancel);
        await world.ServeCodeAsync(code, name, good, Cancel);
        code.Serve("/" + CodeKeys.For(Account, goodSha), good);
        // Configured as on AWS: Lambda names Guard's function, and Organization mode names the member role.
        var guard = Compose(world, code, GuardMode.Rollback, roleArn: GuardRole, ownFunctionName: "guard-function", memberRole: "GuardMember");
        await guard.CheckAsync(CloudTrailEvents.Deploy("CreateFunction20150331", name, goodSha, account: Account));
        await world.UpdateFunctionCodeZipAsync(name, broken, Cancel);
        await world.ServeCodeAsync(code, name, broken, Cancel);
        var rollback = await guard.CheckAsync(CloudTrailEvents.Deploy("UpdateFunctionCode20150331v2", name, FunctionCatalogStandIn.Sha256(broken), account: Account));
        Assert.Equal(GuardAction.RolledBack, rollback.Action!.Kind);
        // Guard recorded the revision Lambda answered its UpdateFunctionCode with: the one that call's event carries.
        var made = await world.S3.ListObjectsV2Async(new ListObjectsV2Request { BucketName = world.Bucket, Prefix = $"rollbacks/{Account}/us-east-1/{name}/made/" }, Cancel);
        var guardsRevision = Path.GetFileNameWithoutExtension(Assert.Single(made.S3Objects).Key);
        // Before that event arrives, the runtime is flipped: the good code no longer starts, so the event is judged broken.
        await world.LambdaClient.UpdateFunctionConfigurationAsync(name, new FunctionConfigurationUpdate("provided.al2", null, null, null), Cancel);
        var updatesBefore = guard.Lambda.Updates;

        var outcome = await guard.CheckAsync(CloudTrailEvents.Deploy(
            "UpdateFunctionCode20150331v2", name, goodSha, account: Account, identityArn: sessionArn, sessionIssuerArn: issuerArn,
            revisionId: carriesGuardsRevision ? guardsRevision : "5b4db904-2466-4784-b3fb-4672b74fa995"));

        Assert.Equal("BOOTSTRAP_GLIBC_TOO_NEW", outcome.Report!.LeadingFinding!.Code);
        var now = (await world.LambdaClient.GetFunctionAsync(name, Cancel)).Configuration;
        if (exempt)
        {
            Assert.Equal(GuardAction.NotRolledBack, outcome.Action!.Kind);
            Assert.Contains("made by Guard itself", outcome.Action.Summary, StringComparison.Ordinal);
            Assert.Equal(updatesBefore, guard.Lambda.Updates);
            Assert.Equal("provided.al2", now.Runtime);
        }
        else
        {
            Assert.Equal(GuardAction.ConfigurationRestored, outcome.Action!.Kind);
            Assert.Equal("provided.al2023", now.Runtime);
        }
    }

    [Fact]
    public async Task Check_SameBadRevisionTwice_RolledBackAtMostOnce()
    {
        using var world = await MotoWorld.CreateAsync(moto, "rb-once", Cancel);
        await using var code = LocalHttpServer.Start();
        var good = Packages.GoodX8664("rb-once-good");
        var broken = Packages.NotExecutable("rb-once-broken");
        await world.CreateFunctionAsync("rb-once-fn", good, "provided.al2023", "x86_64", Cancel);
        await world.ServeCodeAsync(code, "rb-once-fn", good, Cancel);
        code.Serve("/" + CodeKeys.For(Account, FunctionCatalogStandIn.Sha256(good)), good);
        var guard = Compose(world, code, GuardMode.Rollback);
        await guard.CheckAsync(CloudTrailEvents.Deploy("CreateFunction20150331", "rb-once-fn", FunctionCatalogStandIn.Sha256(good), account: Account));
        await world.UpdateFunctionCodeZipAsync("rb-once-fn", broken, Cancel);
        await world.ServeCodeAsync(code, "rb-once-fn", broken, Cancel);
        var first = await guard.CheckAsync(CloudTrailEvents.Deploy("UpdateFunctionCode20150331v2", "rb-once-fn", FunctionCatalogStandIn.Sha256(broken), account: Account));
        // The same broken build deployed again. The stand-in derives RevisionId from the function's state, so this is
        // the same revision here, as a retried or duplicated event would be on AWS (where a new deploy gets a new one).
        await world.UpdateFunctionCodeZipAsync("rb-once-fn", broken, Cancel);
        await world.ServeCodeAsync(code, "rb-once-fn", broken, Cancel);

        var second = await guard.CheckAsync(CloudTrailEvents.Deploy("UpdateFunctionCode20150331v2", "rb-once-fn", FunctionCatalogStandIn.Sha256(broken), account: Account));

        Assert.Equal(GuardAction.RolledBack, first.Action!.Kind);
        Assert.Equal(GuardAction.NotRolledBack, second.Action!.Kind);
        Assert.Contains("at most once per bad revision", second.Action.Summary, StringComparison.Ordinal);
        Assert.Equal(1, guard.Lambda.Updates);
        var claims = await world.S3.ListObjectsV2Async(new ListObjectsV2Request { BucketName = world.Bucket, Prefix = "rollbacks/" }, Cancel);
        // One claim; beside it, the record of the one update Guard made.
        Assert.Single(claims.S3Objects, o => !o.Key.Contains("/made/", StringComparison.Ordinal));
    }

    [Fact]
    public async Task Check_StoredGoodCodeNoLongerPasses_NotRolledBackToIt()
    {
        using var world = await MotoWorld.CreateAsync(moto, "rb-safety", Cancel);
        await using var code = LocalHttpServer.Start();
        var good = Packages.GoodX8664("rb-safety-good");
        var broken = Packages.NotExecutable("rb-safety-broken");
        await world.CreateFunctionAsync("rb-safety-fn", good, "provided.al2023", "x86_64", Cancel);
        await world.ServeCodeAsync(code, "rb-safety-fn", good, Cancel);
        var guard = Compose(world, code, GuardMode.Rollback);
        await guard.CheckAsync(CloudTrailEvents.Deploy("CreateFunction20150331", "rb-safety-fn", FunctionCatalogStandIn.Sha256(good), account: Account));
        // Someone overwrote the stored copy with a broken zip: Guard must not put that on the function.
        await world.S3.PutObjectAsync(new PutObjectRequest { BucketName = world.Bucket, Key = CodeKeys.For(Account, FunctionCatalogStandIn.Sha256(good)), InputStream = new MemoryStream(broken) }, Cancel);
        await world.UpdateFunctionCodeZipAsync("rb-safety-fn", broken, Cancel);
        await world.ServeCodeAsync(code, "rb-safety-fn", broken, Cancel);

        var outcome = await guard.CheckAsync(CloudTrailEvents.Deploy("UpdateFunctionCode20150331v2", "rb-safety-fn", FunctionCatalogStandIn.Sha256(broken), account: Account));

        Assert.Equal(GuardAction.NotRolledBack, outcome.Action!.Kind);
        Assert.Contains("does not pass", outcome.Action.Summary, StringComparison.Ordinal);
        Assert.Equal(0, guard.Lambda.Updates);
    }

    private static async Task<byte[]> ReadObjectAsync(MotoWorld world, string key)
    {
        using var response = await world.S3.GetObjectAsync(world.Bucket, key, Cancel);
        using var buffer = new MemoryStream();
        await response.ResponseStream.CopyToAsync(buffer, Cancel);
        return buffer.ToArray();
    }

    private static async Task<DeployRecord> ReadRecordAsync(MotoWorld world, string functionName)
    {
        using var response = await world.S3.GetObjectAsync(world.Bucket, $"good/{Account}/us-east-1/{functionName}.json", Cancel);
        return (await JsonSerializer.DeserializeAsync(response.ResponseStream, StoreJsonContext.Default.DeployRecord, Cancel))!;
    }

    private static RollbackGuard Compose(
        MotoWorld world, LocalHttpServer code, GuardMode mode, bool quarantine = false, string? roleArn = null, string? ownFunctionName = null, string? memberRole = null)
    {
        var output = new StringWriter();
        var log = new GuardLog(output, TimeProvider.System);
        var options = new GuardOptions(
            mode, world.TopicArn, world.Bucket, new HashSet<string>(), GuardOptions.DefaultPlaceholderGrace, null,
            new CodeLocationRewrite(MotoWorld.MotoCodeHost, code.BaseAddress),
            Quarantine: quarantine,
            RoleArn: roleArn,
            OwnFunctionName: ownFunctionName,
            RollbackWait: TimeSpan.FromSeconds(5),
            MemberRole: memberRole);
        var lambda = new RevisionEnforcingLambda(world.LambdaClient, world.LayerLocations);
        var packages = new HttpPackageOpener(new HttpClient(), options.CodeLocationRewrite);
        var store = new S3GuardStore(world.GuardS3, world.Bucket);
        var codes = new S3CodeStore(world.GuardS3, world.Bucket, new HttpClient(), options.CodeLocationRewrite, log);
        var functions = new DeployedFunctionInspector(lambda, packages, new PackageInspector(), RuntimeCatalog.Default, options.PlaceholderSha256);
        var rollback = new FunctionRollback(
            lambda, store, codes, new FunctionRestore(lambda, functions, codes.Open, TimeProvider.System), options, log, TimeProvider.System);
        var check = new DeployCheck(
            lambda,
            functions,
            store,
            new AlertSender([new SnsAlertChannel(SnsClient.Create(world.Environment, MotoWorld.Credentials), world.TopicArn, log)], log),
            options,
            log,
            TimeProvider.System,
            codes,
            rollback);
        return new RollbackGuard(check, lambda, output);
    }

    private sealed record RollbackGuard(DeployCheck Check, RevisionEnforcingLambda Lambda, StringWriter Output)
    {
        public Task<DeployOutcome> CheckAsync(string eventJson)
        {
            using var document = JsonDocument.Parse(eventJson);
            var routed = EventRouter.Classify(document.RootElement);
            return Check.CheckAsync(routed.CloudTrail!, Cancel);
        }
    }
}
