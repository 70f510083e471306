// Scans N functions served by an in-process Lambda stand-in (ListFunctions pages of 50, GetFunction, and the
// packages behind Code.Location with Range support), each answer delayed by a fixed latency, at several
// concurrencies; prints the median wall time and the requests made.
//
//   dotnet run -c Release --project benchmarks/ScanBenchmark -- --functions 1000 --latency-ms 20 --runs 3 --concurrency 1,4,8 [--get-function-rate 50]
using Guard.Aws.Functions;
using System.Collections.Concurrent;
using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Text.Json;
using Guard.Aws.Http;
using Guard.Aws.Lambda;
using Guard.Aws.Scanning;
using Guard.Inspection.Reading;
using Guard.Testing;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging;

var functions = Arg("--functions", 1000);
var latency = TimeSpan.FromMilliseconds(Arg("--latency-ms", 20));
var runs = Arg("--runs", 3);
var rate = Arg("--get-function-rate", 50);
var concurrencies = (Value("--concurrency") ?? "1,4,8").Split(',').Select(c => int.Parse(c, CultureInfo.InvariantCulture)).ToArray();

// One realistic package for every function: a static Go-like bootstrap padded to 8 MiB of incompressible bytes.
var padding = new byte[8 << 20];
new Random(7).NextBytes(padding);
var package = new PackageBuilder()
    .AddFile("bootstrap", [.. ElfBuilder.Static(ElfBuilder.X8664, go: true), .. padding], PackageBuilder.ExecutableMode)
    .ToArray();

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
    counters.AddOrUpdate("ListFunctions", 1, (_, n) => n + 1);
    var start = int.TryParse(context.Request.Query["Marker"], CultureInfo.InvariantCulture, out var marker) ? marker : 0;
    var end = Math.Min(functions, start + 50);
    var page = Enumerable.Range(start, end - start).Select(i => Configuration(i)).ToList();
    return Results.Text(JsonSerializer.Serialize(new Dictionary<string, object?>
    {
        ["Functions"] = page,
        ["NextMarker"] = end < functions ? end.ToString(CultureInfo.InvariantCulture) : null,
    }, JsonOptions.Options), "application/json");
});
app.MapGet("/2015-03-31/functions/{name}", (string name, HttpContext context) =>
{
    counters.AddOrUpdate("GetFunction", 1, (_, n) => n + 1);
    var index = int.Parse(name.AsSpan(name.LastIndexOf('-') + 1), CultureInfo.InvariantCulture);
    var location = $"http://{context.Request.Host}/code/{name}.zip?X-Amz-Signature=benchmark";
    return Results.Text(JsonSerializer.Serialize(new Dictionary<string, object?>
    {
        ["Configuration"] = Configuration(index),
        ["Code"] = new Dictionary<string, string> { ["Location"] = location, ["RepositoryType"] = "S3" },
    }, JsonOptions.Options), "application/json");
});
app.MapGet("/code/{name}", (HttpContext context) =>
{
    counters.AddOrUpdate("package range reads", 1, (_, n) => n + 1);
    // Results.Bytes with range processing answers Range with 206 and Content-Range, as S3 does.
    return Results.Bytes(package, "application/zip", enableRangeProcessing: true);
});
await app.StartAsync();
var endpoint = app.Urls.First();

var environment = AwsEnvironment.From(new Dictionary<string, string?> { ["AWS_REGION"] = "us-east-1", ["AWS_ENDPOINT_URL"] = endpoint });
using var http = new HttpClient();
Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
    $"{functions} functions, {latency.TotalMilliseconds:0} ms per request, package {package.Length / 1024.0 / 1024:0.0} MiB, GetFunction limited to {rate}/s, {runs} runs each, {Environment.ProcessorCount} cores"));
Console.WriteLine("| concurrency | median wall time | functions/s | ListFunctions | GetFunction | package range reads | verdicts |");
Console.WriteLine("|---:|---:|---:|---:|---:|---:|---|");
foreach (var concurrency in concurrencies)
{
    var times = new List<double>();
    Dictionary<string, int> perRun = [];
    string verdicts = "";
    for (var run = 0; run < runs; run++)
    {
        counters.Clear();
        using var lambda = LambdaClient.Create(environment, new AwsCredentials("bench", "bench"));
        var scanner = new FunctionScanner(
            lambda,
            new HttpPackageOpener(http),
            new FunctionScannerOptions { Concurrency = concurrency, GetFunctionPerSecond = rate });
        var watch = Stopwatch.StartNew();
        var results = await scanner.ScanAsync("us-east-1", null, CancellationToken.None);
        times.Add(watch.Elapsed.TotalSeconds);
        perRun = new Dictionary<string, int>(counters);
        verdicts = string.Join(" ", results.GroupBy(r => r.Verdict).Select(g => $"{g.Key} {g.Count()}"));
    }

    times.Sort();
    var median = times[times.Count / 2];
    Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
        $"| {concurrency} | {median:0.00} s | {functions / median:0} | {perRun.GetValueOrDefault("ListFunctions")} | {perRun.GetValueOrDefault("GetFunction")} | {perRun.GetValueOrDefault("package range reads")} | {verdicts} |"));
}

await app.StopAsync();

static Dictionary<string, object?> Configuration(int index) => new()
{
    ["FunctionName"] = $"function-{index:0000}",
    ["FunctionArn"] = $"arn:aws:lambda:us-east-1:123456789012:function:function-{index:0000}",
    ["Runtime"] = "provided.al2023",
    ["Handler"] = "bootstrap",
    ["Architectures"] = new[] { "x86_64" },
    ["PackageType"] = "Zip",
    ["CodeSha256"] = "",
    ["LastUpdateStatus"] = "Successful",
};

int Arg(string name, int fallback) => Value(name) is { } value ? int.Parse(value, CultureInfo.InvariantCulture) : fallback;

string? Value(string name)
{
    var index = Array.IndexOf(args, name);
    return index >= 0 && index + 1 < args.Length ? args[index + 1] : null;
}

internal static class JsonOptions
{
    // Reflection JSON is off repository-wide (JsonSerializerIsReflectionEnabledByDefault=false); this console
    // serialises only dictionaries of primitives, so it turns the default resolver back on for itself.
    public static JsonSerializerOptions Options { get; } = new() { TypeInfoResolver = new System.Text.Json.Serialization.Metadata.DefaultJsonTypeInfoResolver() };
}
