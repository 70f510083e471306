namespace Guard.Inspection.Reading;

/// <summary>
/// A function's code that is named but never read: a managed runtime's, judged by its layers alone
/// (<see cref="InspectionRequest.LayersOnly"/>), or inline template code that is no zip yet. A read is a bug.
/// </summary>
public sealed class UnreadPackage(string displayName) : IRangeSource
{
    public string DisplayName => displayName;

    public ValueTask<TailRead> ReadTailAsync(Memory<byte> destination, CancellationToken cancellationToken) =>
        throw new InvalidOperationException($"{displayName} is judged by its layers alone: its code is not read");

    public ValueTask<int> ReadAsync(long offset, Memory<byte> destination, CancellationToken cancellationToken) =>
        throw new InvalidOperationException($"{displayName} is judged by its layers alone: its code is not read");

    public ValueTask DisposeAsync() => ValueTask.CompletedTask;
}
