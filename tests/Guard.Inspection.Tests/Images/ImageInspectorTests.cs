using Guard.Inspection.Images;
using Guard.Inspection.Reporting;
using Guard.Inspection.Rules;
using Guard.Testing;

namespace Guard.Inspection.Tests.Images;

/// <summary>
/// Container images judged the way Lambda starts them, from images the test kit writes as OCI layouts and docker-save
/// tars: platform, index, media types, the start command with the function's ImageConfig over it, and the file it
/// execs judged by the bootstrap rules against the image's own files (whiteouts honoured).
/// </summary>
public sealed class ImageInspectorTests : IDisposable
{
    private const string ShScript = "#!/bin/sh\nexec /var/task/app \"$@\"\n";
    private static readonly byte[] StaticX8664 = ElfBuilder.Static(ElfBuilder.X8664);
    private static readonly byte[] StaticAarch64 = ElfBuilder.Static(ElfBuilder.Aarch64);
    private readonly string _folder = Directory.CreateTempSubdirectory("guard-image-").FullName;

    public void Dispose() => Directory.Delete(_folder, recursive: true);

    private static CancellationToken Cancel => TestContext.Current.CancellationToken;

    private async Task<Report> InspectLayoutAsync(ImageBuilder image, Architecture architecture = Architecture.X8664, FunctionImageConfig? config = null)
    {
        var folder = image.Build().WriteOciLayout(Path.Combine(_folder, Guid.NewGuid().ToString("N")));
        await using var source = OciLayoutSource.Open(folder);
        return await ImageInspector.InspectAsync(new ImageInspectionRequest(source, architecture, config), Cancel);
    }

    private static ImageBuilder GoStyle(byte[] binary, string architecture = "amd64") => new()
    {
        Architecture = architecture,
        Entrypoint = ["/main"],
        Layers = [new ImageLayerContent().Directory("/etc").File("/etc/passwd", "root:x:0:0::/root:/bin/sh\n", 0b110_100_100), new ImageLayerContent().File("/main", binary)],
    };

    /// <summary>An AWS base image in miniature: /lambda-entrypoint.sh execs /var/runtime/bootstrap, with the base's Env.</summary>
    private static ImageBuilder AwsBaseStyle(ImageLayerContent function, ImageLayerContent? baseLayer = null) => new()
    {
        Entrypoint = ["/lambda-entrypoint.sh"],
        Cmd = ["function.handler"],
        WorkingDir = "/var/task",
        Env = ["PATH=/var/lang/bin:/usr/local/bin:/usr/bin/:/bin:/opt/bin", "LAMBDA_TASK_ROOT=/var/task", "LAMBDA_RUNTIME_DIR=/var/runtime"],
        Layers =
        [
            (baseLayer ?? new ImageLayerContent())
                .Directory("/usr").Directory("/usr/bin").File("/usr/bin/sh", StaticX8664).Symlink("/bin", "usr/bin")
                .File("/lambda-entrypoint.sh", "#!/bin/sh\nexport _HANDLER=\"$1\"\nexec /var/runtime/bootstrap\n"),
            function,
        ],
    };

    [Fact]
    public async Task Inspect_WhenALayoutsIndexIsAFifo_ReportsImageInvalidWithoutBlocking()
    {
        var folder = GoStyle(StaticX8664).Build().WriteOciLayout(Path.Combine(_folder, "fifo"));
        var index = Path.Combine(folder, "index.json");
        File.Delete(index);
        ExternalProcess.MakeFifo(index);

        await using var source = OciLayoutSource.Open(folder);
        var report = await ImageInspector.InspectAsync(new ImageInspectionRequest(source, Architecture.X8664, null), Cancel);

        var finding = Assert.Single(report.Findings);
        Assert.Equal(FindingCodes.ImageInvalid, finding.Code);
        Assert.Contains("index.json is a FIFO (named pipe), not a file", finding.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Inspect_WhenALayoutsIndexIsLargerThanAnyImageDocument_ReportsImageInvalidUnread()
    {
        var folder = GoStyle(StaticX8664).Build().WriteOciLayout(Path.Combine(_folder, "large"));
        using (var index = File.OpenWrite(Path.Combine(folder, "index.json")))
        {
            index.SetLength(ImageDigest.MaxDocumentBytes + 1L);
        }

        await using var source = OciLayoutSource.Open(folder);
        var report = await ImageInspector.InspectAsync(new ImageInspectionRequest(source, Architecture.X8664, null), Cancel);

        var finding = Assert.Single(report.Findings);
        Assert.Equal(FindingCodes.ImageInvalid, finding.Code);
        Assert.Contains("too large for an image document", finding.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Inspect_WhenAStaticGoStyleImageMatchesTheFunction_ReportsOkWithoutFindings()
    {
        var binary = await CCompiler.CompileAsync(CCompiler.X8664, "-static", Cancel);
        var report = await InspectLayoutAsync(GoStyle(binary));

        Assert.Equal(Verdict.Ok, report.Verdict);
        Assert.Empty(report.Findings);
        Assert.Equal("/main", report.Bootstrap!.Path);
        Assert.Equal("x86_64", report.Bootstrap.Machine);
    }

    [Theory]
    [InlineData("amd64", Architecture.Arm64)]
    [InlineData("arm64", Architecture.X8664)]
    public async Task Inspect_WhenTheImageIsForTheOtherCpu_ReportsImageWrongArchFromTheConfigAlone(string imageArchitecture, Architecture function)
    {
        var image = GoStyle(imageArchitecture == "amd64" ? StaticX8664 : StaticAarch64, imageArchitecture);
        var report = await InspectLayoutAsync(image);
        report = await InspectLayoutAsync(image, function);

        var finding = Assert.Single(report.Findings);
        Assert.Equal(FindingCodes.ImageWrongArch, finding.Code);
        Assert.Contains("exec format error", finding.Message, StringComparison.Ordinal);
        // index.json, manifest, config: no layer is opened.
        Assert.Equal(3, report.Stats.Requests);
        Assert.Null(report.Bootstrap);
    }

    [Fact]
    public async Task Inspect_WhenTheReferenceIsAnIndexWithAttestations_ReportsImageIndexAndStillJudgesThePlatformImage()
    {
        var image = new ImageBuilder
        {
            Architecture = "arm64",
            Entrypoint = ["/main"],
            Layers = [new ImageLayerContent().File("/main", StaticX8664)],
            IndexWithAttestations = 2,
            OtherPlatform = GoStyle(StaticX8664),
        };

        var report = await InspectLayoutAsync(image, Architecture.X8664);

        var finding = Assert.Single(report.Findings);
        Assert.Equal(FindingCodes.ImageIndex, finding.Code);
        Assert.Contains("2 provenance/SBOM attestation", finding.Message, StringComparison.Ordinal);
        Assert.Contains("--provenance=false", finding.Hint, StringComparison.Ordinal);
        Assert.Equal("/main", report.Bootstrap!.Path);
        Assert.Equal("x86_64", report.Bootstrap.Machine);
    }

    [Fact]
    public async Task Inspect_WhenTheEntrypointIsInNoLayer_ReportsImageEntrypointMissing()
    {
        var image = GoStyle(StaticX8664) with { };
        var report = await InspectLayoutAsync(new ImageBuilder { Entrypoint = ["/usr/local/bin/aws_lambda_ric"], Layers = image.Layers });

        var finding = Assert.Single(report.Findings);
        Assert.Equal(FindingCodes.ImageEntrypointMissing, finding.Code);
        Assert.Contains("fork/exec /usr/local/bin/aws_lambda_ric: no such file or directory", finding.Message, StringComparison.Ordinal);
        Assert.Contains("awslambdaric", finding.Hint, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Inspect_WhenALaterLayerWhitesOutTheEntrypoint_ReportsItDeleted()
    {
        var image = new ImageBuilder
        {
            Entrypoint = ["/app/main"],
            Layers = [new ImageLayerContent().File("/app/main", StaticX8664), new ImageLayerContent().Whiteout("/app/main")],
        };

        var report = await InspectLayoutAsync(image);

        var finding = Assert.Single(report.Findings);
        Assert.Equal(FindingCodes.ImageEntrypointMissing, finding.Code);
        Assert.Contains("whiteout", finding.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Inspect_WhenAnOpaqueFolderHidesTheEntrypointBelow_ReportsImageEntrypointMissing()
    {
        var image = new ImageBuilder
        {
            Entrypoint = ["/app/main"],
            Layers = [new ImageLayerContent().File("/app/main", StaticX8664), new ImageLayerContent().Opaque("/app").File("/app/other", "x")],
        };

        var report = await InspectLayoutAsync(image);

        Assert.Equal(FindingCodes.ImageEntrypointMissing, Assert.Single(report.Findings).Code);
    }

    [Fact]
    public async Task Inspect_WhenTheEntrypointLacksTheExecuteBit_ReportsBootstrapNotExecutableWithADockerfileFix()
    {
        var image = new ImageBuilder { Entrypoint = ["/main"], Layers = [new ImageLayerContent().File("/main", StaticX8664, 0b110_100_100)] };

        var report = await InspectLayoutAsync(image);

        var finding = Assert.Single(report.Findings);
        Assert.Equal(FindingCodes.BootstrapNotExecutable, finding.Code);
        Assert.Contains("RUN chmod 755 /main", finding.Hint, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Inspect_WhenTheEntrypointScriptsInterpreterIsNotInTheImage_ReportsBootstrapInterpreterMissing()
    {
        var image = new ImageBuilder { Entrypoint = ["/entry.py"], Layers = [new ImageLayerContent().File("/entry.py", "#!/usr/bin/python3\nprint(1)\n")] };

        var report = await InspectLayoutAsync(image);

        Assert.Equal(FindingCodes.BootstrapInterpreterMissing, Assert.Single(report.Findings, f => f.Severity == Severity.Error).Code);
    }

    [Fact]
    public async Task Inspect_WhenTheInterpreterIsReachedThroughASymlinkedFolder_ReportsOk()
    {
        var image = new ImageBuilder
        {
            Entrypoint = ["/entry.sh"],
            Layers = [new ImageLayerContent().File("/usr/bin/sh", StaticX8664).Symlink("/bin", "usr/bin"), new ImageLayerContent().File("/entry.sh", "#!/bin/sh\necho hi\n")],
        };

        var report = await InspectLayoutAsync(image);

        Assert.Equal(Verdict.Ok, report.Verdict);
        Assert.Empty(report.Findings);
    }

    [Theory]
    [InlineData("GLIBC_2.38", true)]
    [InlineData("GLIBC_2.34", false)]
    public async Task Inspect_WhenAProvidedStyleBootstrapNeedsANewerGlibcThanTheImagesLibc_ReportsBootstrapGlibcTooNew(string needed, bool tooNew)
    {
        // The image's libc.so.6 is a stand-in a real toolchain linked, defining GLIBC_ versions up to 2.34 as AL2023's does.
        var libc = await NativeBuild.LibraryAsync(NativeArchitecture.X8664, "libc.so.6", new Dictionary<string, IReadOnlyList<string>>
        {
            ["GLIBC_2.2.5"] = ["guard_old"],
            ["GLIBC_2.34"] = ["guard_new"],
        }, cancellationToken: Cancel);
        var baseLayer = new ImageLayerContent()
            .Directory("/usr/lib64").File("/usr/lib64/libc.so.6", libc.Bytes).File("/usr/lib64/ld-linux-x86-64.so.2", StaticX8664).Symlink("/lib64", "usr/lib64");
        var bootstrap = ElfBuilder.Dynamic(ElfBuilder.X8664, glibc: ["GLIBC_2.2.5", needed]);
        var image = AwsBaseStyle(new ImageLayerContent().File("/var/runtime/bootstrap", bootstrap), baseLayer);

        var report = await InspectLayoutAsync(image);

        Assert.Equal(tooNew, report.Findings.Any(f => f.Code == FindingCodes.BootstrapGlibcTooNew));
        Assert.Equal(tooNew ? Verdict.Broken : Verdict.Ok, report.Verdict);
        Assert.Equal("/var/runtime/bootstrap", report.Bootstrap!.Path);
        if (tooNew)
        {
            Assert.Contains("GLIBC_2.38", report.Findings[0].Message, StringComparison.Ordinal);
            Assert.Contains("glibc 2.34", report.Findings[0].Message, StringComparison.Ordinal);
        }
    }

    [Fact]
    public async Task Inspect_WhenTheAwsBaseImageHasNoRuntimeBootstrap_ReportsBootstrapMissing()
    {
        var report = await InspectLayoutAsync(AwsBaseStyle(new ImageLayerContent().File("/var/task/function.py", "def handler(e, c): pass\n", 0b110_100_100)));

        var finding = Assert.Single(report.Findings);
        Assert.Equal(FindingCodes.BootstrapMissing, finding.Code);
        Assert.Contains("Couldn't find valid bootstrap(s)", finding.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Inspect_WhenAPythonOnAwsBaseStyleImageIsWhole_ReportsOkWithoutWarnings()
    {
        var image = AwsBaseStyle(new ImageLayerContent()
            .File("/var/runtime/bootstrap", "#!/bin/sh\nexec /var/lang/bin/python3 /var/runtime/bootstrap.py\n")
            .File("/var/task/app.py", "def handler(event, context):\n    return 1\n", 0b110_100_100)) with { Cmd = ["app.handler"] };

        var report = await InspectLayoutAsync(image);

        Assert.Equal(Verdict.Ok, report.Verdict);
        Assert.Empty(report.Findings);
    }

    [Fact]
    public async Task Inspect_WhenImageConfigGivesTheAwsEntrypointTwoArguments_ReportsImageHandlerArguments()
    {
        var image = AwsBaseStyle(new ImageLayerContent().File("/var/runtime/bootstrap", StaticX8664));

        var report = await InspectLayoutAsync(image, config: new FunctionImageConfig(Command: ["app.handler", "--debug"]));

        var finding = Assert.Single(report.Findings);
        Assert.Equal(FindingCodes.ImageHandlerArguments, finding.Code);
        Assert.Contains("exits 142", finding.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Inspect_WhenImageConfigOverridesTheEntrypointWithAMissingFile_ReportsTheOverride()
    {
        var image = GoStyle(StaticX8664);

        var good = await InspectLayoutAsync(image);
        var report = await InspectLayoutAsync(image, config: new FunctionImageConfig(EntryPoint: ["/bootstrap"]));

        Assert.Equal(Verdict.Ok, good.Verdict);
        var finding = Assert.Single(report.Findings);
        Assert.Equal(FindingCodes.ImageEntrypointMissing, finding.Code);
        Assert.Contains("function's ImageConfig", finding.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Inspect_WhenTheWorkingDirectoryIsRelative_ReportsImageWorkdirRelative()
    {
        var report = await InspectLayoutAsync(GoStyle(StaticX8664), config: new FunctionImageConfig(WorkingDirectory: "app"));

        var finding = Assert.Single(report.Findings);
        Assert.Equal(FindingCodes.ImageWorkingDirectoryRelative, finding.Code);
        Assert.Contains("Runtime.InvalidWorkingDir", finding.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Inspect_WhenTheImageSetsNoCommand_ReportsImageNoCommand()
    {
        var report = await InspectLayoutAsync(new ImageBuilder { Layers = [new ImageLayerContent().File("/main", StaticX8664)] });

        Assert.Equal(FindingCodes.ImageNoCommand, Assert.Single(report.Findings).Code);
    }

    [Fact]
    public async Task Inspect_WhenAPlainPythonImageStartsWithoutARuntimeClient_WarnsImageNoRuntimeClient()
    {
        var image = new ImageBuilder
        {
            Entrypoint = ["python3", "app.py"],
            Layers = [new ImageLayerContent().File("/usr/local/bin/python3", StaticX8664).File("/app.py", "print(1)\n", 0b110_100_100)],
        };

        var report = await InspectLayoutAsync(image);
        var withClient = await InspectLayoutAsync(image, config: new FunctionImageConfig(EntryPoint: ["python3", "-m", "awslambdaric"], Command: ["app.handler"]));

        var finding = Assert.Single(report.Findings);
        Assert.Equal(FindingCodes.ImageNoRuntimeClient, finding.Code);
        Assert.Equal(Severity.Warning, finding.Severity);
        Assert.Equal(Verdict.Ok, report.Verdict);
        Assert.Empty(withClient.Findings);
    }

    [Fact]
    public async Task Inspect_WhenLayersAreZstd_ReportsImageMediaTypeUnsupported()
    {
        var image = GoStyle(StaticX8664) with { };
        var zstd = new ImageBuilder { Entrypoint = ["/main"], Layers = image.Layers, LayerMediaTypeOverride = "application/vnd.oci.image.layer.v1.tar+zstd" };

        var report = await InspectLayoutAsync(zstd);

        var finding = Assert.Single(report.Findings);
        Assert.Equal(FindingCodes.ImageMediaTypeUnsupported, finding.Code);
        Assert.Contains("tar+zstd", finding.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Inspect_WhenTheEntrypointIsInTheTopLayer_ReadsNoLayerBelowIt()
    {
        var image = new ImageBuilder
        {
            Entrypoint = ["/main"],
            Layers = [new ImageLayerContent().File("/big", new byte[512 * 1024]), new ImageLayerContent().File("/other", "x"), new ImageLayerContent().File("/main", StaticX8664)],
        };

        var report = await InspectLayoutAsync(image);

        Assert.Equal(Verdict.Ok, report.Verdict);
        // index.json, manifest, config, and one streamed read of the top layer.
        Assert.Equal(4, report.Stats.Requests);
        Assert.True(report.Stats.BytesRead < 64 * 1024, $"read {report.Stats.BytesRead} bytes");
    }

    [Fact]
    public async Task Inspect_WhenTheImageIsADockerSaveOrOciArchive_JudgesItAsTheLayout()
    {
        var built = new ImageBuilder
        {
            DockerMediaTypes = true,
            Entrypoint = ["/main"],
            Layers = [new ImageLayerContent().File("/main", StaticX8664, 0b110_100_100)],
        }.Build();
        var dockerSave = built.WriteDockerArchive(Path.Combine(_folder, "docker-save.tar"));
        var ociArchive = built.WriteOciArchive(Path.Combine(_folder, "oci.tar"));

        foreach (var path in new[] { dockerSave, ociArchive })
        {
            Assert.True(ImageArchiveSource.IsImageArchive(path));
            await using var source = await ImageArchiveSource.OpenAsync(path, Cancel);
            var report = await ImageInspector.InspectAsync(new ImageInspectionRequest(source), Cancel);
            var finding = Assert.Single(report.Findings);
            Assert.True(finding.Code == FindingCodes.BootstrapNotExecutable, $"{path}: {finding.Code} {finding.Message}");
        }
    }
}
