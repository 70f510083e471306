using System.Runtime.InteropServices;
using Guard.Function.RuntimeApi;
using Guard.Function.Tests.Support;

namespace Guard.Function.Tests.RuntimeApi;

/// <summary><see cref="RuntimeApiClient.NextAsync"/> against <see cref="RuntimeApiStandIn"/>, with events up to Lambda's 6 MB.</summary>
public sealed class RuntimeApiClientTests
{
    private const int SixMegabytes = BigEvents.SixMegabytes;

    [Fact]
    public async Task NextAsync_SixMegabytePayload_ReadByteExact()
    {
        await using var api = RuntimeApiStandIn.Start();
        using var client = RuntimeApiClient.Create(api.HostAndPort);
        var sent = Bytes(SixMegabytes, seed: 1);
        var requestId = api.Enqueue(sent);

        var invocation = await client.NextAsync(TestContext.Current.CancellationToken);

        Assert.Equal(requestId, invocation.RequestId);
        Assert.Equal(sent.Length, invocation.Payload.Length);
        Assert.True(invocation.Payload.Span.SequenceEqual(sent), "the payload differs from what was sent");
    }

    [Theory]
    [InlineData(0)]
    [InlineData(300)]
    [InlineData(SixMegabytes)]
    public async Task NextAsync_BodyWithoutContentLength_ReadWhole(int size)
    {
        await using var api = RuntimeApiStandIn.Start();
        using var client = RuntimeApiClient.Create(api.HostAndPort);
        var sent = Bytes(size, seed: 2);
        api.Enqueue(sent, chunked: true);

        var invocation = await client.NextAsync(TestContext.Current.CancellationToken);

        Assert.Equal(sent.Length, invocation.Payload.Length);
        Assert.True(invocation.Payload.Span.SequenceEqual(sent), "the payload differs from what was sent");
    }

    [Fact]
    public async Task NextAsync_EventsOfDifferentSizes_EachSeesItsOwnPayload()
    {
        await using var api = RuntimeApiStandIn.Start();
        using var client = RuntimeApiClient.Create(api.HostAndPort);
        byte[][] sent = [Bytes(SixMegabytes, seed: 3), Bytes(200, seed: 4), Bytes(3 * 1024 * 1024, seed: 5), Bytes(SixMegabytes - 1, seed: 6)];
        foreach (var payload in sent)
        {
            api.Enqueue(payload, chunked: payload.Length == 200);
        }

        foreach (var payload in sent)
        {
            var invocation = await client.NextAsync(TestContext.Current.CancellationToken);

            Assert.Equal(payload.Length, invocation.Payload.Length);
            Assert.True(invocation.Payload.Span.SequenceEqual(payload), $"the {payload.Length}-byte payload differs from what was sent");
        }
    }

    [Fact]
    public async Task NextAsync_EventNoLargerThanOneBefore_ReusesItsBuffer()
    {
        await using var api = RuntimeApiStandIn.Start();
        using var client = RuntimeApiClient.Create(api.HostAndPort);
        api.Enqueue(Bytes(SixMegabytes, seed: 7));
        api.Enqueue(Bytes(SixMegabytes, seed: 8));
        api.Enqueue(Bytes(1000, seed: 9));

        var first = Array(await client.NextAsync(TestContext.Current.CancellationToken));
        var second = Array(await client.NextAsync(TestContext.Current.CancellationToken));
        var third = Array(await client.NextAsync(TestContext.Current.CancellationToken));

        Assert.Same(first, second);
        Assert.Same(first, third);
    }

    internal static byte[] Bytes(int size, int seed)
    {
        var bytes = new byte[size];
        new Random(seed).NextBytes(bytes);
        return bytes;
    }

    private static byte[] Array(Invocation invocation) =>
        MemoryMarshal.TryGetArray(invocation.Payload, out var segment) ? segment.Array! : throw new InvalidOperationException("the payload is not backed by an array");
}

/// <summary>
/// Tests that count bytes allocated by the whole process (the client's reads finish on pool threads), so they
/// run after the parallel tests, alone.
/// </summary>
[CollectionDefinition(nameof(AllocationCounting), DisableParallelization = true)]
public sealed class AllocationCounting;

[Collection(nameof(AllocationCounting))]
public sealed class RuntimeApiClientAllocationTests
{
    [Fact]
    public async Task NextAsync_SixMegabyteEventAfterAnother_AllocatesUnderAMegabyte()
    {
        await using var api = RuntimeApiStandIn.Start();
        using var client = RuntimeApiClient.Create(api.HostAndPort);
        api.Enqueue(RuntimeApiClientTests.Bytes(BigEvents.SixMegabytes, seed: 10));
        api.Enqueue(RuntimeApiClientTests.Bytes(BigEvents.SixMegabytes, seed: 11));
        await client.NextAsync(TestContext.Current.CancellationToken);

        var before = GC.GetTotalAllocatedBytes(precise: true);
        var invocation = await client.NextAsync(TestContext.Current.CancellationToken);
        var allocated = GC.GetTotalAllocatedBytes(precise: true) - before;

        Assert.Equal(BigEvents.SixMegabytes, invocation.Payload.Length);
        // Buffering in HttpClient then copying out allocated at least twice the payload (12 MB) per event.
        Assert.True(allocated < 1024 * 1024, $"reading a 6 MB event allocated {allocated:N0} bytes");
    }
}
