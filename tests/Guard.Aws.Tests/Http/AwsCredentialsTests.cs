using Guard.Aws.Http;

namespace Guard.Aws.Tests.Http;

public sealed class AwsCredentialsTests
{
    private static readonly DateTimeOffset Start = new(2026, 12, 6, 12, 0, 0, TimeSpan.Zero);

    [Fact]
    public void FromEnvironment_LambdasVariables_ReadsKeySecretAndToken()
    {
        var credentials = AwsCredentials.FromEnvironment(Variables(("AWS_ACCESS_KEY_ID", "ASIAEXAMPLE"), ("AWS_SECRET_ACCESS_KEY", "secret"), ("AWS_SESSION_TOKEN", "token")));

        Assert.Equal(("ASIAEXAMPLE", "secret", "token"), (credentials.AccessKeyId, credentials.SecretAccessKey, credentials.SessionToken));
    }

    [Theory]
    [InlineData("AKIDEXAMPLE", null, "no AWS credentials in the environment: AWS_ACCESS_KEY_ID is set without AWS_SECRET_ACCESS_KEY")]
    [InlineData(null, "secret", "no AWS credentials in the environment: AWS_SECRET_ACCESS_KEY is set without AWS_ACCESS_KEY_ID")]
    [InlineData(null, null, "no AWS credentials in the environment: AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY are not set")]
    public void FromEnvironment_KeyOrSecretMissing_SaysWhich(string? keyId, string? secret, string message)
    {
        var e = Assert.Throws<CredentialsUnavailableException>(() => AwsCredentials.FromEnvironment(Variables(("AWS_ACCESS_KEY_ID", keyId), ("AWS_SECRET_ACCESS_KEY", secret))));

        Assert.Equal(message, e.Message);
    }

    [Fact]
    public void ToString_SessionCredentials_ShowsNeitherSecretNorToken()
    {
        var text = new AwsCredentials("ASIAEXAMPLE", "very-secret", "very-secret-token").ToString();

        Assert.Contains("ASIAEXAMPLE", text, StringComparison.Ordinal);
        Assert.DoesNotContain("very-secret", text, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Refreshing_BeforeRefreshTime_KeepsTheCredentialsItHas()
    {
        var time = new SteppedTime(Start);
        var source = new CountingRenewals(time, lifetime: TimeSpan.FromHours(1));

        var first = await source.GetCredentialsAsync(TestContext.Current.CancellationToken);
        time.Now = Start.AddMinutes(54);
        var second = await source.GetCredentialsAsync(TestContext.Current.CancellationToken);

        Assert.Same(first, second);
        Assert.Equal(1, source.Renewals);
    }

    [Fact]
    public async Task Refreshing_WithinRefreshBeforeOfExpiry_Renews()
    {
        var time = new SteppedTime(Start);
        var source = new CountingRenewals(time, lifetime: TimeSpan.FromHours(1));

        var first = await source.GetCredentialsAsync(TestContext.Current.CancellationToken);
        time.Now = Start.AddMinutes(56);
        var second = await source.GetCredentialsAsync(TestContext.Current.CancellationToken);

        Assert.NotSame(first, second);
        Assert.Equal(2, source.Renewals);
    }

    [Fact]
    public async Task Refreshing_ManyCallersAtOnce_ShareOneRenewal()
    {
        var source = new CountingRenewals(new SteppedTime(Start), lifetime: TimeSpan.FromHours(1)) { Delay = TimeSpan.FromMilliseconds(100) };

        var all = await Task.WhenAll(Enumerable.Range(0, 8).Select(_ => source.GetCredentialsAsync(TestContext.Current.CancellationToken).AsTask()));

        Assert.Equal(1, source.Renewals);
        Assert.All(all, c => Assert.Same(all[0], c));
    }

    [Fact]
    public async Task Refreshing_RenewalFails_NextCallTriesAgain()
    {
        var source = new CountingRenewals(new SteppedTime(Start), lifetime: TimeSpan.FromHours(1)) { FailFirst = true };

        await Assert.ThrowsAsync<InvalidOperationException>(() => source.GetCredentialsAsync(TestContext.Current.CancellationToken).AsTask());
        var credentials = await source.GetCredentialsAsync(TestContext.Current.CancellationToken);

        Assert.Equal("AKID2", credentials.AccessKeyId);
    }

    private static Func<string, string?> Variables(params (string Name, string? Value)[] variables) =>
        name => variables.FirstOrDefault(v => v.Name == name).Value;

    private sealed class SteppedTime(DateTimeOffset now) : TimeProvider
    {
        public DateTimeOffset Now { get; set; } = now;

        public override DateTimeOffset GetUtcNow() => Now;
    }

    /// <summary>Credentials that last <paramref name="lifetime"/> from the (stepped) time of each renewal, counted.</summary>
    private sealed class CountingRenewals(SteppedTime time, TimeSpan lifetime) : RefreshingCredentials(TimeSpan.FromMinutes(5), time)
    {
        private int _renewals;

        public int Renewals => Volatile.Read(ref _renewals);

        public TimeSpan Delay { get; init; }

        public bool FailFirst { get; init; }

        protected override async Task<AwsCredentials> RenewAsync()
        {
            var count = Interlocked.Increment(ref _renewals);
            await Task.Delay(Delay);
            if (FailFirst && count == 1)
            {
                throw new InvalidOperationException("STS is down");
            }

            return new AwsCredentials($"AKID{count}", "secret", "token", time.Now + lifetime);
        }
    }
}
