using System.Diagnostics.CodeAnalysis;
using System.Collections.Concurrent;
using Guard.Aws;
using Guard.Aws.Accounts;
using Guard.Aws.Ecr;
using Guard.Aws.Events;
using Guard.Aws.Functions;
using Guard.Aws.Http;
using Guard.Aws.Lambda;
using Guard.Aws.Notifications;
using Guard.Aws.SecurityHub;
using Guard.Aws.Store;
using Guard.Function.Alerts;
using Guard.Function.CloudFormation;
using Guard.Function.Logging;
using Guard.Function.Rollback;

namespace Guard.Function;

/// <summary>
/// What the Guard Lambda talks to outside itself — Lambda, S3 (the store, packages), SNS, Slack, CloudFormation's
/// response URLs — each made on first use, so the process reaches its first <c>/next</c> before any credential or
/// HTTP handler is resolved, and a failed build (no credentials yet) is retried on the next use. Production builds it
/// with <see cref="FromProcess"/>; tests build it from fakes and exercise the same graph through
/// <see cref="GuardComposition"/>.
/// </summary>
public sealed class GuardServices
{
    private readonly Lazy<ILambdaApi> _lambda;
    private readonly Lazy<IPackageOpener> _packages;
    private readonly Lazy<IS3PackageOpener> _s3Packages;
    private readonly Lazy<IGuardStore>? _store;
    private readonly Lazy<ICodeStore>? _codes;
    private readonly Lazy<ISnsPublisher>? _sns;
    private readonly Lazy<ISlackPoster>? _slack;
    private readonly Lazy<ResponseUrlClient> _responses;
    private readonly Lazy<string> _region;
    private readonly Func<string, string, ILambdaApi>? _memberLambda;
    private readonly string? _ownAccount;
    private readonly ConcurrentDictionary<(string Account, string Region), Lazy<ILambdaApi>> _members = new();
    private readonly AccountAliases? _aliases;
    private readonly Func<string, string, ISecurityHubApi>? _securityHub;
    private readonly ConcurrentDictionary<(string Account, string Region), Lazy<ISecurityHubApi>> _hubs = new();
    private readonly Lazy<IEventPublisher>? _events;
    private readonly Func<string?, string, IEcrApi>? _ecr;
    private readonly ConcurrentDictionary<(string? Account, string Region), Lazy<IEcrApi>> _ecrClients = new();
    private readonly Lazy<HookPayloadClient> _hookPayloads;

    /// <param name="store">Null without <c>GUARD_STORE_BUCKET</c>; so is <paramref name="codes"/>.</param>
    /// <param name="sns">Null without <c>GUARD_TOPIC_ARN</c>.</param>
    /// <param name="slack">Null without <c>GUARD_SLACK_WEBHOOK_PARAMETER</c>.</param>
    /// <param name="memberLambda">Organization mode: a Lambda client for (account, region) under that account's member role; null otherwise.</param>
    /// <param name="ownAccount">Guard's own account, whose deploys use <paramref name="lambda"/>.</param>
    /// <param name="aliases">Organization mode: member accounts' aliases for alerts.</param>
    /// <param name="securityHub">Null without <c>GUARD_SECURITY_HUB=true</c>: the Security Hub of (account, region), under the member role for a member account.</param>
    /// <param name="events">Null without <c>GUARD_EVENT_BUS</c>.</param>
    /// <param name="ecr">ECR in (account, region) — null for Guard's own account — under the member role for a member account; null leaves image functions not checked.</param>
    /// <param name="hookPayloads">What fetches a change set hook's payload; by default the production client.</param>
    public GuardServices(
        Func<ILambdaApi> lambda,
        Func<IPackageOpener> packages,
        Func<IS3PackageOpener> s3Packages,
        Func<IGuardStore>? store,
        Func<ICodeStore>? codes,
        Func<ISnsPublisher>? sns,
        Func<ISlackPoster>? slack,
        Func<ResponseUrlClient> responses,
        Func<string> region,
        Func<string, string, ILambdaApi>? memberLambda = null,
        string? ownAccount = null,
        AccountAliases? aliases = null,
        Func<string, string, ISecurityHubApi>? securityHub = null,
        Func<IEventPublisher>? events = null,
        Func<string?, string, IEcrApi>? ecr = null,
        Func<HookPayloadClient>? hookPayloads = null)
    {
        ArgumentNullException.ThrowIfNull(lambda);
        ArgumentNullException.ThrowIfNull(packages);
        ArgumentNullException.ThrowIfNull(s3Packages);
        ArgumentNullException.ThrowIfNull(responses);
        ArgumentNullException.ThrowIfNull(region);
        _lambda = Once(lambda);
        _packages = Once(packages);
        _s3Packages = Once(s3Packages);
        _store = store is null ? null : Once(store);
        _codes = codes is null ? null : Once(codes);
        _sns = sns is null ? null : Once(sns);
        _slack = slack is null ? null : Once(slack);
        _responses = Once(responses);
        _region = Once(region);
        _memberLambda = memberLambda;
        _ownAccount = ownAccount;
        _aliases = aliases;
        _securityHub = securityHub;
        _events = events is null ? null : Once(events);
        _ecr = ecr;
        _hookPayloads = Once(hookPayloads ?? (() => new HookPayloadClient(HookPayloadClient.CreateDefaultHttpClient)));
    }

    public ILambdaApi Lambda => _lambda.Value;

    /// <summary>True when deploys from other accounts are checked there (Organization mode).</summary>
    public bool SpansAccounts => _memberLambda is not null;

    /// <summary>
    /// The Lambda client for a deploy in <paramref name="account"/> and <paramref name="region"/>: Guard's own for its
    /// own account (or outside Organization mode), else one per account and region under the member role, made once.
    /// </summary>
    public ILambdaApi LambdaIn(string? account, string? region)
    {
        if (_memberLambda is null || account is null || string.Equals(account, _ownAccount, StringComparison.Ordinal) && (region is null || region == Region))
        {
            return Lambda;
        }

        var key = (account, region ?? Region);
        return _members.GetOrAdd(key, k => new Lazy<ILambdaApi>(() => _memberLambda(k.Account, k.Region), LazyThreadSafetyMode.ExecutionAndPublication)).Value;
    }

    /// <summary>How alerts learn a member account's alias; null for Guard's own account and outside Organization mode.</summary>
    public Func<CancellationToken, Task<string?>>? AliasLookupIn(string? account) =>
        _aliases is { } aliases && account is not null && !string.Equals(account, _ownAccount, StringComparison.Ordinal)
            ? cancellationToken => aliases.AliasOfAsync(account, cancellationToken)
            : null;

    /// <summary>
    /// Reads the container images of functions in <paramref name="account"/> (Guard's own when null or outside
    /// Organization mode) as that account, where Lambda pulls them: one ECR client per account and region, made on first
    /// use; blobs through <see cref="Packages"/>. Null when no ECR client is configured.
    /// </summary>
    public IEcrImages? ImagesIn(string? account)
    {
        if (_ecr is null)
        {
            return null;
        }

        var owner = _memberLambda is null || account is null || string.Equals(account, _ownAccount, StringComparison.Ordinal) ? null : account;
        return new EcrImages(
            region => _ecrClients.GetOrAdd((owner, region), k => new Lazy<IEcrApi>(() => _ecr(k.Account, k.Region), LazyThreadSafetyMode.ExecutionAndPublication)).Value,
            Packages);
    }

    /// <summary>Presigned package URLs: a function's <c>Code.Location</c>, a layer's <c>Content.Location</c>.</summary>
    public IPackageOpener Packages => _packages.Value;

    /// <summary>Packages in S3 that CloudFormation is about to deploy.</summary>
    public IS3PackageOpener S3Packages => _s3Packages.Value;

    public IGuardStore? Store => _store?.Value;

    public ICodeStore? Codes => _codes?.Value;

    public ISnsPublisher? Sns => _sns?.Value;

    public ISlackPoster? Slack => _slack?.Value;

    public ResponseUrlClient Responses => _responses.Value;

    /// <summary>Change set hook payloads, behind S3 presigned URLs.</summary>
    public HookPayloadClient HookPayloads => _hookPayloads.Value;

    /// <summary>The Security Hub of (account, region), each made once on first use; null when the channel is off.</summary>
    public Func<string, string, ISecurityHubApi>? SecurityHubIn => _securityHub is null
        ? null
        : (account, region) => _hubs.GetOrAdd((account, region), k => new Lazy<ISecurityHubApi>(() => _securityHub(k.Account, k.Region), LazyThreadSafetyMode.ExecutionAndPublication)).Value;

    public IEventPublisher? Events => _events?.Value;

    /// <summary>Guard's own region: the one the scheduled sweeps look at.</summary>
    public string Region => _region.Value;

    /// <summary>
    /// The process's environment and the credentials Lambda puts in it (the function's role), one client of each kind for
    /// every handler. Not AWSSDK.Core's chain: profiles, SSO and instance metadata are not where a Lambda finds credentials,
    /// and their code grew every cold start.
    /// </summary>
    public static GuardServices FromProcess(GuardOptions options, GuardLog log)
    {
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(log);
        var environment = Once(AwsEnvironment.FromProcess);
        var credentials = Once<IAwsCredentialsProvider>(() => AwsCredentials.FromEnvironment(Environment.GetEnvironmentVariable));
        var s3 = Once(() => PackageSourceFactory.CreateS3Client(environment.Value, credentials.Value));
        var bucket = options.StoreBucket;
        var members = Once(() => new MemberAccounts(
            options.OwnAccount!,
            () => credentials.Value,
            MemberAccounts.RegionalRoleName(options.MemberRole!, MemberAccounts.RegionPlaceholder),
            options.OwnFunctionName ?? "guard",
            () => MemberAccounts.CreateSts(environment.Value, credentials.Value)) { Partition = options.Partition });
        return new GuardServices(
            () => LambdaClient.Create(environment.Value, credentials.Value),
            // Range reads of presigned URLs: each request is small, so 30 s is a stall, not a slow package.
            () => new HttpPackageOpener(new HttpClient(SignedHttpClientFactory.CreateTransport()) { Timeout = TimeSpan.FromSeconds(30) }, options.CodeLocationRewrite),
            () => new S3PackageOpener(() => s3.Value),
            bucket is null ? null : () => new S3GuardStore(s3.Value, bucket),
            bucket is null ? null : () => new S3CodeStore(
                s3.Value,
                bucket,
                // The code copy streams a whole package: a longer timeout than the range reads'.
                new HttpClient(SignedHttpClientFactory.CreateTransport()) { Timeout = TimeSpan.FromMinutes(3) },
                options.CodeLocationRewrite,
                log),
            options.TopicArn is null ? null : () => SnsClient.Create(environment.Value, credentials.Value),
            options.SlackWebhookParameter is not { } parameter ? null : () =>
            {
                var source = SlackWebhookUrlSource.Create(environment.Value, credentials.Value, parameter);
                return new SlackWebhookPoster(new HttpClient { Timeout = TimeSpan.FromSeconds(10) }, source.GetAsync, log);
            },
            () => new ResponseUrlClient(ResponseUrlClient.CreateDefaultHttpClient),
            () => environment.Value.Region,
            options.MemberRole is null ? null : MemberLambda(members),
            options.OwnAccount,
            options.MemberRole is null ? null : new AccountAliases(account => AccountAliasClient.Create(environment.Value, members.Value.For(account, environment.Value.Region))),
            options.SecurityHub ? SecurityHub(options, environment, credentials, members) : null,
            options.EventBus is null ? null : () => EventBridgeClient.Create(environment.Value, credentials.Value),
            (account, region) => EcrClient.Create(
                region == environment.Value.Region ? environment.Value : new AwsEnvironment(name => name == "AWS_REGION" ? region : Environment.GetEnvironmentVariable(name)),
                account is null ? credentials.Value : members.Value.For(account, region)));
    }

    /// <summary>
    /// Security Hub takes a custom integration's finding only from the account it is about: Guard's own credentials for
    /// its own account, the member role for a member account (Organization mode), each in the function's Region.
    /// </summary>
    private static Func<string, string, ISecurityHubApi> SecurityHub(
        GuardOptions options, Lazy<AwsEnvironment> environment, Lazy<IAwsCredentialsProvider> credentials, Lazy<MemberAccounts> members) =>
        (account, region) =>
        {
            var regional = new AwsEnvironment(name => name == "AWS_REGION" ? region : Environment.GetEnvironmentVariable(name));
            var own = options.MemberRole is null || string.Equals(account, options.OwnAccount, StringComparison.Ordinal);
            return SecurityHubClient.Create(region == environment.Value.Region ? environment.Value : regional, own ? credentials.Value : members.Value.For(account, region));
        };

    /// <summary>Organization mode: each member account's Lambda, in the event's region, under its assumed role.</summary>
    private static Func<string, string, ILambdaApi> MemberLambda(Lazy<MemberAccounts> members) =>
        (account, region) => LambdaClient.Create(
            new AwsEnvironment(name => name == "AWS_REGION" ? region : Environment.GetEnvironmentVariable(name)),
            members.Value.For(account, region));

    // PublicationOnly: a failed creation (no region, no credentials yet) is retried on the next use, not cached.
    private static Lazy<T> Once<[DynamicallyAccessedMembers(DynamicallyAccessedMemberTypes.PublicParameterlessConstructor)] T>(Func<T> create) =>
        new(create, LazyThreadSafetyMode.PublicationOnly);
}
