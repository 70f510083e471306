using Guard.Aws.Http;

namespace Guard.Aws.Tests.Http;

/// <summary>Fixed session credentials that count how often the signer asks for them (once per signature).</summary>
internal sealed class RecordingCredentials(string accessKey = "AKIDEXAMPLE", string secretKey = "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY", string? sessionToken = "session-token-example")
    : IAwsCredentialsProvider
{
    private int _resolutions;

    public int Resolutions => Volatile.Read(ref _resolutions);

    public ValueTask<AwsCredentials> GetCredentialsAsync(CancellationToken cancellationToken)
    {
        Interlocked.Increment(ref _resolutions);
        return ValueTask.FromResult(new AwsCredentials(accessKey, secretKey, sessionToken));
    }
}
