using System.Text;
using System.Text.Json;
using Guard.Function.Logging;
using Guard.Function.Routing;
using Guard.Function.RuntimeApi;
using Guard.Function.Tests.Support;

namespace Guard.Function.Tests.RuntimeApi;

/// <summary>The loop and the real <see cref="RuntimeApiClient"/> against <see cref="RuntimeApiStandIn"/>.</summary>
public sealed class InvocationLoopTests
{
    private static readonly TimeSpan Wait = TimeSpan.FromSeconds(10);

    [Fact]
    public async Task Run_HandlerThrowsThenSucceeds_ReportsErrorAndKeepsGoing()
    {
        await using var api = RuntimeApiStandIn.Start();
        using var client = RuntimeApiClient.Create(api.HostAndPort);
        using var stop = CancellationTokenSource.CreateLinkedTokenSource(TestContext.Current.CancellationToken);
        var handler = new ScriptedHandler(payload => payload == "boom" ? throw new InvalidOperationException("handler failed") : "{\"echo\":\"" + payload + "\"}");
        var output = new StringWriter();
        var loop = new InvocationLoop(client, handler, new GuardLog(output, TimeProvider.System), TimeProvider.System);
        var running = loop.RunAsync(stop.Token);

        var failedId = api.Enqueue("boom");
        var failed = await api.NextAnswerAsync(Wait, TestContext.Current.CancellationToken);
        var okId = api.Enqueue("fine", traceId: "Root=1-5759e988-bd862e3fe1be46a994272793");
        var ok = await api.NextAnswerAsync(Wait, TestContext.Current.CancellationToken);

        Assert.Equal(("error", failedId), (failed.Kind, failed.RequestId));
        using var error = JsonDocument.Parse(failed.Body);
        Assert.Equal("handler failed", error.RootElement.GetProperty("errorMessage").GetString());
        Assert.Equal("InvalidOperationException", error.RootElement.GetProperty("errorType").GetString());
        Assert.Equal(JsonValueKind.Array, error.RootElement.GetProperty("stackTrace").ValueKind);
        Assert.Equal("InvalidOperationException", failed.ErrorType);
        Assert.Equal(("response", okId, "{\"echo\":\"fine\"}"), (ok.Kind, ok.RequestId, ok.Body));
        Assert.Equal("Root=1-5759e988-bd862e3fe1be46a994272793", handler.TraceIdSeen);
        Assert.True(handler.DeadlineSeen > DateTimeOffset.UtcNow);
        Assert.Contains("\"level\":\"ERROR\"", output.ToString(), StringComparison.Ordinal);

        // Cancelled while waiting on /next the loop throws; cancelled between two events it just returns. Either way it stops.
        await stop.CancelAsync();
        var ended = await Record.ExceptionAsync(() => running.WaitAsync(Wait, TestContext.Current.CancellationToken));
        Assert.True(ended is null or OperationCanceledException, $"the loop did not stop cleanly: {ended}");
    }

    [Fact]
    public async Task RunAsync_InitializationFails_PostsInitErrorAndNeverCallsNext()
    {
        await using var api = RuntimeApiStandIn.Start();
        using var client = RuntimeApiClient.Create(api.HostAndPort);

        var started = await InvocationLoop.RunAsync(
            client, () => throw new FormatException("GUARD_MODE is 'loud'"), new GuardLog(new StringWriter(), TimeProvider.System), TimeProvider.System, TestContext.Current.CancellationToken);

        Assert.False(started);
        var answer = await api.NextAnswerAsync(Wait, TestContext.Current.CancellationToken);
        Assert.Equal("init-error", answer.Kind);
        using var error = JsonDocument.Parse(answer.Body);
        Assert.Equal("GUARD_MODE is 'loud'", error.RootElement.GetProperty("errorMessage").GetString());
        Assert.Equal("FormatException", answer.ErrorType);
        Assert.Equal(0, api.NextCalls);
    }

    [Fact]
    public async Task Invoke_HandlerOverrunsDeadline_CancelledAndReportedAsError()
    {
        await using var api = RuntimeApiStandIn.Start();
        using var client = RuntimeApiClient.Create(api.HostAndPort);
        var loop = new InvocationLoop(client, new ScriptedHandler(_ => "{}", delay: TimeSpan.FromSeconds(30)), new GuardLog(new StringWriter(), TimeProvider.System), TimeProvider.System);
        api.Enqueue("slow", timeout: TimeSpan.FromSeconds(1));

        var invocation = await client.NextAsync(TestContext.Current.CancellationToken);
        await loop.InvokeAsync(invocation, TestContext.Current.CancellationToken);

        var answer = await api.NextAnswerAsync(Wait, TestContext.Current.CancellationToken);
        Assert.Equal("error", answer.Kind);
    }

    [Fact]
    public async Task Invoke_SixMegabyteEventsNotGuardsThroughTheRouter_EachAcknowledged()
    {
        await using var api = RuntimeApiStandIn.Start();
        using var client = RuntimeApiClient.Create(api.HostAndPort);
        var log = new GuardLog(new StringWriter(), TimeProvider.System);
        var notHandled = new NotHandledYet(log);
        var loop = new InvocationLoop(client, new EventRouter(notHandled, notHandled, notHandled, notHandled, log), log, TimeProvider.System);
        string[] ids = [api.Enqueue(BigEvents.ApiGatewayBody()), api.Enqueue(BigEvents.SqsBatch()), api.Enqueue("""{"hello":"small"}""")];

        foreach (var id in ids)
        {
            await loop.InvokeAsync(await client.NextAsync(TestContext.Current.CancellationToken), TestContext.Current.CancellationToken);
            var answer = await api.NextAnswerAsync(Wait, TestContext.Current.CancellationToken);

            Assert.Equal(("response", id), (answer.Kind, answer.RequestId));
            using var body = JsonDocument.Parse(answer.Body);
            Assert.Equal("ignored", body.RootElement.GetProperty("outcome").GetString());
        }
    }

    private sealed class ScriptedHandler(Func<string, string> answer, TimeSpan delay = default) : IInvocationHandler
    {
        public string? TraceIdSeen { get; private set; }

        public DateTimeOffset DeadlineSeen { get; private set; }

        public async Task<ReadOnlyMemory<byte>> HandleAsync(Invocation invocation, CancellationToken cancellationToken)
        {
            TraceIdSeen = Environment.GetEnvironmentVariable("_X_AMZN_TRACE_ID");
            DeadlineSeen = invocation.DeadlineUtc;
            if (delay > TimeSpan.Zero)
            {
                await Task.Delay(delay, cancellationToken);
            }

            return Encoding.UTF8.GetBytes(answer(Encoding.UTF8.GetString(invocation.Payload.Span)));
        }
    }
}
