using System.Diagnostics;
using System.Globalization;
using System.IO.Compression;
using Guard.Benchmarks;
using Guard.Inspection;
using Guard.Inspection.Reading;

// Usage: dotnet run -c Release --project benchmarks/Guard.Benchmarks -- [--sizes 20,200] [--runs 7] [--guard PATH/guard.dll]
//        ... -- --toolchain [--runs 15]   (what telling the toolchain adds to a check: benchmarks/toolchain-cost.sh)
if (args.Contains("--toolchain"))
{
    return await ToolchainCost.RunAsync(int.Parse(Arguments.Get(args, "--runs", "15"), CultureInfo.InvariantCulture));
}

var sizes = Arguments.Get(args, "--sizes", "20,200").Split(',').Select(s => int.Parse(s, CultureInfo.InvariantCulture)).ToArray();
var runs = int.Parse(Arguments.Get(args, "--runs", "7"), CultureInfo.InvariantCulture);
var guardDll = Arguments.Get(args, "--guard", string.Empty);
var workDirectory = Directory.CreateDirectory(Path.Combine(Path.GetTempPath(), "guard-bench")).FullName;

await using var server = await PackageServer.StartAsync(workDirectory);
using var http = new HttpClient();
var rows = new List<string>();
var cases = await BenchmarkCase.AllAsync();
foreach (var sizeMb in sizes)
{
    foreach (var benchmarkCase in cases)
    {
        var package = BenchmarkPackage.Build(workDirectory, sizeMb, benchmarkCase);
        var layers = benchmarkCase.Layers.Select(layer => BenchmarkPackage.Layer(workDirectory, layer.Name, layer.Files)).ToList();
        var uri = server.UriFor(package);
        var layerUris = layers.Select(server.UriFor).ToList();

        var guard = new List<Measurement>();
        var download = new List<Measurement>();
        for (var run = 0; run < runs; run++)
        {
            long read = 0;
            var measured = await MeasureAsync(server, async () => read = await CheckAsync(http, uri, layerUris));
            guard.Add(measured with { ClientBytes = read });
            download.Add(await MeasureAsync(server, () => DownloadAndOpenAsync(http, [uri, .. layerUris], workDirectory)));
        }

        var peakRss = guardDll.Length > 0 ? PeakRss.OfGuardCheck(guardDll, uri, layerUris) : null;
        var bytes = new FileInfo(package).Length + layers.Sum(layer => new FileInfo(layer).Length);
        var floor = BenchmarkPackage.Floor(package) + layers.Sum(BenchmarkPackage.Floor);
        rows.Add(Table.Row(bytes, benchmarkCase.Label, guard, download, floor, peakRss));
    }
}

Console.WriteLine(Table.Header(runs));
rows.ForEach(Console.WriteLine);
return 0;

static async Task<Measurement> MeasureAsync(PackageServer server, Func<Task> action)
{
    await server.WaitUntilIdleAsync();
    server.ResetCounters();
    var started = Stopwatch.GetTimestamp();
    await action();
    await server.WaitUntilIdleAsync();
    return new Measurement(server.Requests, server.BytesSent, Stopwatch.GetElapsedTime(started));
}

// Layers as guard check --layer reads them: each its own range source, in the function's layer order. Returns the bytes
// Guard consumed (the report's stats), beside what the server counts as sent.
static async Task<long> CheckAsync(HttpClient http, Uri uri, IReadOnlyList<Uri> layerUris)
{
    await using var source = new HttpRangeSource(http, uri);
    var layers = layerUris.Select(layer => new HttpRangeSource(http, layer)).ToList();
    try
    {
        var report = await new PackageInspector().InspectAsync(new InspectionRequest(source, Layers: layers), CancellationToken.None);
        if (report.Bootstrap is null)
        {
            throw new InvalidOperationException("benchmark package has no bootstrap: " + report.Findings[0].Message);
        }

        return report.Stats.BytesRead;
    }
    finally
    {
        foreach (var layer in layers)
        {
            await layer.DisposeAsync();
        }
    }
}

// The alternative a simple tool takes: fetch each whole zip, the function's and its layers', then open it.
static async Task DownloadAndOpenAsync(HttpClient http, IReadOnlyList<Uri> uris, string workDirectory)
{
    var path = Path.Combine(workDirectory, "download.zip");
    foreach (var uri in uris)
    {
        await using (var response = await http.GetStreamAsync(uri))
        await using (var file = File.Create(path))
        {
            await response.CopyToAsync(file);
        }

        using var archive = ZipFile.OpenRead(path);
        var entry = archive.GetEntry("bootstrap") ?? archive.Entries.First(e => e.Name.Length > 0);
        await using var content = entry.Open();
        var buffer = new byte[64 * 1024];
        await content.ReadAtLeastAsync(buffer, buffer.Length, throwOnEndOfStream: false);
    }
}
