using System.Text;
using Guard.Function.Logging;
using Guard.Function.Routing;
using Guard.Function.RuntimeApi;

namespace Guard.Function.Tests.Routing;

/// <summary>The two CloudFormation routes: each reaches its handler with Lambda's deadline.</summary>
public sealed class CloudFormationRoutesTests
{
    [Theory]
    [InlineData("""{"RequestType":"Create","ResponseURL":"https://x/y","StackId":"s"}""", "resources")]
    [InlineData("""{"hookTypeName":"Guard::Lambda::BootstrapCheck","actionInvocationPoint":"CREATE_PRE_PROVISION","clientRequestToken":"t"}""", "hooks")]
    public async Task Handle_CloudFormationRequest_ReachesItsHandlerWithTheDeadline(string payload, string expected)
    {
        var resources = new DeadlineRecorder();
        var hooks = new DeadlineRecorder();
        var other = new DeadlineRecorder();
        var router = new EventRouter(other, resources, hooks, other, new GuardLog(new StringWriter(), TimeProvider.System));
        var deadline = DateTimeOffset.UtcNow.AddSeconds(42);

        await router.HandleAsync(new Invocation("r", deadline, null, null, Encoding.UTF8.GetBytes(payload)), TestContext.Current.CancellationToken);

        var reached = expected == "resources" ? resources : hooks;
        Assert.Equal(deadline, reached.Deadline);
        Assert.Equal(1, resources.Calls + hooks.Calls);
        Assert.Equal(0, other.Calls);
    }

    [Fact]
    public async Task Handle_CustomResourceThroughADeferredHandler_TheDeadlineStillArrives()
    {
        var resources = new DeadlineRecorder();
        var other = new DeadlineRecorder();
        var router = new EventRouter(other, new DeferredRouteHandler(() => resources), other, other, new GuardLog(new StringWriter(), TimeProvider.System));
        var deadline = DateTimeOffset.UtcNow.AddSeconds(42);

        await router.HandleAsync(
            new Invocation("r", deadline, null, null, """{"RequestType":"Create","ResponseURL":"https://x/y","StackId":"s"}"""u8.ToArray()), TestContext.Current.CancellationToken);

        Assert.Equal(deadline, resources.Deadline);
    }

    private sealed class DeadlineRecorder : IRouteHandler
    {
        public int Calls { get; private set; }

        public DateTimeOffset? Deadline { get; private set; }

        public Task<ReadOnlyMemory<byte>> HandleAsync(RoutedEvent routed, CancellationToken cancellationToken)
        {
            Calls++;
            Deadline = routed.DeadlineUtc;
            return Task.FromResult<ReadOnlyMemory<byte>>("{}"u8.ToArray());
        }
    }
}
