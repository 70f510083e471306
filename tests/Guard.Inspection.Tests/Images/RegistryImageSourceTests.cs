using System.Net;
using Guard.Inspection.Images;
using Guard.Inspection.Reading;
using Guard.Inspection.Reporting;
using Guard.Inspection.Rules;
using Guard.Testing;

namespace Guard.Inspection.Tests.Images;

/// <summary>
/// Images read from a registry without pulling them: a stand-in that serves the distribution API (with Bearer token
/// authentication), and a real registry (Debian's docker-registry) filled by skopeo from a layout umoci wrote.
/// </summary>
public sealed class RegistryImageSourceTests
{
    private static readonly byte[] StaticX8664 = ElfBuilder.Static(ElfBuilder.X8664);

    private static CancellationToken Cancel => TestContext.Current.CancellationToken;

    private static ImageBuilder GoStyle(string architecture = "amd64") => new()
    {
        Architecture = architecture,
        Entrypoint = ["/main"],
        Layers = [new ImageLayerContent().File("/big", new byte[256 * 1024]), new ImageLayerContent().File("/main", StaticX8664)],
    };

    private static async Task<Report> InspectAsync(string reference, Architecture architecture, RegistryCredential? credential = null)
    {
        Assert.True(ImageReference.TryParse(reference, out var parsed));
        await using var source = new RegistryImageSource(parsed, credential);
        return await ImageInspector.InspectAsync(new ImageInspectionRequest(source, architecture), Cancel);
    }

    [Fact]
    public async Task Inspect_WhenTheRegistryImageIsForTheOtherCpu_ReadsOnlyTheManifestAndConfig()
    {
        var built = GoStyle("amd64").Build();
        await using var registry = RegistryStandIn.Start(built);

        var report = await InspectAsync(registry.Reference(), Architecture.Arm64);

        Assert.Equal(FindingCodes.ImageWrongArch, Assert.Single(report.Findings).Code);
        Assert.Equal(["GET /v2/guard/test/manifests/latest", $"GET /v2/guard/test/blobs/{ConfigDigest(built)}"], registry.Requests);
        Assert.Equal(2, report.Stats.Requests);
    }

    [Fact]
    public async Task Inspect_WhenTheRegistryImageMatches_StreamsOnlyTheTopLayer()
    {
        var built = GoStyle().Build();
        await using var registry = RegistryStandIn.Start(built);

        var report = await InspectAsync(registry.Reference(), Architecture.X8664);

        Assert.Equal(Verdict.Ok, report.Verdict);
        Assert.True(3 == registry.Requests.Count, string.Join("\n", registry.Requests));
        Assert.Equal(3, report.Stats.Requests);
        Assert.True(report.Stats.BytesRead < 16 * 1024, $"read {report.Stats.BytesRead} bytes");
    }

    [Fact]
    public async Task Inspect_WhenTheRegistryWantsABearerToken_FetchesOneWithTheCredentialAndUsesIt()
    {
        await using var registry = RegistryStandIn.Start(GoStyle().Build(), requireToken: true, credential: ("ci", "s3cret"));

        var report = await InspectAsync(registry.Reference(), Architecture.X8664, new RegistryCredential("ci", "s3cret"));

        Assert.Equal(Verdict.Ok, report.Verdict);
        // The first request is refused, the token fetched once, then every request carries it.
        Assert.Equal(1, registry.Requests.Count(r => r == "GET /token"));
        Assert.Equal(registry.Requests.Count, report.Stats.Requests);
    }

    [Fact]
    public async Task Inspect_WhenTheTokenServiceRefusesTheCredential_IsUnavailableWithoutLeakingIt()
    {
        await using var registry = RegistryStandIn.Start(GoStyle().Build(), requireToken: true, credential: ("ci", "s3cret"));

        var e = await Assert.ThrowsAsync<PackageUnavailableException>(() => InspectAsync(registry.Reference(), Architecture.X8664, new RegistryCredential("ci", "wrong")));

        Assert.Contains("refused access", e.Message, StringComparison.Ordinal);
        Assert.DoesNotContain("wrong", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Inspect_WhenTheTagNamesAManifestListWithAttestations_ReportsImageIndex()
    {
        var image = GoStyle("arm64") with { DockerMediaTypes = true, IndexWithAttestations = 1, OtherPlatform = GoStyle() };
        await using var registry = RegistryStandIn.Start(image.Build());

        var report = await InspectAsync(registry.Reference(), Architecture.X8664);

        var finding = Assert.Single(report.Findings);
        Assert.Equal(FindingCodes.ImageIndex, finding.Code);
        Assert.Contains("manifest list", finding.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Inspect_WhenTheRegistrySendsA50MiBManifestWithoutALength_StopsAtTheCapAndReportsImageInvalid()
    {
        // Chunked, so no Content-Length to refuse up front: 50 MiB of JSON whitespace before a manifest that would parse.
        const long Padding = 50L * 1024 * 1024;
        long sent = 0;
        await using var registry = LoopbackHttpListener.Start(async context =>
        {
            var response = context.Response;
            try
            {
                if (!context.Request.Url!.AbsolutePath.Contains("/manifests/", StringComparison.Ordinal))
                {
                    response.StatusCode = 404;
                    return;
                }

                response.SendChunked = true;
                response.ContentType = "application/vnd.oci.image.manifest.v1+json";
                var spaces = new byte[64 * 1024];
                Array.Fill(spaces, (byte)' ');
                for (var at = 0L; at < Padding; at += spaces.Length)
                {
                    await response.OutputStream.WriteAsync(spaces);
                    Interlocked.Add(ref sent, spaces.Length);
                }

                await response.OutputStream.WriteAsync(GoStyle().Build().TopBytes);
            }
            catch (Exception e) when (e is HttpListenerException or IOException or ObjectDisposedException)
            {
                // The client hung up at the cap.
            }
            finally
            {
                try
                {
                    response.Close();
                }
                catch (Exception e) when (e is HttpListenerException or IOException or ObjectDisposedException)
                {
                }
            }
        });

        var report = await InspectAsync($"{registry.HostAndPort}/guard/test:latest", Architecture.X8664);

        var finding = Assert.Single(report.Findings);
        Assert.Equal(FindingCodes.ImageInvalid, finding.Code);
        Assert.Contains("without a length ran past 4 MiB", finding.Message, StringComparison.Ordinal);
        // What the client read is the cap; the rest of what was sent sat in the sockets' buffers when it hung up.
        Assert.True(Interlocked.Read(ref sent) < 24L * 1024 * 1024, $"the registry sent {Interlocked.Read(ref sent)} bytes before the client hung up");
    }

    [Theory]
    [InlineData("123456789012.dkr.ecr.us-east-1.amazonaws.com/orders:v1", "123456789012.dkr.ecr.us-east-1.amazonaws.com", "orders", "v1", null)]
    [InlineData("docker://127.0.0.1:5000/a/b@sha256:0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef", "127.0.0.1:5000", "a/b", null, "sha256:0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef")]
    [InlineData("localhost/app", "localhost", "app", null, null)]
    public void TryParse_WhenTheReferenceNamesItsRegistry_SplitsIt(string text, string registry, string repository, string? tag, string? digest)
    {
        Assert.True(ImageReference.TryParse(text, out var reference));
        Assert.Equal(new ImageReference(registry, repository, tag, digest), reference);
    }

    [Theory]
    [InlineData("alpine:3")]
    [InlineData("dist/function")]
    [InlineData("./image.tar")]
    [InlineData("https://example.com/x.zip")]
    public void TryParse_WhenNoRegistryIsNamed_RefusesSoALocalPathIsNeverSentToTheNetwork(string text) =>
        Assert.False(ImageReference.TryParse(text, out _));

    [Fact]
    public async Task Inspect_WhenAnUmociImageIsPushedToARealRegistry_JudgesItThere()
    {
        var folder = Directory.CreateTempSubdirectory("guard-umoci-test-").FullName;
        try
        {
            var layout = await Umoci.BuildAsync(Path.Combine(folder, "good"), "amd64", ["/main"], [new ImageFile("/main", StaticX8664)], cancellationToken: Cancel);
            var deleted = await Umoci.BuildAsync(Path.Combine(folder, "deleted"), "amd64", ["/main"], [new ImageFile("/main", StaticX8664)], ["/main"], Cancel);
            await using var registry = await LocalRegistry.StartAsync(Cancel);
            var good = await registry.PushAsync(layout, "guard/good", "v1", Cancel);
            var gone = await registry.PushAsync(deleted, "guard/deleted", "v1", Cancel);

            var onTheRightCpu = await InspectAsync(good, Architecture.X8664);
            var onTheOtherCpu = await InspectAsync(good, Architecture.Arm64);
            var whitedOut = await InspectAsync(gone, Architecture.X8664);

            Assert.True(onTheRightCpu.Verdict == Verdict.Ok, string.Join("\n", onTheRightCpu.Findings.Select(f => f.Code + " " + f.Message)));
            Assert.Equal("/main", onTheRightCpu.Bootstrap!.Path);
            Assert.Equal(FindingCodes.ImageWrongArch, Assert.Single(onTheOtherCpu.Findings).Code);
            Assert.Equal(2, onTheOtherCpu.Stats.Requests);
            var missing = Assert.Single(whitedOut.Findings);
            Assert.Equal(FindingCodes.ImageEntrypointMissing, missing.Code);
            Assert.Contains("whiteout", missing.Message, StringComparison.Ordinal);
        }
        finally
        {
            Directory.Delete(folder, recursive: true);
        }
    }

    private static string ConfigDigest(BuiltImage built)
    {
        var text = System.Text.Encoding.UTF8.GetString(built.TopBytes);
        var at = text.IndexOf("\"digest\":\"", StringComparison.Ordinal) + "\"digest\":\"".Length;
        return text[at..text.IndexOf('"', at)];
    }
}
