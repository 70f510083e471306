using System.Diagnostics;
using System.Text.Json;
using Guard.Function.Tests.Support;
using Guard.Inspection;
using Guard.Inspection.Reporting;
using Guard.Inspection.Rules;
using Guard.Testing;

namespace Guard.Function.Tests.EndToEnd;

/// <summary>
/// The published AOT <c>bootstrap</c> run as a process under <see cref="RuntimeApiStandIn"/>, with its AWS calls
/// pointed at moto_server (AWS_ENDPOINT_URL) and moto's unfetchable Code.Location redirected to a
/// LocalHttpServer serving the same zip (GUARD_CODE_LOCATION_REWRITE: the emulator-only seam).
/// </summary>
public sealed class BootstrapProcessTests(PublishedBootstrap bootstrap, MotoServer moto) : IClassFixture<PublishedBootstrap>, IClassFixture<MotoServer>
{
    private static readonly TimeSpan Wait = TimeSpan.FromSeconds(30);

    private static CancellationToken Cancel => TestContext.Current.CancellationToken;

    [Fact]
    public async Task Bootstrap_CloudTrailEvents_AnswersEachAndPublishesTheBrokenOne()
    {
        using var world = await MotoWorld.CreateAsync(moto, "guard-e2e", Cancel);
        await using var code = LocalHttpServer.Start();
        await using var api = RuntimeApiStandIn.Start();
        var broken = Packages.GoodX8664("e2e-broken");
        var good = Packages.GoodX8664("e2e-good");
        await world.CreateFunctionAsync("guard-e2e-broken", broken, "provided.al2023", "arm64", Cancel);
        await world.CreateFunctionAsync("guard-e2e-good", good, "provided.al2023", "x86_64", Cancel);
        await world.ServeCodeAsync(code, "guard-e2e-broken", broken, Cancel);
        await world.ServeCodeAsync(code, "guard-e2e-good", good, Cancel);
        using var process = Start(api, world, code, ("GUARD_MODE", "alert"));
        try
        {
            var garbageId = api.Enqueue("this is not JSON");
            var garbage = await api.NextAnswerAsync(Wait, Cancel);
            var brokenId = api.Enqueue(CloudTrailEvents.Deploy("UpdateFunctionCode20150331v2", "guard-e2e-broken", FunctionCatalogStandIn.Sha256(broken), account: "123456789012"));
            var brokenAnswer = await api.NextAnswerAsync(Wait, Cancel);
            var goodId = api.Enqueue(CloudTrailEvents.Deploy("CreateFunction20150331", "guard-e2e-good", FunctionCatalogStandIn.Sha256(good), account: "123456789012"));
            var goodAnswer = await api.NextAnswerAsync(Wait, Cancel);
            var staleId = api.Enqueue(CloudTrailEvents.Deploy("UpdateFunctionCode20150331v2", "guard-e2e-good", FunctionCatalogStandIn.Sha256(broken), account: "123456789012"));
            var staleAnswer = await api.NextAnswerAsync(Wait, Cancel);
            var goneId = api.Enqueue(CloudTrailEvents.Deploy("UpdateFunctionConfiguration20150331v2", "guard-e2e-deleted", "c2hh", account: "123456789012"));
            var goneAnswer = await api.NextAnswerAsync(Wait, Cancel);

            Assert.Equal(("response", garbageId), (garbage.Kind, garbage.RequestId));
            Assert.Equal("ignored", Outcome(garbage));
            Assert.Equal(("response", brokenId), (brokenAnswer.Kind, brokenAnswer.RequestId));
            var report = JsonSerializer.Deserialize(brokenAnswer.Body, ReportJsonContext.Default.Report)!;
            Assert.Equal(Verdict.Broken, report.Verdict);
            Assert.Equal("BOOTSTRAP_WRONG_ARCH", report.LeadingFinding!.Code);
            Assert.Equal(("response", goodId), (goodAnswer.Kind, goodAnswer.RequestId));
            Assert.Equal(Verdict.Ok, JsonSerializer.Deserialize(goodAnswer.Body, ReportJsonContext.Default.Report)!.Verdict);
            Assert.Equal(("response", staleId, "stale"), (staleAnswer.Kind, staleAnswer.RequestId, Outcome(staleAnswer)));
            Assert.Equal(("response", goneId, "not-found"), (goneAnswer.Kind, goneAnswer.RequestId, Outcome(goneAnswer)));

            var alert = Assert.Single(await world.ReceiveAlertsAsync(1, TimeSpan.FromSeconds(10), Cancel));
            Assert.Equal("Guard: guard-e2e-broken will not start (BOOTSTRAP_WRONG_ARCH)", alert.Subject);
            using var sqs = JsonDocument.Parse(alert.Message);
            Assert.Equal("BOOTSTRAP_WRONG_ARCH", sqs.RootElement.GetProperty("report").GetProperty("findings")[0].GetProperty("code").GetString());
            Assert.Equal("arn:aws:iam::123456789012:user/christophe", sqs.RootElement.GetProperty("deployedBy").GetProperty("arn").GetString());
            using var goodRecord = await world.S3.GetObjectAsync(world.Bucket, "good/123456789012/us-east-1/guard-e2e-good.json", Cancel);
            Assert.NotNull(goodRecord);
        }
        finally
        {
            await StopAsync(process);
        }

        var lines = (await process.StandardOutput.ReadToEndAsync(Cancel)).Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.NotEmpty(lines);
        foreach (var line in lines)
        {
            using var parsed = JsonDocument.Parse(line);
        }

        Assert.Contains(lines, l => l.Contains("\"_aws\":", StringComparison.Ordinal) && l.Contains("\"Broken\":1", StringComparison.Ordinal));
    }

    [Fact]
    public async Task Bootstrap_MalformedConfiguration_ReportsInitErrorBeforeNextAndExits()
    {
        await using var api = RuntimeApiStandIn.Start();
        using var process = Start(api, world: null, code: null, ("GUARD_MODE", "loud"));
        try
        {
            var answer = await api.NextAnswerAsync(Wait, Cancel);

            Assert.Equal("init-error", answer.Kind);
            Assert.Contains("GUARD_MODE", answer.Body, StringComparison.Ordinal);
            await process.WaitForExitAsync(Cancel);
            Assert.Equal(1, process.ExitCode);
            Assert.Equal(0, api.NextCalls);
        }
        finally
        {
            await StopAsync(process);
        }
    }

    [Fact]
    public async Task Bootstrap_RuntimeApiUnreachable_LogsOneErrorLineAndExits()
    {
        var start = new ProcessStartInfo(bootstrap.ExecutablePath) { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        // Port 9 (discard) on loopback: nothing listens, so the first /next is refused.
        start.Environment["AWS_LAMBDA_RUNTIME_API"] = "127.0.0.1:9";
        using var process = Process.Start(start)!;
        var stdout = process.StandardOutput.ReadToEndAsync(Cancel);
        var stderr = process.StandardError.ReadToEndAsync(Cancel);
        try
        {
            await process.WaitForExitAsync(Cancel).WaitAsync(Wait, Cancel);

            Assert.Equal(1, process.ExitCode);
            var line = Assert.Single((await stdout).Split('\n', StringSplitOptions.RemoveEmptyEntries));
            using var logged = JsonDocument.Parse(line);
            Assert.Equal("ERROR", logged.RootElement.GetProperty("level").GetString());
            Assert.Contains("Runtime API at 127.0.0.1:9 is unreachable", logged.RootElement.GetProperty("message").GetString(), StringComparison.Ordinal);
            Assert.DoesNotContain("Unhandled exception", await stderr, StringComparison.Ordinal);
        }
        finally
        {
            await StopAsync(process);
        }
    }

    [Fact]
    public async Task Guard_ItsOwnBootstrap_WillStartOnProvidedAl2023()
    {
        var zip = new PackageBuilder().AddFile("bootstrap", await File.ReadAllBytesAsync(bootstrap.ExecutablePath, Cancel), PackageBuilder.ExecutableMode).ToArray();

        var report = await new PackageInspector().InspectAsync(new InspectionRequest(new InMemoryRangeSource(zip), "provided.al2023", Architecture.X8664), Cancel);

        Assert.True(report.Verdict == Verdict.Ok, string.Join("; ", report.Findings.Select(f => f.Message)));
        Assert.Equal("x86_64", report.Bootstrap!.Machine);
    }

    [Fact]
    public async Task PublishedImage_LeavesPollysDataAnnotationsValidationOut()
    {
        // Polly.Substitutions.xml stubs it for cold start; the compiler ignores a substitution whose method no longer
        // exists (a Polly upgrade may rename it), so the symbol table of the published image is the proof it applied.
        var symbols = await File.ReadAllBytesAsync(Path.ChangeExtension(bootstrap.ExecutablePath, ".dbg"), Cancel);

        Assert.True(symbols.AsSpan().IndexOf("Polly_Core_Polly_ResiliencePipelineBuilderBase"u8) >= 0, "the image has no Polly symbols: is this the right file?");
        Assert.True(
            symbols.AsSpan().IndexOf("DataAnnotations_Validator__TryValidateObject"u8) < 0,
            "Polly's DataAnnotations validation is back in the AOT image: update functions/Guard.Function/Polly.Substitutions.xml to Polly's current ValidationHelper");
    }

    [Fact]
    public async Task PublishedImage_HasNoAwsSdk()
    {
        // Every AWS call goes through Guard's signed HttpClient pipeline, signed by Guard's own SigV4 signer with the
        // credentials Lambda puts in the environment. An SDK service client brought the SDK's request runtime (1.8 MB),
        // AWSSDK.Core's signing handler its whole credential chain (profiles, SSO, IMDS): type data every cold start rehydrates.
        var symbols = await File.ReadAllBytesAsync(Path.ChangeExtension(bootstrap.ExecutablePath, ".dbg"), Cancel);

        Assert.True(symbols.AsSpan().IndexOf("Guard_Aws_Guard_Aws_Http_SigV4Signer"u8) >= 0, "the image has no Guard signer symbols: is this the right file?");
        Assert.True(
            symbols.AsSpan().IndexOf("AWSSDK_Core_"u8) < 0,
            "AWSSDK.Core is back in the Lambda's AOT image: sign through Guard.Aws's SigV4SigningHandler, take credentials as an IAwsCredentialsProvider");
    }

    [Fact]
    public async Task PublishedImage_PrefaultsItsHydratedSection()
    {
        // Native/hydrated_prefault.c is compiled and linked by the csproj's CompileHydratedPrefault target; a build that
        // skipped it would still work, only start slower, so the image's symbols are the proof it is in.
        var symbols = await File.ReadAllBytesAsync(Path.ChangeExtension(bootstrap.ExecutablePath, ".dbg"), Cancel);

        Assert.True(symbols.AsSpan().IndexOf("S_P_CoreLib_"u8) >= 0, "the image has no managed symbols: is this the right file?");
        Assert.True(
            symbols.AsSpan().IndexOf("guard_prefault_hydrated"u8) >= 0,
            "the AOT image was linked without Native/hydrated_prefault.c: see the CompileHydratedPrefault target in Guard.Function.csproj");
    }

    [Fact]
    public async Task Bootstrap_AtItsFirstNext_TypeDataOnHugePages()
    {
        // Native/hydrated_hugepages.ld pads .hydrated and the constructor advises the span for huge pages: on a nested
        // virtual machine that took over a quarter of the CPU time to the first /next (docs/performance.md). A link that lost
        // the script would still work, only start slower, so the running process's mappings are the proof.
        await using var api = RuntimeApiStandIn.Start();
        using var process = Start(api, world: null, code: null, ("GUARD_MODE", "alert"));
        try
        {
            var deadline = DateTime.UtcNow + Wait;
            while (api.FirstNext is null && DateTime.UtcNow < deadline)
            {
                await Task.Delay(20, Cancel);
            }

            Assert.NotNull(api.FirstNext);
            var (mappings, hugeKiB) = TransparentHugePages.Advised(process.Id);
            Assert.True(mappings > 0, "no mapping of the bootstrap was advised for huge pages: is Native/hydrated_hugepages.ld in the link (Guard.Function.csproj)?");
            if (TransparentHugePages.Enabled)
            {
                Assert.True(hugeKiB >= 2048, $"the advised mappings hold {hugeKiB} KiB of huge pages, expected the type data's");
            }
        }
        finally
        {
            await StopAsync(process);
        }
    }

    private Process Start(RuntimeApiStandIn api, MotoWorld? world, LocalHttpServer? code, params (string Name, string Value)[] settings)
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

        if (world is not null && code is not null)
        {
            start.Environment["GUARD_TOPIC_ARN"] = world.TopicArn;
            start.Environment["GUARD_STORE_BUCKET"] = world.Bucket;
            start.Environment["GUARD_CODE_LOCATION_REWRITE"] = $"{MotoWorld.MotoCodeHost}={code.BaseAddress.AbsoluteUri}";
        }

        foreach (var (name, value) in settings)
        {
            start.Environment[name] = value;
        }

        return Process.Start(start)!;
    }

    private static async Task StopAsync(Process process)
    {
        if (!process.HasExited)
        {
            process.Kill();
            await process.WaitForExitAsync(CancellationToken.None);
        }
    }

    private static string? Outcome(RuntimeAnswer answer)
    {
        using var document = JsonDocument.Parse(answer.Body);
        return document.RootElement.GetProperty("outcome").GetString();
    }
}
