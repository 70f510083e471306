using Guard.Testing;

namespace Guard.Inspection.Tests.Reading;

/// <summary>The test kit's HTTP listener: started and disposed at once, as a test class that never sends a request does.</summary>
public sealed class LoopbackHttpListenerTests
{
    [Fact]
    public async Task DisposeAsync_RightAfterStart_AlwaysReturns()
    {
        // Close can race the accept loop's first GetContextAsync and leave it pending: disposal must still end.
        for (var i = 0; i < 300; i++)
        {
            var listener = LoopbackHttpListener.Start(context =>
            {
                context.Response.Close();
                return Task.CompletedTask;
            });
            await listener.DisposeAsync().AsTask().WaitAsync(TimeSpan.FromSeconds(30), TestContext.Current.CancellationToken);
        }
    }
}
