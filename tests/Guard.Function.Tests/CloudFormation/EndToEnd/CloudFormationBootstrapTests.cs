using System.Diagnostics;
using System.Text.Json;
using Amazon.S3.Model;
using Guard.Function.Tests.EndToEnd;
using Guard.Function.Tests.Support;
using Guard.Testing;

namespace Guard.Function.Tests.CloudFormation.EndToEnd;

/// <summary>
/// The published AOT <c>bootstrap</c> under <see cref="RuntimeApiStandIn"/> answering CloudFormation: custom
/// resource requests (its PUTs land on a <see cref="ResponseUrlStandIn"/>) and hook invocations, with the
/// packages in moto_server's S3.
/// </summary>
public sealed class CloudFormationBootstrapTests(PublishedBootstrap bootstrap, MotoServer moto) : IClassFixture<PublishedBootstrap>, IClassFixture<MotoServer>
{
    private static readonly TimeSpan Wait = TimeSpan.FromSeconds(30);

    private static CancellationToken Cancel => TestContext.Current.CancellationToken;

    [Fact]
    public async Task Bootstrap_CustomResourceAndHook_AnswerCloudFormation()
    {
        using var world = await MotoWorld.CreateAsync(moto, "guard-cfn-e2e", Cancel);
        await world.S3.PutObjectAsync(new PutObjectRequest { BucketName = world.Bucket, Key = "good.zip", InputStream = new MemoryStream(Packages.GoodX8664()) }, Cancel);
        await world.S3.PutObjectAsync(new PutObjectRequest { BucketName = world.Bucket, Key = "script.zip", InputStream = new MemoryStream(Packages.NotExecutable()) }, Cancel);
        await using var api = RuntimeApiStandIn.Start();
        await using var responses = ResponseUrlStandIn.Start();
        using var process = Start(api);
        try
        {
            var createId = api.Enqueue(StackRequests.CustomResource("Create", responses.NewUrl(), StackRequests.S3Properties(world.Bucket, "good.zip"), requestId: "create-1"));
            var create = await api.NextAnswerAsync(Wait, Cancel);
            var createPut = await responses.NextAsync(Wait, Cancel);
            api.Enqueue(StackRequests.CustomResource("Update", responses.NewUrl(), StackRequests.S3Properties(world.Bucket, "script.zip"), physicalId: "PackageCheck-kept", requestId: "update-1"));
            await api.NextAnswerAsync(Wait, Cancel);
            var updatePut = await responses.NextAsync(Wait, Cancel);
            api.Enqueue(StackRequests.CustomResource("Delete", responses.NewUrl(), StackRequests.S3Properties(world.Bucket, "script.zip"), physicalId: "PackageCheck-kept"));
            await api.NextAnswerAsync(Wait, Cancel);
            var deletePut = await responses.NextAsync(Wait, Cancel);
            // Two seconds left on Lambda's clock: inside the 5-second margin, so FAILED at once instead of a timeout.
            api.Enqueue(StackRequests.CustomResource("Create", responses.NewUrl(), StackRequests.S3Properties(world.Bucket, "good.zip")), timeout: TimeSpan.FromSeconds(2));
            var late = await api.NextAnswerAsync(Wait, Cancel);
            var latePut = await responses.NextAsync(Wait, Cancel);
            var hookId = api.Enqueue(StackRequests.Hook("CREATE_PRE_PROVISION", StackRequests.FunctionProperties(world.Bucket, "good.zip", architecture: "arm64"), clientRequestToken: "tok-e2e"));
            var hook = await api.NextAnswerAsync(Wait, Cancel);
            api.Enqueue(StackRequests.Hook("UPDATE_PRE_PROVISION", StackRequests.FunctionProperties(world.Bucket, "good.zip"), StackRequests.FunctionProperties(world.Bucket, "script.zip")));
            var hookOk = await api.NextAnswerAsync(Wait, Cancel);

            Assert.Equal(("response", createId), (create.Kind, create.RequestId));
            Assert.Equal("PUT", createPut.Method);
            Assert.True(string.IsNullOrEmpty(createPut.ContentType), $"Content-Type was '{createPut.ContentType}'");
            Assert.Equal(createPut.Body.Length, createPut.ContentLength);
            using (var body = createPut.Json())
            {
                Assert.Equal("SUCCESS", body.RootElement.GetProperty("Status").GetString());
                Assert.Equal("create-1", body.RootElement.GetProperty("RequestId").GetString());
                Assert.Equal("ok", body.RootElement.GetProperty("Data").GetProperty("Verdict").GetString());
                Assert.Equal("x86_64", body.RootElement.GetProperty("Data").GetProperty("BootstrapMachine").GetString());
            }

            using (var body = updatePut.Json())
            {
                Assert.Equal("FAILED", body.RootElement.GetProperty("Status").GetString());
                Assert.Equal("PackageCheck-kept", body.RootElement.GetProperty("PhysicalResourceId").GetString());
                Assert.Contains("BOOTSTRAP_NOT_EXECUTABLE", body.RootElement.GetProperty("Reason").GetString(), StringComparison.Ordinal);
                Assert.Contains("chmod 755", body.RootElement.GetProperty("Reason").GetString(), StringComparison.Ordinal);
            }

            using (var body = deletePut.Json())
            {
                Assert.Equal(("SUCCESS", "PackageCheck-kept"), (body.RootElement.GetProperty("Status").GetString(), body.RootElement.GetProperty("PhysicalResourceId").GetString()));
            }

            Assert.Equal("response", late.Kind);
            using (var body = latePut.Json())
            {
                Assert.Equal("FAILED", body.RootElement.GetProperty("Status").GetString());
            }

            Assert.Equal(("response", hookId), (hook.Kind, hook.RequestId));
            using (var answer = JsonDocument.Parse(hook.Body))
            {
                var root = answer.RootElement;
                Assert.Equal(("FAILED", "NonCompliant", "tok-e2e"), (root.GetProperty("hookStatus").GetString(), root.GetProperty("errorCode").GetString(), root.GetProperty("clientRequestToken").GetString()));
                Assert.Contains("BOOTSTRAP_WRONG_ARCH", root.GetProperty("message").GetString(), StringComparison.Ordinal);
            }

            using (var answer = JsonDocument.Parse(hookOk.Body))
            {
                Assert.Equal("SUCCESS", answer.RootElement.GetProperty("hookStatus").GetString());
            }
        }
        finally
        {
            if (!process.HasExited)
            {
                process.Kill();
                await process.WaitForExitAsync(CancellationToken.None);
            }
        }

        var log = await process.StandardOutput.ReadToEndAsync(Cancel);
        Assert.Contains("answered FAILED", log, StringComparison.Ordinal);
        Assert.DoesNotContain(ResponseUrlStandIn.Signature, log, StringComparison.Ordinal);
        Assert.DoesNotContain(ResponseUrlStandIn.Signature, await process.StandardError.ReadToEndAsync(Cancel), StringComparison.Ordinal);
    }

    private Process Start(RuntimeApiStandIn api)
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

        return Process.Start(start)!;
    }
}
