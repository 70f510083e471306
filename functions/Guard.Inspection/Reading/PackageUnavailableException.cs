namespace Guard.Inspection.Reading;

/// <summary>
/// The package could not be fetched at all (missing file, denied access, network): not a verdict on the
/// package, so it never becomes a finding. The message is one line a person can act on, with no secrets.
/// </summary>
public sealed class PackageUnavailableException : Exception
{
    public PackageUnavailableException(string message) : base(message) { }
    public PackageUnavailableException(string message, Exception innerException) : base(message, innerException) { }

    /// <summary>True when retrying later may succeed (throttling, 5xx, timeouts); false for missing or denied.</summary>
    public bool IsTransient { get; init; }
}
