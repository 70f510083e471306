namespace Guard.Inspection.Rules;

/// <summary>One thing Guard found, with the exact fix when there is one.</summary>
/// <param name="Code">A stable code from <see cref="FindingCodes"/>.</param>
/// <param name="Message">What is wrong, in a sentence a person understands.</param>
/// <param name="Hint">How to fix it: the command, the setting.</param>
public sealed record Finding(string Code, Severity Severity, string Message, string? Hint = null);
