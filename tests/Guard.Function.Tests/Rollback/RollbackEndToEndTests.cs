using System.Diagnostics;
using System.Text.Json;
using Guard.Aws.Store;
using Guard.Function.Rollback;
using Guard.Function.Tests.EndToEnd;
using Guard.Function.Tests.Support;
using Guard.Inspection.Reporting;
using Guard.Testing;

namespace Guard.Function.Tests.Rollback;

/// <summary>
/// The published AOT <c>bootstrap</c> in rollback mode: a good deploy is kept, a broken one is put back, all through
/// the process's own AWS calls against moto_server (Code.Location served by a LocalHttpServer, as in
/// <see cref="BootstrapProcessTests"/>; moto reports no RevisionId, so the update goes out unconditional here and
/// the conditional path is proven in <see cref="RollbackMotoTests"/>).
/// </summary>
public sealed class RollbackEndToEndTests(PublishedBootstrap bootstrap, MotoServer moto) : IClassFixture<PublishedBootstrap>, IClassFixture<MotoServer>
{
    private static readonly TimeSpan Wait = TimeSpan.FromSeconds(60);

    private static CancellationToken Cancel => TestContext.Current.CancellationToken;

    [Fact]
    public async Task Bootstrap_RollbackMode_KeepsGoodCodeThenPutsItBackOverABrokenDeploy()
    {
        using var world = await MotoWorld.CreateAsync(moto, "guard-e2e-rb", Cancel);
        await using var code = LocalHttpServer.Start();
        await using var api = RuntimeApiStandIn.Start();
        var good = Packages.GoodX8664("e2e-rb-good");
        var broken = Packages.NotExecutable("e2e-rb-broken");
        await world.CreateFunctionAsync("guard-e2e-rb-fn", good, "provided.al2023", "x86_64", Cancel);
        await world.ServeCodeAsync(code, "guard-e2e-rb-fn", good, Cancel);
        code.Serve("/" + CodeKeys.For("123456789012", FunctionCatalogStandIn.Sha256(good)), good);
        using var process = Start(api, world, code);
        try
        {
            api.Enqueue(CloudTrailEvents.Deploy("CreateFunction20150331", "guard-e2e-rb-fn", FunctionCatalogStandIn.Sha256(good), account: "123456789012"));
            var goodAnswer = await api.NextAnswerAsync(Wait, Cancel);
            Assert.Equal("response", goodAnswer.Kind);
            await world.UpdateFunctionCodeZipAsync("guard-e2e-rb-fn", broken, Cancel);
            await world.ServeCodeAsync(code, "guard-e2e-rb-fn", broken, Cancel);

            api.Enqueue(CloudTrailEvents.Deploy("UpdateFunctionCode20150331v2", "guard-e2e-rb-fn", FunctionCatalogStandIn.Sha256(broken), account: "123456789012"));
            var brokenAnswer = await api.NextAnswerAsync(Wait, Cancel);

            Assert.True(brokenAnswer.Kind == "response", brokenAnswer.Body);
            Assert.Equal(Verdict.Broken, JsonSerializer.Deserialize(brokenAnswer.Body, ReportJsonContext.Default.Report)!.Verdict);
            var now = await world.LambdaClient.GetFunctionAsync("guard-e2e-rb-fn", Cancel);
            Assert.Equal(FunctionCatalogStandIn.Sha256(good), now.Configuration.CodeSha256);
            var alert = Assert.Single(await world.ReceiveAlertsAsync(1, TimeSpan.FromSeconds(10), Cancel));
            Assert.Equal("Guard rolled back guard-e2e-rb-fn (BOOTSTRAP_NOT_EXECUTABLE)", alert.Subject);
            using var document = JsonDocument.Parse(alert.Message);
            Assert.Equal("rolled-back", document.RootElement.GetProperty("action").GetProperty("kind").GetString());
            Assert.Equal("ok", document.RootElement.GetProperty("action").GetProperty("recheckVerdict").GetString());
        }
        finally
        {
            if (!process.HasExited)
            {
                process.Kill();
                await process.WaitForExitAsync(CancellationToken.None);
            }
        }
    }

    private Process Start(RuntimeApiStandIn api, MotoWorld world, LocalHttpServer code)
    {
        var start = new ProcessStartInfo(bootstrap.ExecutablePath)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        start.Environment["AWS_LAMBDA_RUNTIME_API"] = api.HostAndPort;
        foreach (var (name, value) in moto.EnvironmentVariables)
        {
            start.Environment[name] = value;
        }

        start.Environment["GUARD_MODE"] = "rollback";
        start.Environment["GUARD_ROLLBACK_WAIT_SECONDS"] = "10";
        start.Environment["AWS_LAMBDA_FUNCTION_NAME"] = "guard-function";
        start.Environment["GUARD_TOPIC_ARN"] = world.TopicArn;
        start.Environment["GUARD_STORE_BUCKET"] = world.Bucket;
        start.Environment["GUARD_CODE_LOCATION_REWRITE"] = $"{MotoWorld.MotoCodeHost}={code.BaseAddress.AbsoluteUri}";
        return Process.Start(start)!;
    }
}
