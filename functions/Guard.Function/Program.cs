using Guard.Aws;
using Guard.Aws.Http;
using Guard.Aws.Lambda;
using Guard.Aws.Notifications;
using Guard.Aws.Scanning;
using Guard.Function;
using Guard.Function.Alerts;
using Guard.Function.CloudFormation;
using Guard.Function.Deploys;
using Guard.Function.Logging;
using Guard.Function.Rollback;
using Guard.Function.Routing;
using Guard.Function.RuntimeApi;
using Guard.Function.Scheduled;
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
try
{
    var started = await InvocationLoop.RunAsync(runtimeApi, () => Compose(GuardOptions.FromEnvironment(Environment.GetEnvironmentVariable), log, time), log, time, CancellationToken.None);
    return started ? 0 : 1;
}
catch (HttpRequestException e)
{
    // Nothing can be reported without the Runtime API: say so in one log line and exit (Lambda starts a new sandbox).
    log.Error($"the Runtime API at {runtimeApiAddress} is unreachable; exiting", exception: e);
    return 1;
}

static EventRouter Compose(GuardOptions options, GuardLog log, TimeProvider time)
{
    if (options.CodeLocationRewrite is { } rewrite)
    {
        log.Warn($"GUARD_CODE_LOCATION_REWRITE is set: code locations starting with {rewrite.FromPrefix} are read from {rewrite.ToPrefix} (local emulators only)");
    }

    var deploys = new DeferredRouteHandler(() => ComposeDeployCheck(options, log, time));
    // CloudFormation's two edges share one package check, built (like the deploy check) on first use.
    var packageChecks = new Lazy<PackageCheck>(() => ComposePackageCheck(options, time), LazyThreadSafetyMode.PublicationOnly);
    // Every handler is built on its first event: the runtime catalog's JSON, HTTP clients and the like would
    // otherwise be paid for before the first /next, which is where cold start is measured.
    var customResources = new DeferredRouteHandler(() =>
        new CustomResourceHandler(() => packageChecks.Value, new ResponseUrlClient(ResponseUrlClient.CreateDefaultHttpClient), RuntimeCatalog.Default, log, time));
    var hooks = new DeferredRouteHandler(() => new HookHandler(() => packageChecks.Value, RuntimeCatalog.Default, log, time));
    var scheduled = new ScheduledHandler(
        () => ComposeScheduled(options, log, time, ScheduledTasks.PlaceholderSweep),
        () => ComposeScheduled(options, log, time, ScheduledTasks.FullScan),
        log);
    return new EventRouter(deploys, customResources, hooks, scheduled, log);
}

static IScheduledTask ComposeScheduled(GuardOptions options, GuardLog log, TimeProvider time, string task)
{
    if (options.StoreBucket is not { } bucket)
    {
        return new UnavailableTask(task, "GUARD_STORE_BUCKET is unset, so there are no pending records and nowhere to note what was alerted", log);
    }

    var environment = AwsEnvironment.FromProcess();
    var credentials = SignedHttpClientFactory.DefaultCredentials();
    var lambda = LambdaClient.Create(environment, credentials);
    var store = new S3DeployStore(PackageSourceFactory.CreateS3Client(environment, credentials), bucket);
    ISlackPoster? slack = null;
    if (options.SlackWebhookParameter is { } parameter)
    {
        var source = SlackWebhookUrlSource.Create(environment, credentials, parameter);
        slack = new SlackWebhookPoster(new HttpClient { Timeout = TimeSpan.FromSeconds(10) }, source.GetAsync, log);
    }

    var alerts = new SweepAlertSender(options.TopicArn is null ? null : SnsClient.Create(environment, credentials), options.TopicArn, slack, log);
    if (task == ScheduledTasks.PlaceholderSweep)
    {
        return new PlaceholderSweep(lambda, store, alerts, options, environment.Region, log, time);
    }

    var packages = new HttpPackageOpener(new HttpClient(SignedHttpClientFactory.CreateTransport()) { Timeout = TimeSpan.FromSeconds(30) }, options.CodeLocationRewrite);
    var scanner = new FunctionScanner(
        lambda,
        packages.Open,
        new FunctionScannerOptions { PlaceholderSha256 = options.PlaceholderSha256 },
        new PackageInspector(RuntimeCatalog.Default, PlaceholderCatalog.Default, time),
        RuntimeCatalog.Default,
        time);
    return new FullScan(scanner, lambda, store, alerts, options, environment.Region, log, time);
}

static PackageCheck ComposePackageCheck(GuardOptions options, TimeProvider time)
{
    var environment = AwsEnvironment.FromProcess();
    var credentials = SignedHttpClientFactory.DefaultCredentials();
    return new PackageCheck(
        LambdaClient.Create(environment, credentials),
        new HttpPackageOpener(new HttpClient(SignedHttpClientFactory.CreateTransport()) { Timeout = TimeSpan.FromSeconds(20) }, options.CodeLocationRewrite),
        new S3PackageOpener(() => PackageSourceFactory.CreateS3Client(environment, credentials)),
        new PackageInspector(RuntimeCatalog.Default, PlaceholderCatalog.Default, time),
        RuntimeCatalog.Default,
        options.PlaceholderSha256);
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

    var (codes, rollback) = RollbackComposition.Create(options, lambda, packages, store, environment, credentials, log, time);
    return new DeployCheck(
        lambda,
        packages,
        new PackageInspector(RuntimeCatalog.Default, PlaceholderCatalog.Default, time),
        RuntimeCatalog.Default,
        store,
        new AlertSender(sns, options.TopicArn, slack, log),
        options,
        log,
        time,
        codes,
        rollback);
}
