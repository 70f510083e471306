using Guard.Aws.Functions;
using Guard.Aws.Lambda;
using Guard.Aws.Rollback;
using Guard.Function.Alerts;
using Guard.Function.CloudFormation;
using Guard.Function.Deploys;
using Guard.Function.Logging;
using Guard.Function.Rollback;
using Guard.Function.Routing;
using Guard.Function.Scheduled;
using Guard.Inspection;
using Guard.Inspection.Rules;

namespace Guard.Function;

/// <summary>
/// The one composition root: every handler of the Guard Lambda wired by hand over <see cref="GuardServices"/>. Nothing
/// is built before its first event (the runtime catalog's JSON, HTTP clients and AWS clients would otherwise be paid
/// for before the first <c>/next</c>, where cold start is measured), and every handler shares the one set of
/// clients; in Organization mode each member account and region gets its own deploy check over its own Lambda client.
/// </summary>
public static class GuardComposition
{
    public static EventRouter CreateRouter(GuardOptions options, GuardServices aws, GuardLog log, TimeProvider time)
    {
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(aws);
        ArgumentNullException.ThrowIfNull(log);
        ArgumentNullException.ThrowIfNull(time);
        if (options.CodeLocationRewrite is { } rewrite)
        {
            log.Warn($"GUARD_CODE_LOCATION_REWRITE is set: code locations starting with {rewrite.FromPrefix} are read from {rewrite.ToPrefix} (local emulators only)");
        }

        var functions = new Lazy<DeployedFunctionInspector>(() => Functions(options, aws, aws.Lambda, aws.ImagesIn(null), time), LazyThreadSafetyMode.PublicationOnly);
        // CloudFormation's two edges share one package check.
        var packageChecks = new Lazy<PackageCheck>(() => new PackageCheck(functions.Value, aws.S3Packages), LazyThreadSafetyMode.PublicationOnly);
        var deploys = new DeferredRouteHandler(() => new AccountDeploys(
            (account, region) => DeployCheck(options, aws, aws.LambdaIn(account, region), aws.ImagesIn(account), aws.AliasLookupIn(account), log, time),
            Alerts(options, aws, log, time),
            aws.Store,
            log,
            time));
        var customResources = new DeferredRouteHandler(() => new CustomResourceHandler(() => packageChecks.Value, aws.Responses, RuntimeCatalog.Default, log, time));
        var hooks = new DeferredRouteHandler(() => new HookHandler(() => packageChecks.Value, aws.HookPayloads, RuntimeCatalog.Default, log, time));
        var scheduled = new ScheduledHandler(
            () => Scheduled(options, aws, log, time, ScheduledTasks.PlaceholderSweep),
            () => Scheduled(options, aws, log, time, ScheduledTasks.FullScan),
            log);
        return new EventRouter(deploys, customResources, hooks, scheduled, log);
    }

    /// <summary>The deploy check for one account and region: its Lambda and ECR clients (the member role's, in Organization mode); the store, code copies and alerts are Guard's own.</summary>
    private static DeployCheck DeployCheck(
        GuardOptions options, GuardServices aws, ILambdaApi lambda, Aws.Ecr.IEcrImages? images, Func<CancellationToken, Task<string?>>? accountAlias, GuardLog log, TimeProvider time)
    {
        var functions = Functions(options, aws, lambda, images, time);
        var store = aws.Store;
        var codes = aws.Codes;
        // Rollback needs somewhere good code is kept; without the store bucket, rollback mode only alerts.
        var rollback = store is null || codes is null
            ? null
            : new FunctionRollback(lambda, store, codes, new FunctionRestore(lambda, functions, codes.Open, time), options, log, time);
        return new DeployCheck(lambda, functions, store, Alerts(options, aws, log, time), options, log, time, codes, rollback, accountAlias);
    }

    /// <summary>Every configured alert channel, SNS first (its failure is the one that fails the invocation); each client made only when its channel is configured.</summary>
    private static AlertSender Alerts(GuardOptions options, GuardServices aws, GuardLog log, TimeProvider time)
    {
        var channels = new List<IAlertChannel>();
        if (aws.Sns is { } sns && options.TopicArn is { } topic)
        {
            channels.Add(new SnsAlertChannel(sns, topic, log));
        }

        if (aws.Slack is { } slack)
        {
            channels.Add(new SlackAlertChannel(slack));
        }

        if (aws.SecurityHubIn is { } hubs)
        {
            channels.Add(new SecurityHubAlertChannel(hubs, log, time));
        }

        if (aws.Events is { } events && options.EventBus is { } bus)
        {
            channels.Add(new EventBridgeAlertChannel(events, bus, log));
        }

        return new AlertSender(channels, log);
    }

    private static DeployedFunctionInspector Functions(GuardOptions options, GuardServices aws, ILambdaApi lambda, Aws.Ecr.IEcrImages? images, TimeProvider time) =>
        new(lambda, aws.Packages, new PackageInspector(RuntimeCatalog.Default, PlaceholderCatalog.Default, time), RuntimeCatalog.Default, options.PlaceholderSha256, objects: aws.S3Packages, images: images);

    private static IScheduledTask Scheduled(GuardOptions options, GuardServices aws, GuardLog log, TimeProvider time, string task)
    {
        if (aws.Store is not { } store)
        {
            return new UnavailableTask(task, "GUARD_STORE_BUCKET is unset, so there are no pending records and nowhere to note what was alerted", log);
        }

        var alerts = Alerts(options, aws, log, time);
        if (task == ScheduledTasks.PlaceholderSweep)
        {
            return new PlaceholderSweep(aws.Lambda, store, alerts, options, aws.Region, log, time);
        }

        var scanner = new Aws.Scanning.FunctionScanner(
            aws.Lambda,
            aws.Packages,
            new Aws.Scanning.FunctionScannerOptions { PlaceholderSha256 = options.PlaceholderSha256 },
            new PackageInspector(RuntimeCatalog.Default, PlaceholderCatalog.Default, time),
            RuntimeCatalog.Default,
            time,
            aws.S3Packages,
            aws.ImagesIn(null));
        return new FullScan(scanner, aws.Lambda, store, alerts, options, aws.Region, log, time);
    }
}
