using Amazon.Runtime;

namespace Guard.Aws.Http;

/// <summary>
/// No AWS credentials anywhere in the default chain: a usage error (exit 2), not a broken function. The message is
/// one line that says what was found wrong and what to do, in place of the SDK's dump of every provider it tried.
/// </summary>
public sealed class CredentialsUnavailableException : Exception
{
    public CredentialsUnavailableException(string message, Exception? innerException)
        : base(message, innerException)
    {
    }

    /// <summary>Reads the variables the SDK's chain reads first, to say which of them is the likely cause.</summary>
    /// <param name="variable">The process environment in production; tests pass a dictionary.</param>
    public static CredentialsUnavailableException From(AmazonClientException cause, Func<string, string?> variable)
    {
        ArgumentNullException.ThrowIfNull(cause);
        ArgumentNullException.ThrowIfNull(variable);
        const string Fix = "set AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY, or AWS_PROFILE, or run where a role provides credentials";
        var keyId = variable("AWS_ACCESS_KEY_ID");
        var secret = variable("AWS_SECRET_ACCESS_KEY");
        var profile = variable("AWS_PROFILE");
        var found = (keyId, secret, profile) switch
        {
            ({ } id, _, _) when string.IsNullOrWhiteSpace(id) => "AWS_ACCESS_KEY_ID is set but empty",
            ({ }, null or "", _) => "AWS_ACCESS_KEY_ID is set without AWS_SECRET_ACCESS_KEY",
            (null or "", { Length: > 0 }, _) => "AWS_SECRET_ACCESS_KEY is set without AWS_ACCESS_KEY_ID",
            (_, _, { Length: > 0 } name) => $"the profile '{name}' (AWS_PROFILE) is not in ~/.aws/config or ~/.aws/credentials",
            _ => "none in the environment, ~/.aws or the container or instance metadata",
        };
        return new CredentialsUnavailableException($"no AWS credentials: {found}; {Fix}", cause);
    }
}
