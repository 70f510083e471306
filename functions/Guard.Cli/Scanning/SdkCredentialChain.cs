using Amazon.Runtime;
using Amazon.Runtime.Credentials;
using Guard.Aws.Http;

namespace Guard.Cli.Scanning;

/// <summary>
/// AWSSDK.Core's default credential chain as the provider Guard's signer asks: environment variables, then profiles
/// (with SSO and <c>credential_process</c>), the container's and the instance's credentials, each renewed by the SDK
/// as it expires. The CLI's alone: a user's machine has all of these, a Lambda only the environment's.
/// </summary>
internal sealed class SdkCredentialChain : IAwsCredentialsProvider
{
    private readonly AWSCredentials _resolved;

    private SdkCredentialChain(AWSCredentials resolved) => _resolved = resolved;

    /// <summary>Finds the chain's first source that has credentials.</summary>
    /// <exception cref="CredentialsUnavailableException">None of them has.</exception>
    public static SdkCredentialChain Resolve()
    {
        try
        {
            return new SdkCredentialChain(DefaultAWSCredentialsIdentityResolver.GetCredentials(null));
        }
        catch (AmazonClientException e)
        {
            throw CredentialsUnavailableException.From(e, Environment.GetEnvironmentVariable);
        }
    }

    public async ValueTask<AwsCredentials> GetCredentialsAsync(CancellationToken cancellationToken)
    {
        ImmutableCredentials current;
        try
        {
            current = await _resolved.GetCredentialsAsync().ConfigureAwait(false);
        }
        catch (AmazonClientException e)
        {
            // The source was found but cannot renew (an SSO session ended, the instance role was removed).
            throw new CredentialsUnavailableException($"AWS credentials could not be renewed: {e.Message.ReplaceLineEndings(" ")}", e);
        }

        return new AwsCredentials(current.AccessKey, current.SecretKey, current.Token);
    }
}
