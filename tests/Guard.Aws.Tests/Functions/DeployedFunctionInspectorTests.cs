using Guard.Aws.Functions;
using Guard.Aws.Http;
using Guard.Aws.Lambda;
using Guard.Inspection;
using Guard.Inspection.Reading;
using Guard.Inspection.Reporting;
using Guard.Inspection.Rules;
using Guard.Testing;

namespace Guard.Aws.Tests.Functions;

public sealed class DeployedFunctionInspectorTests
{
    private const string LayerArn = "arn:aws:lambda:us-east-1:266106314375:layer:bootstrap:3";
    private static readonly Uri LayerLocation = new("https://awslambda-us-east-1-layers.s3.us-east-1.amazonaws.com/snapshots/bootstrap-3?X-Amz-Signature=secret");

    private static readonly byte[] GoodZip = new PackageBuilder().AddFile("bootstrap", ElfBuilder.Static(ElfBuilder.X8664, go: true), PackageBuilder.ExecutableMode).ToArray();
    private static readonly byte[] NoBootstrapZip = new PackageBuilder().AddFile("handler.txt", "code").ToArray();

    private readonly FunctionCatalogStandIn _lambda = new();
    private readonly DisposalCountingOpener _packages = new();

    private static CancellationToken Cancel => TestContext.Current.CancellationToken;

    private DeployedFunctionInspector Inspector => new(_lambda, _packages, new PackageInspector(), RuntimeCatalog.Default);

    [Fact]
    public async Task Inspect_BootstrapOnlyInALayer_OkWithPackageAndLayerNamedByTheirArns()
    {
        var function = Deploy("layered-fn", NoBootstrapZip, layers: [LayerArn]);
        _lambda.AddLayer(LayerArn, LayerLocation.AbsoluteUri);
        _packages.Serve(LayerLocation, GoodZip);

        var inspection = await Inspector.InspectAsync(function, target: null, Cancel);

        var report = inspection.Report!;
        Assert.Equal(Verdict.Ok, report.Verdict);
        Assert.Equal(function.Configuration.FunctionArn, report.Source);
        Assert.DoesNotContain(report.Findings, f => f.Message.Contains("X-Amz-Signature", StringComparison.Ordinal));
        Assert.Equal((2, 2), (_packages.Opened, _packages.Disposed));
    }

    [Fact]
    public async Task Inspect_ManagedRuntime_NotCheckedAndOpensNothing()
    {
        var function = Deploy("unjudged-fn", GoodZip, runtime: "python3.12");

        var inspection = await Inspector.InspectAsync(function, target: null, Cancel);

        Assert.Null(inspection.Report);
        Assert.StartsWith("managed runtime python3.12", inspection.NotCheckedBecause, StringComparison.Ordinal);
        Assert.Equal(0, _packages.Opened);
    }

    [Fact]
    public async Task Inspect_ManagedRuntimeWithAnExtensionLayer_JudgesTheLayerAndNeverOpensTheCode()
    {
        var extension = await CCompiler.CompileAsync(CCompiler.Aarch64, cancellationToken: Cancel);
        var function = Deploy("python-fn", NoBootstrapZip, runtime: "python3.12", layers: [LayerArn]);
        _lambda.AddLayer(LayerArn, LayerLocation.AbsoluteUri);
        _packages.Serve(LayerLocation, new PackageBuilder().AddFile("extensions/agent", extension, PackageBuilder.ExecutableMode).ToArray());

        var inspection = await Inspector.InspectAsync(function, target: null, Cancel);

        var report = inspection.Report!;
        Assert.Equal((Verdict.Broken, FindingCodes.ExtensionWrongArch), (report.Verdict, report.LeadingFinding!.Code));
        Assert.Equal(function.Configuration.FunctionArn, report.Source);
        // The layer only, closed: the function's Code.Location is never opened.
        Assert.Equal((1, 1), (_packages.Opened, _packages.Disposed));
    }

    [Fact]
    public async Task Inspect_WhenALayerCannotBeLookedUp_ThrowsAndClosesThePackageItOpened()
    {
        var function = Deploy("missing-layer-fn", NoBootstrapZip, layers: [LayerArn]);

        await Assert.ThrowsAsync<AwsServiceException>(() => Inspector.InspectAsync(function, target: null, Cancel));

        Assert.Equal((1, 1), (_packages.Opened, _packages.Disposed));
    }

    [Fact]
    public async Task Inspect_WithoutCodeLocation_ThrowsPackageUnavailableNamingTheFunction()
    {
        var function = Deploy("no-location-fn", GoodZip) with { CodeLocation = null };

        var error = await Assert.ThrowsAsync<PackageUnavailableException>(() => Inspector.InspectAsync(function, target: null, Cancel));

        Assert.Contains("no-location-fn", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Inspect_ByNameWithAdjustedArchitecture_JudgesUnderTheAdjustedSettings()
    {
        Deploy("x86-fn", GoodZip);

        var (function, inspection) = await Inspector.InspectAsync("x86-fn", own => own with { Architectures = ["arm64"] }, Cancel);

        Assert.Equal(["x86_64"], function.Configuration.Architectures);
        Assert.Equal(Verdict.Broken, inspection.Report!.Verdict);
        Assert.Equal(FindingCodes.BootstrapWrongArch, inspection.Report.LeadingFinding!.Code);
    }

    [Fact]
    public async Task Inspect_StoredCopyUnderAManagedRuntime_NotCheckedAndTheCopyClosed()
    {
        var copy = new DisposalCountingSource(new InMemoryRangeSource(GoodZip));

        var inspection = await Inspector.InspectAsync(copy, new FunctionTarget("nodejs20.x", ["x86_64"], [], null, null), Cancel);

        Assert.Null(inspection.Report);
        Assert.True(copy.Disposed);
    }

    [Fact]
    public async Task Inspect_TheFunctionsOwnLdLibraryPath_DecidesWhetherAVendoredLibraryIsFound()
    {
        var crypt = await NativeBuild.LibraryAsync(NativeArchitecture.X8664, "libcrypt.so.1", new Dictionary<string, IReadOnlyList<string>> { ["XCRYPT_2.0"] = ["crypt_r"] }, cancellationToken: Cancel);
        var program = await NativeBuild.ProgramCallingAsync(NativeArchitecture.X8664, [crypt], cancellationToken: Cancel);
        var zip = new PackageBuilder().AddFile("bootstrap", program, PackageBuilder.ExecutableMode).AddFile("vendor/libcrypt.so.1", crypt.Bytes).ToArray();
        var function = Deploy("vendored-fn", zip);

        // The configuration Lambda returned: no LD_LIBRARY_PATH of its own (provided.al2023 lacks libcrypt.so.1), or one naming vendor/.
        var unset = await Inspector.InspectAsync(function with { Configuration = function.Configuration with { Environment = FunctionEnvironment.Default } }, target: null, Cancel);
        var naming = await Inspector.InspectAsync(function with { Configuration = function.Configuration with { Environment = new FunctionEnvironment("/var/task/vendor") } }, target: null, Cancel);

        Assert.Equal(FindingCodes.BootstrapLibraryMissing, Assert.Single(unset.Report!.Findings).Code);
        Assert.Equal(Verdict.Ok, naming.Report!.Verdict);
        Assert.Empty(naming.Report.Findings);
    }

    private FunctionDetails Deploy(string name, byte[] zip, string runtime = "provided.al2023", string packageType = "Zip", IReadOnlyList<string>? layers = null)
    {
        var details = _lambda.Add(name, zip, runtime, packageType: packageType, layers: layers);
        _packages.Serve(new Uri(details.CodeLocation!), zip);
        return details;
    }

    private sealed class DisposalCountingOpener : IPackageOpener
    {
        private readonly InMemoryPackageOpener _inner = new();
        private int _disposed;

        public int Opened => _inner.Opened;

        public int Disposed => Volatile.Read(ref _disposed);

        public void Serve(Uri location, byte[] zip) => _inner.Serve(location, zip);

        public IRangeSource Open(Uri location) => new DisposalCountingSource(_inner.Open(location), () => Interlocked.Increment(ref _disposed));
    }

    private sealed class DisposalCountingSource(IRangeSource inner, Action? onDispose = null) : IRangeSource
    {
        public bool Disposed { get; private set; }

        public string DisplayName => inner.DisplayName;

        public ValueTask<TailRead> ReadTailAsync(Memory<byte> destination, CancellationToken cancellationToken) => inner.ReadTailAsync(destination, cancellationToken);

        public ValueTask<int> ReadAsync(long offset, Memory<byte> destination, CancellationToken cancellationToken) => inner.ReadAsync(offset, destination, cancellationToken);

        public ValueTask DisposeAsync()
        {
            Disposed = true;
            onDispose?.Invoke();
            return inner.DisposeAsync();
        }
    }
}
