using Guard.Inspection.Rules;
using Guard.Aws.Functions;
using System.Text;
using Guard.Function.Deploys;
using Guard.Function.Logging;
using Guard.Function.RuntimeApi;
using Guard.Function.Tests.Support;
using Guard.Inspection;
using Guard.Testing;

namespace Guard.Function.Tests.Deploys;

/// <summary>
/// A presigned Code.Location whose server sends headers and part of the body, then goes silent: in the Lambda the
/// invocation's deadline ends the read (the loop reports the error before Lambda kills the sandbox), well before
/// the HTTP client's own timeouts would.
/// </summary>
public sealed class StalledPackageTests
{
    private static readonly TimeSpan Wait = TimeSpan.FromSeconds(10);

    [Fact]
    public async Task Invocation_WhenThePackageServerStallsMidBody_EndsAtTheDeadlineWithAnError()
    {
        var cancel = TestContext.Current.CancellationToken;
        await using var code = LocalHttpServer.Start();
        code.StallBodiesAfter = 10;
        var zip = Packages.GoodX8664();
        var lambda = new FunctionCatalogStandIn();
        var function = lambda.Add("stalled-fn", zip);
        var location = new Uri(function.CodeLocation!);
        code.Serve(location.AbsolutePath, zip);
        // As Program.cs composes it: a 30 s HttpClient timeout (which ends with the headers) and the default idle timeout (30 s).
        var opener = new HttpPackageOpener(
            new HttpClient { Timeout = TimeSpan.FromSeconds(30) },
            new CodeLocationRewrite($"{location.Scheme}://{location.Authority}/", code.BaseAddress));
        var inspector = new DeployedFunctionInspector(lambda, opener, new PackageInspector(), RuntimeCatalog.Default);
        await using var api = RuntimeApiStandIn.Start();
        using var client = RuntimeApiClient.Create(api.HostAndPort);
        var loop = new InvocationLoop(client, new InspectHandler(inspector, function), new GuardLog(new StringWriter(), TimeProvider.System), TimeProvider.System);
        api.Enqueue("{}", timeout: TimeSpan.FromSeconds(2));

        var invocation = await client.NextAsync(cancel);
        var invoked = loop.InvokeAsync(invocation, cancel);
        var answer = await api.NextAnswerAsync(Wait, cancel);
        await invoked.WaitAsync(Wait, cancel);

        Assert.Equal("error", answer.Kind);
        Assert.Contains("Canceled", answer.ErrorType, StringComparison.Ordinal);
        Assert.Equal(206, Assert.Single(code.Requests).StatusCode);
    }

    private sealed class InspectHandler(DeployedFunctionInspector inspector, Guard.Aws.Lambda.FunctionDetails function) : IInvocationHandler
    {
        public async Task<ReadOnlyMemory<byte>> HandleAsync(Invocation invocation, CancellationToken cancellationToken)
        {
            var report = (await inspector.InspectAsync(function, target: null, cancellationToken)).Report!;
            return Encoding.UTF8.GetBytes($"{{\"verdict\":\"{report.Verdict}\"}}");
        }
    }
}
