namespace Guard.Aws.Http;

/// <summary>
/// Where the signer gets credentials: asked once per signature (<see cref="SigV4SigningHandler"/>), so a provider can
/// renew them as they near expiry. <see cref="AwsCredentials"/> is the fixed one; <see cref="RefreshingCredentials"/>
/// the base of those that expire (an assumed role's). The CLI adapts AWSSDK.Core's chain (profiles, SSO, IMDS) to it;
/// the Lambda needs none of that and takes <see cref="AwsCredentials.FromEnvironment"/>.
/// </summary>
public interface IAwsCredentialsProvider
{
    /// <exception cref="CredentialsUnavailableException">No credentials could be had.</exception>
    ValueTask<AwsCredentials> GetCredentialsAsync(CancellationToken cancellationToken);
}

/// <summary>
/// One set of AWS credentials: an access key, its secret and, for temporary credentials, the session token and when
/// they expire. Its own provider, for credentials that never change. <see cref="ToString"/> never shows the secret
/// or the token, so a logged object leaks nothing.
/// </summary>
public sealed class AwsCredentials : IAwsCredentialsProvider
{
    public AwsCredentials(string accessKeyId, string secretAccessKey, string? sessionToken = null, DateTimeOffset? expiration = null)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(accessKeyId);
        ArgumentException.ThrowIfNullOrEmpty(secretAccessKey);
        AccessKeyId = accessKeyId;
        SecretAccessKey = secretAccessKey;
        SessionToken = string.IsNullOrEmpty(sessionToken) ? null : sessionToken;
        Expiration = expiration;
    }

    public string AccessKeyId { get; }

    public string SecretAccessKey { get; }

    public string? SessionToken { get; }

    /// <summary>When temporary credentials stop working; null for credentials that do not expire (or whose source renews them).</summary>
    public DateTimeOffset? Expiration { get; }

    /// <summary>
    /// The variables Lambda sets from the function's role: <c>AWS_ACCESS_KEY_ID</c>, <c>AWS_SECRET_ACCESS_KEY</c> and
    /// <c>AWS_SESSION_TOKEN</c>. They stay valid for the execution environment's life, so they are read once.
    /// </summary>
    /// <param name="variable">The process environment in production; tests pass a dictionary.</param>
    /// <exception cref="CredentialsUnavailableException">The key or its secret is missing.</exception>
    public static AwsCredentials FromEnvironment(Func<string, string?> variable)
    {
        ArgumentNullException.ThrowIfNull(variable);
        var keyId = variable("AWS_ACCESS_KEY_ID")?.Trim();
        var secret = variable("AWS_SECRET_ACCESS_KEY")?.Trim();
        if (string.IsNullOrEmpty(keyId) || string.IsNullOrEmpty(secret))
        {
            throw CredentialsUnavailableException.FromEnvironment(variable);
        }

        return new AwsCredentials(keyId, secret, variable("AWS_SESSION_TOKEN")?.Trim());
    }

    public ValueTask<AwsCredentials> GetCredentialsAsync(CancellationToken cancellationToken) => ValueTask.FromResult(this);

    public override string ToString() => $"AWS credentials {AccessKeyId}{(SessionToken is null ? "" : " (session)")}";
}

/// <summary>
/// Credentials that expire, renewed <see cref="RefreshBefore"/> they do: one renewal at a time, which every caller
/// then waiting shares; a failed renewal is not remembered, so the next signature tries again.
/// </summary>
public abstract class RefreshingCredentials : IAwsCredentialsProvider
{
    private readonly object _gate = new();
    private readonly TimeProvider _time;
    private AwsCredentials? _current;
    private Task<AwsCredentials>? _renewal;

    /// <param name="refreshBefore">How long before their expiry credentials are renewed: a signature made with them must still reach AWS in time.</param>
    protected RefreshingCredentials(TimeSpan refreshBefore, TimeProvider? timeProvider = null)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(refreshBefore, TimeSpan.Zero);
        RefreshBefore = refreshBefore;
        _time = timeProvider ?? TimeProvider.System;
    }

    public TimeSpan RefreshBefore { get; }

    public async ValueTask<AwsCredentials> GetCredentialsAsync(CancellationToken cancellationToken)
    {
        if (Usable(Volatile.Read(ref _current)) is { } current)
        {
            return current;
        }

        Task<AwsCredentials> renewal;
        lock (_gate)
        {
            if (Usable(_current) is { } renewedMeanwhile)
            {
                return renewedMeanwhile;
            }

            renewal = _renewal ??= RenewAndKeepAsync();
        }

        // A caller that gives up stops waiting; the renewal the others share goes on.
        return await renewal.WaitAsync(cancellationToken).ConfigureAwait(false);
    }

    /// <summary>New credentials; their <see cref="AwsCredentials.Expiration"/> says when to call again (null: never).</summary>
    protected abstract Task<AwsCredentials> RenewAsync();

    private async Task<AwsCredentials> RenewAndKeepAsync()
    {
        // Off the caller's lock first, so the finally below never runs before the task is stored in _renewal.
        await Task.Yield();
        try
        {
            var renewed = await RenewAsync().ConfigureAwait(false);
            Volatile.Write(ref _current, renewed);
            return renewed;
        }
        finally
        {
            lock (_gate)
            {
                _renewal = null;
            }
        }
    }

    private AwsCredentials? Usable(AwsCredentials? credentials) =>
        credentials is { Expiration: null } || credentials?.Expiration - RefreshBefore > _time.GetUtcNow() ? credentials : null;
}
