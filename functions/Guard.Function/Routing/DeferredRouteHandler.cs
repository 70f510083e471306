namespace Guard.Function.Routing;

/// <summary>
/// Builds a handler on its first event. Keeps AWS clients (credential resolution, HTTP handlers, S3 SDK
/// start-up) out of init, so the process reaches its first <c>/next</c> quickly; a failed build is retried
/// on the next event.
/// </summary>
public sealed class DeferredRouteHandler(Func<IRouteHandler> create) : IRouteHandler
{
    private IRouteHandler? _handler;

    private IRouteHandler Handler => _handler ??= create();

    public Task<ReadOnlyMemory<byte>> HandleAsync(RoutedEvent routed, CancellationToken cancellationToken) =>
        Handler.HandleAsync(routed, cancellationToken);
}
