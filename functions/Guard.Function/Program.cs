using Guard.Function;
using Guard.Function.Logging;
using Guard.Function.RuntimeApi;

// Main: reads the Runtime API address and hands GuardComposition (the composition root) to the loop. Nothing here
// touches AWS: clients are built on the first event that needs them, so the process reaches its first /next (where
// cold start is measured) after reading a few environment variables.
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
    var started = await InvocationLoop.RunAsync(runtimeApi, () =>
        {
            var options = GuardOptions.FromEnvironment(Environment.GetEnvironmentVariable);
            return GuardComposition.CreateRouter(options, GuardServices.FromProcess(options, log), log, time);
        }, log, time, CancellationToken.None);
    return started ? 0 : 1;
}
catch (HttpRequestException e)
{
    // Nothing can be reported without the Runtime API: say so in one log line and exit (Lambda starts a new sandbox).
    log.Error($"the Runtime API at {runtimeApiAddress} is unreachable; exiting", exception: e);
    return 1;
}
