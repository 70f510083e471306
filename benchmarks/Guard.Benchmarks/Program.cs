using System.Diagnostics;
using System.Globalization;
using System.IO.Compression;
using Guard.Benchmarks;
using Guard.Inspection;
using Guard.Inspection.Reading;

// Usage: dotnet run -c Release --project benchmarks/Guard.Benchmarks -- [--sizes 20,200] [--runs 7] [--guard PATH/guard.dll]
var sizes = Arguments.Get(args, "--sizes", "20,200").Split(',').Select(s => int.Parse(s, CultureInfo.InvariantCulture)).ToArray();
var runs = int.Parse(Arguments.Get(args, "--runs", "7"), CultureInfo.InvariantCulture);
var guardDll = Arguments.Get(args, "--guard", string.Empty);
var workDirectory = Directory.CreateDirectory(Path.Combine(Path.GetTempPath(), "guard-bench")).FullName;

await using var server = await PackageServer.StartAsync(workDirectory);
using var http = new HttpClient();
var rows = new List<string>();
foreach (var sizeMb in sizes)
{
    foreach (var bootstrapKind in new[] { BootstrapKind.StaticGo, BootstrapKind.DynamicGlibc })
    {
        var package = BenchmarkPackage.Build(workDirectory, sizeMb, bootstrapKind);
        var uri = server.UriFor(package);

        var guard = new List<Measurement>();
        var download = new List<Measurement>();
        for (var run = 0; run < runs; run++)
        {
            guard.Add(await MeasureAsync(server, () => CheckAsync(http, uri)));
            download.Add(await MeasureAsync(server, () => DownloadAndOpenAsync(http, uri, workDirectory)));
        }

        var peakRss = guardDll.Length > 0 ? PeakRss.OfGuardCheck(guardDll, uri) : null;
        rows.Add(Table.Row(new FileInfo(package).Length, bootstrapKind, guard, download, peakRss));
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

static async Task CheckAsync(HttpClient http, Uri uri)
{
    await using var source = new HttpRangeSource(http, uri);
    var report = await new PackageInspector().InspectAsync(new InspectionRequest(source), CancellationToken.None);
    if (report.Bootstrap is null)
    {
        throw new InvalidOperationException("benchmark package has no bootstrap: " + report.Findings[0].Message);
    }
}

// The alternative a simple tool takes: fetch the whole zip, then open it.
static async Task DownloadAndOpenAsync(HttpClient http, Uri uri, string workDirectory)
{
    var path = Path.Combine(workDirectory, "download.zip");
    await using (var response = await http.GetStreamAsync(uri))
    await using (var file = File.Create(path))
    {
        await response.CopyToAsync(file);
    }

    using var archive = ZipFile.OpenRead(path);
    await using var bootstrap = archive.GetEntry("bootstrap")!.Open();
    var buffer = new byte[64 * 1024];
    await bootstrap.ReadAtLeastAsync(buffer, buffer.Length, throwOnEndOfStream: false);
}
