using Guard.Aws;
using Guard.Aws.Http;
using Guard.Aws.Lambda;
using Guard.Aws.Notifications;
using Guard.Function;
using Guard.Function.Alerts;
using Guard.Function.Deploys;
using Guard.Function.Logging;
using Guard.Function.Routing;
using Guard.Function.RuntimeApi;
using Guard.Inspection;
using Guard.Inspection.Rules;

// The one composition root. Nothing here touches AWS: clients are built on the first deploy event, so the
// process reaches its first /next (where cold start is measured) after reading a few environment variables.
var time = TimeProvider.System;
var log = new GuardLog(() => Console.Out, time);
var runtimeApiAddress = Environment.GetEnvironmentVariable(RuntimeApiClient.EnvironmentVariable);
if (string.IsNullOrEmpty(runtimeApiAddress))
{
    log.Error($"{RuntimeApiClient.EnvironmentVariable} is not set: this executable runs inside AWS Lambda (or under a Runtime API emulator)");
    return 2;
}

using var runtimeApi = RuntimeApiClient.Create(runtimeApiAddress);
// No signal handlers: Lambda freezes and kills the sandbox, and registering them costs start-up time.
var started = await InvocationLoop.RunAsync(runtimeApi, () => Compose(GuardOptions.FromEnvironment(Environment.GetEnvironmentVariable), log, time), log, time, CancellationToken.None);
return started ? 0 : 1;

static EventRouter Compose(GuardOptions options, GuardLog log, TimeProvider time)
{
    if (options.CodeLocationRewrite is { } rewrite)
    {
        log.Warn($"GUARD_CODE_LOCATION_REWRITE is set: code locations starting with {rewrite.FromPrefix} are read from {rewrite.ToPrefix} (local emulators only)");
    }

    var notHandled = new NotHandledYet(log);
    var deploys = new DeferredRouteHandler(() => ComposeDeployCheck(options, log, time));
    return new EventRouter(deploys, customResources: notHandled, hooks: notHandled, scheduled: notHandled, log);
}

static DeployCheck ComposeDeployCheck(GuardOptions options, GuardLog log, TimeProvider time)
{
    var environment = AwsEnvironment.FromProcess();
    var credentials = SignedHttpClientFactory.DefaultCredentials();
    var lambda = LambdaClient.Create(environment, credentials);
    var packages = new HttpPackageOpener(
        new HttpClient(SignedHttpClientFactory.CreateTransport()) { Timeout = TimeSpan.FromSeconds(30) },
        options.CodeLocationRewrite);
    var store = options.StoreBucket is { } bucket
        ? new S3DeployStore(PackageSourceFactory.CreateS3Client(environment, credentials), bucket)
        : null;
    var sns = options.TopicArn is null ? null : SnsClient.Create(environment, credentials);
    ISlackPoster? slack = null;
    if (options.SlackWebhookParameter is { } parameter)
    {
        var source = SlackWebhookUrlSource.Create(environment, credentials, parameter);
        slack = new SlackWebhookPoster(new HttpClient { Timeout = TimeSpan.FromSeconds(10) }, source.GetAsync, log);
    }

    return new DeployCheck(
        lambda,
        packages,
        new PackageInspector(RuntimeCatalog.Default, PlaceholderCatalog.Default, time),
        RuntimeCatalog.Default,
        store,
        new AlertSender(sns, options.TopicArn, slack, log),
        options,
        log,
        time);
}
