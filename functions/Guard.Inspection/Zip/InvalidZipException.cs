namespace Guard.Inspection.Zip;

/// <summary>The archive's records are unreadable or contradict each other; becomes a <c>ZIP_INVALID</c> finding.</summary>
public sealed class InvalidZipException(string message) : Exception(message);
