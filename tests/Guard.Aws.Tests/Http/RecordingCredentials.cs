using Amazon.Runtime;

namespace Guard.Aws.Tests.Http;

/// <summary>Fixed session credentials that count how often the signer asks for them (once per signature).</summary>
internal sealed class RecordingCredentials(string accessKey = "AKIDEXAMPLE", string secretKey = "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY", string? sessionToken = "session-token-example")
    : AWSCredentials
{
    private int _resolutions;

    public int Resolutions => Volatile.Read(ref _resolutions);

    public override ImmutableCredentials GetCredentials()
    {
        Interlocked.Increment(ref _resolutions);
        return new ImmutableCredentials(accessKey, secretKey, sessionToken);
    }

    public override Task<ImmutableCredentials> GetCredentialsAsync() => Task.FromResult(GetCredentials());
}
