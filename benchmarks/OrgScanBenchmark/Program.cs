// guard scan across an organization: A accounts × F functions served by an in-process Lambda stand-in that answers
// every request after a fixed latency and holds each account's GetFunction calls under its own quota (429 beyond it),
// as Lambda does per account and region. Runs each account count in turn, interleaved, and prints the median wall
// time, functions/s against the limit the quotas set (all accounts in parallel, each at its quota), throttles, and
// the process's peak RSS per run (VmHWM, reset between runs).
//
//   dotnet run -c Release --project benchmarks/OrgScanBenchmark -- --accounts 10,50 --functions 200 --latency-ms 20 --quota 10 --runs 3
using System.Collections.Concurrent;
using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Text.Json;
using Guard.Aws.Functions;
using Guard.Aws.Http;
using Guard.Aws.Lambda;
using Guard.Aws.Scanning;
using Guard.Testing;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging;

var accountCounts = (Value("--accounts") ?? "10,50").Split(',').Select(c => int.Parse(c, CultureInfo.InvariantCulture)).ToArray();
var functions = Arg("--functions", 200);
var latency = TimeSpan.FromMilliseconds(Arg("--latency-ms", 20));
var quota = Arg("--quota", 10);
var runs = Arg("--runs", 3);
var concurrency = Arg("--concurrency", 4);

var package = new PackageBuilder().AddFile("bootstrap", ElfBuilder.Static(ElfBuilder.X8664, go: true), PackageBuilder.ExecutableMode).ToArray();
var quotas = new ConcurrentDictionary<string, TokenBucket>(StringComparer.Ordinal);
var counters = new ConcurrentDictionary<string, int>(StringComparer.Ordinal);

var builder = WebApplication.CreateSlimBuilder();
builder.Logging.ClearProviders();
builder.WebHost.UseKestrel(k => k.Listen(IPAddress.Loopback, 0));
var app = builder.Build();
app.Use(async (context, next) =>
{
    await Task.Delay(latency);
    await next(context);
});
app.MapGet("/2015-03-31/functions/", (HttpContext context) =>
{
    var account = AccountOf(context);
    var start = int.TryParse(context.Request.Query["Marker"], CultureInfo.InvariantCulture, out var marker) ? marker : 0;
    var end = Math.Min(functions, start + 50);
    return Results.Text(JsonSerializer.Serialize(new Dictionary<string, object?>
    {
        ["Functions"] = Enumerable.Range(start, end - start).Select(i => Configuration(account, i)).ToList(),
        ["NextMarker"] = end < functions ? end.ToString(CultureInfo.InvariantCulture) : null,
    }, JsonOptions.Options), "application/json");
});
app.MapGet("/2015-03-31/functions/{name}", (string name, HttpContext context) =>
{
    var account = AccountOf(context);
    // The account's own quota, as Lambda keeps one per account and region: beyond it, 429 (the client backs off).
    if (!quotas.GetOrAdd(account, _ => new TokenBucket(quota, quota)).TryTake())
    {
        counters.AddOrUpdate("throttled", 1, (_, n) => n + 1);
        context.Response.Headers["x-amzn-ErrorType"] = "TooManyRequestsException";
        return Results.Text("""{"Reason":"CallerRateLimitExceeded","message":"Rate exceeded"}""", "application/json", statusCode: 429);
    }

    counters.AddOrUpdate("GetFunction", 1, (_, n) => n + 1);
    var index = int.Parse(name.AsSpan(name.LastIndexOf('-') + 1), CultureInfo.InvariantCulture);
    return Results.Text(JsonSerializer.Serialize(new Dictionary<string, object?>
    {
        ["Configuration"] = Configuration(account, index),
        ["Code"] = new Dictionary<string, string> { ["Location"] = $"http://{context.Request.Host}/code/{account}/{index}.zip?X-Amz-Signature=benchmark", ["RepositoryType"] = "S3" },
    }, JsonOptions.Options), "application/json");
});
app.MapGet("/code/{account}/{name}", () => Results.Bytes(package, "application/zip", enableRangeProcessing: true));
await app.StartAsync();
var environment = AwsEnvironment.From(new Dictionary<string, string?> { ["AWS_REGION"] = "us-east-1", ["AWS_ENDPOINT_URL"] = app.Urls.First() });
using var http = new HttpClient();

Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
    $"{functions} functions per account, {latency.TotalMilliseconds:0} ms per request, GetFunction quota {quota}/s per account (Guard held at the same), {concurrency} checks at once per account, {runs} interleaved runs, {Environment.ProcessorCount} cores"));
Console.WriteLine("| accounts | functions | limit (quota-bound) | median wall time | ratio to limit | functions/s | limit functions/s | throttled | peak RSS (median) |");
Console.WriteLine("|---:|---:|---:|---:|---:|---:|---:|---:|---:|");
var samples = accountCounts.ToDictionary(a => a, _ => new List<(double Seconds, long PeakKiB, int Throttled)>());
for (var run = 0; run < runs; run++)
{
    foreach (var count in accountCounts)
    {
        GC.Collect();
        File.WriteAllText("/proc/self/clear_refs", "5");
        counters.Clear();
        quotas.Clear();
        var accounts = Enumerable.Range(0, count).Select(i => (100000000000L + i).ToString(CultureInfo.InvariantCulture)).ToArray();
        var clients = new ConcurrentBag<LambdaClient>();
        var scan = new OrganizationScan(
            (account, region) =>
            {
                var client = LambdaClient.Create(environment, new AwsCredentials("AK" + account, "secret"));
                clients.Add(client);
                return new FunctionScanner(client, new HttpPackageOpener(http), new FunctionScannerOptions { Concurrency = concurrency, GetFunctionPerSecond = quota });
            },
            accountsAtOnce: count);
        var watch = Stopwatch.StartNew();
        var results = await scan.ScanAsync(accounts, ["us-east-1"], null, CancellationToken.None);
        var seconds = watch.Elapsed.TotalSeconds;
        if (results.Count != count * functions || results.Any(r => r.Verdict != "ok"))
        {
            throw new InvalidOperationException($"expected {count * functions} ok results, got {string.Join(", ", results.GroupBy(r => r.Verdict).Select(g => $"{g.Key} {g.Count()}"))}");
        }

        samples[count].Add((seconds, PeakRssKiB(), counters.GetValueOrDefault("throttled")));
        foreach (var client in clients)
        {
            client.Dispose();
        }
    }
}

foreach (var (count, runsOf) in samples)
{
    var median = runsOf.Select(r => r.Seconds).Order().ElementAt(runsOf.Count / 2);
    var peak = runsOf.Select(r => r.PeakKiB).Order().ElementAt(runsOf.Count / 2);
    var total = count * functions;
    // The quotas' limit: every account in parallel, each GetFunction-bound at its quota after a burst of `quota`.
    var limit = Math.Max(0, functions - quota) / (double)quota;
    Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
        $"| {count} | {total:N0} | {limit:0.0} s | {median:0.0} s | {median / limit:0.00}× | {total / median:0} | {total / limit:0} | {runsOf.Max(r => r.Throttled)} | {peak / 1024.0:0.0} MiB |"));
}

await app.StopAsync();

static string AccountOf(HttpContext context)
{
    // SigV4: "AWS4-HMAC-SHA256 Credential=AK{account}/date/region/lambda/aws4_request, ...": the stand-in's accounts are keyed by access key.
    var authorization = context.Request.Headers.Authorization.ToString();
    var start = authorization.IndexOf("Credential=AK", StringComparison.Ordinal) + "Credential=AK".Length;
    return authorization.Substring(start, 12);
}

static Dictionary<string, object?> Configuration(string account, int index) => new()
{
    ["FunctionName"] = $"function-{index:0000}",
    ["FunctionArn"] = $"arn:aws:lambda:us-east-1:{account}:function:function-{index:0000}",
    ["Runtime"] = "provided.al2023",
    ["Handler"] = "bootstrap",
    ["Architectures"] = new[] { "x86_64" },
    ["PackageType"] = "Zip",
    ["CodeSha256"] = "",
    ["LastUpdateStatus"] = "Successful",
};

static long PeakRssKiB() =>
    long.Parse(File.ReadLines("/proc/self/status").First(l => l.StartsWith("VmHWM:", StringComparison.Ordinal)).Split(' ', StringSplitOptions.RemoveEmptyEntries)[1], CultureInfo.InvariantCulture);

int Arg(string name, int fallback) => Value(name) is { } value ? int.Parse(value, CultureInfo.InvariantCulture) : fallback;

string? Value(string name)
{
    var index = Array.IndexOf(args, name);
    return index >= 0 && index + 1 < args.Length ? args[index + 1] : null;
}

/// <summary>The stand-in's per-account quota: a non-blocking token bucket (Lambda answers 429 rather than wait).</summary>
internal sealed class TokenBucket(double perSecond, int burst)
{
    private readonly object _gate = new();
    private readonly Stopwatch _clock = Stopwatch.StartNew();
    private double _tokens = burst;
    private double _at;

    public bool TryTake()
    {
        lock (_gate)
        {
            var now = _clock.Elapsed.TotalSeconds;
            _tokens = Math.Min(burst, _tokens + ((now - _at) * perSecond));
            _at = now;
            if (_tokens < 1)
            {
                return false;
            }

            _tokens -= 1;
            return true;
        }
    }
}

internal static class JsonOptions
{
    // Reflection JSON is off repository-wide; this console serialises only dictionaries of primitives.
    public static JsonSerializerOptions Options { get; } = new() { TypeInfoResolver = new System.Text.Json.Serialization.Metadata.DefaultJsonTypeInfoResolver() };
}
