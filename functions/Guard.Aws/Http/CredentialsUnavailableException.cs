namespace Guard.Aws.Http;

/// <summary>
/// No AWS credentials could be found: a usage error (exit 2), not a broken function. The message is one line that
/// says what was found wrong and what to do, in place of a credential chain's dump of every provider it tried.
/// </summary>
public sealed class CredentialsUnavailableException : Exception
{
    public CredentialsUnavailableException(string message, Exception? innerException)
        : base(message, innerException)
    {
    }

    /// <summary>
    /// A full credential chain (the CLI's: environment, profiles, SSO, container, instance) found nothing. Reads the
    /// variables the chain reads first, to say which of them is the likely cause.
    /// </summary>
    /// <param name="cause">The chain's own failure, kept as the inner exception.</param>
    /// <param name="variable">The process environment in production; tests pass a dictionary.</param>
    public static CredentialsUnavailableException From(Exception? cause, Func<string, string?> variable)
    {
        ArgumentNullException.ThrowIfNull(variable);
        const string Fix = "set AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY, or AWS_PROFILE, or run where a role provides credentials";
        var found = EnvironmentProblem(variable) ?? (variable("AWS_PROFILE") is { Length: > 0 } name
            ? $"the profile '{name}' (AWS_PROFILE) is not in ~/.aws/config or ~/.aws/credentials"
            : "none in the environment, ~/.aws or the container or instance metadata");
        return new CredentialsUnavailableException($"no AWS credentials: {found}; {Fix}", cause);
    }

    /// <summary>The environment alone (the Lambda's only source: Lambda sets the variables from the function's role) has none.</summary>
    public static CredentialsUnavailableException FromEnvironment(Func<string, string?> variable)
    {
        ArgumentNullException.ThrowIfNull(variable);
        var found = EnvironmentProblem(variable) ?? "AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY are not set";
        return new CredentialsUnavailableException($"no AWS credentials in the environment: {found}", null);
    }

    private static string? EnvironmentProblem(Func<string, string?> variable) =>
        (variable("AWS_ACCESS_KEY_ID"), variable("AWS_SECRET_ACCESS_KEY")) switch
        {
            ({ } id, _) when string.IsNullOrWhiteSpace(id) => "AWS_ACCESS_KEY_ID is set but empty",
            ({ }, null or "") => "AWS_ACCESS_KEY_ID is set without AWS_SECRET_ACCESS_KEY",
            (null or "", { Length: > 0 }) => "AWS_SECRET_ACCESS_KEY is set without AWS_ACCESS_KEY_ID",
            _ => null,
        };
}
