using System.Diagnostics;
using System.Text;
using Guard.Cli.Apps;
using Guard.Cli.Images;
using Guard.Cli.Tests.Support;
using Guard.Inspection.Images;
using Guard.Inspection.Reading;
using Guard.Inspection.Rules;
using Guard.Testing;

namespace Guard.Cli.Tests.Images;

/// <summary>
/// Registry credentials as Docker finds them: <c>credHelpers</c>, then <c>credsStore</c>, then <c>auths</c>. The helpers
/// are small shell scripts put in a folder of their own that stands for PATH.
/// </summary>
public sealed class DockerConfigTests : IDisposable
{
    /// <summary>Answers for any server, and leaves what reached its stdin in <c>NAME.asked</c> beside it.</summary>
    private const string AnsweringHelper = """
        #!/bin/sh
        [ "$1" = get ] || exit 3
        read -r server
        printf '%s' "$server" > "$0.asked"
        printf '{"ServerURL":"%s","Username":"ci","Secret":"s3cret"}\n' "$server"
        """;

    private readonly Scratch _scratch = new();

    public void Dispose() => _scratch.Dispose();

    private static CancellationToken Cancel => TestContext.Current.CancellationToken;

    private DockerConfig Config(string json, params (string Name, string Script)[] helpers)
    {
        _scratch.Write("docker/config.json", json);
        var bin = _scratch.Folder("bin");
        foreach (var (name, script) in helpers)
        {
            _scratch.Write($"bin/docker-credential-{name}", script.ReplaceLineEndings("\n") + "\n", Scratch.Executable);
        }

        return new DockerConfig(_scratch.PathOf("docker"), bin);
    }

    private string Asked(string helper) => File.ReadAllText(_scratch.PathOf($"bin/docker-credential-{helper}.asked"));

    private static string Auth(string pair) => Convert.ToBase64String(Encoding.UTF8.GetBytes(pair));

    [Fact]
    public async Task CredentialForAsync_WhenTheConfigHasAnAuthsEntry_ReturnsItsUserAndSecret()
    {
        var auth = Auth("AWS:s3cret:with:colons");
        var config = Config("{\"auths\":{\"registry.example.com\":{\"auth\":\"" + auth + "\"},\"https://index.docker.io/v1/\":{\"auth\":\"" + auth + "\"}}}");

        var credential = await config.CredentialForAsync("registry.example.com", Cancel);

        Assert.Equal("AWS", credential!.UserName);
        Assert.Equal("s3cret:with:colons", credential.Secret);
        Assert.DoesNotContain("s3cret", credential.ToString(), StringComparison.Ordinal);
        Assert.NotNull(await config.CredentialForAsync("docker.io", Cancel));
        Assert.Null(await config.CredentialForAsync("other.example.com", Cancel));
    }

    [Fact]
    public async Task CredentialForAsync_WhenCredHelpersNamesAHelperForTheRegistry_AsksItBeforeTheStoreAndAuths()
    {
        var config = Config(
            "{\"credHelpers\":{\"registry.example.com\":\"answering\"},\"credsStore\":\"store\",\"auths\":{\"registry.example.com\":{\"auth\":\"" + Auth("old:pass") + "\"}}}",
            ("answering", AnsweringHelper),
            ("store", "#!/bin/sh\nexit 1"));

        var credential = await config.CredentialForAsync("registry.example.com", Cancel);

        Assert.Equal(new RegistryCredential("ci", "s3cret"), credential);
        Assert.Equal("registry.example.com", Asked("answering"));
    }

    [Fact]
    public async Task CredentialForAsync_WhenOnlyCredsStoreIsSet_AsksItWithDockerHubsServerAddress()
    {
        var config = Config("{\"auths\":{\"https://index.docker.io/v1/\":{}},\"credsStore\":\"answering\"}", ("answering", AnsweringHelper));

        var credential = await config.CredentialForAsync("docker.io", Cancel);

        Assert.Equal("s3cret", credential!.Secret);
        Assert.Equal("https://index.docker.io/v1/", Asked("answering"));
    }

    [Fact]
    public async Task CredentialForAsync_WhenTheStoreHoldsNothingForTheRegistry_GoesAnonymous()
    {
        var config = Config("{\"credsStore\":\"empty\"}", ("empty", "#!/bin/sh\necho 'credentials not found in native keychain'\nexit 1"));

        Assert.Null(await config.CredentialForAsync("registry.example.com", Cancel));
    }

    [Fact]
    public async Task CredentialForAsync_WhenTheHelperIsNotOnPath_FailsNamingItAndTheSetting()
    {
        var config = Config("{\"credHelpers\":{\"registry.example.com\":\"gone\"}}");

        var e = await Assert.ThrowsAsync<PackageUnavailableException>(() => config.CredentialForAsync("registry.example.com", Cancel));

        Assert.StartsWith("docker-credential-gone (the Docker config's credHelpers[\"registry.example.com\"]", e.Message, StringComparison.Ordinal);
        Assert.Contains("is not on PATH", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task CredentialForAsync_WhenTheHelperFails_FailsWithItsExitCodeAndMessage()
    {
        var config = Config("{\"credsStore\":\"locked\"}", ("locked", "#!/bin/sh\necho 'the keychain is locked' >&2\nexit 4"));

        var e = await Assert.ThrowsAsync<PackageUnavailableException>(() => config.CredentialForAsync("registry.example.com", Cancel));

        Assert.Contains("docker-credential-locked", e.Message, StringComparison.Ordinal);
        Assert.EndsWith("failed (exit 4): the keychain is locked", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task CredentialForAsync_WhenTheHelperHangs_StopsItAtTheDeadline()
    {
        var config = Config("{\"credsStore\":\"hanging\"}", ("hanging", "#!/bin/sh\nsleep 120"));
        using var deadline = CancellationTokenSource.CreateLinkedTokenSource(Cancel);
        deadline.CancelAfter(TimeSpan.FromSeconds(1));
        var clock = Stopwatch.StartNew();

        var e = await Assert.ThrowsAsync<PackageUnavailableException>(() => config.CredentialForAsync("registry.example.com", deadline.Token));

        Assert.Contains("docker-credential-hanging", e.Message, StringComparison.Ordinal);
        Assert.Contains("did not answer in time", e.Message, StringComparison.Ordinal);
        Assert.True(clock.Elapsed < TimeSpan.FromSeconds(60), $"the helper ran {clock.Elapsed} past a 1 s deadline");
    }

    [Fact]
    public async Task CredentialForAsync_WhenTheHelperWritesWithoutEnd_StopsAtTheCap()
    {
        var config = Config("{\"credsStore\":\"endless\"}", ("endless", "#!/bin/sh\nexec yes"));

        var e = await Assert.ThrowsAsync<PackageUnavailableException>(() => config.CredentialForAsync("registry.example.com", Cancel));

        Assert.Contains("docker-credential-endless", e.Message, StringComparison.Ordinal);
        Assert.Contains("wrote more than 64 KiB", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task CredentialForAsync_WhenTheHelperGivesAnIdentityToken_SaysGuardDoesNotUseItWithoutShowingIt()
    {
        var config = Config(
            "{\"credsStore\":\"oauth\"}",
            ("oauth", "#!/bin/sh\nprintf '{\"ServerURL\":\"r\",\"Username\":\"<token>\",\"Secret\":\"refresh-s3cret\"}'"));

        var e = await Assert.ThrowsAsync<PackageUnavailableException>(() => config.CredentialForAsync("registry.example.com", Cancel));

        Assert.Contains("identity token", e.Message, StringComparison.Ordinal);
        Assert.DoesNotContain("refresh-s3cret", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Check_WhenTheRegistrysHelperAnswers_ReadsThePrivateImageWithItsCredential()
    {
        await using var registry = RegistryStandIn.Start(GoodImage(), requireToken: true, credential: ("ci", "s3cret"));
        var config = Config("{\"credHelpers\":{\"" + registry.Host + "\":\"answering\"}}", ("answering", AnsweringHelper));

        var result = await ImageCheck.RunAsync(new ImageRequest(registry.Reference(), Architecture.X8664), TimeSpan.FromSeconds(60), ecr: null, config, Cancel);

        Assert.True(result.Outcome == Outcome.Ok, result.Reason);
        Assert.Contains("GET /token", registry.Requests);
    }

    [Fact]
    public async Task Check_WhenTheRegistrysHelperIsMissing_IsNotCheckedAndExitsTwoNamingIt()
    {
        await using var registry = RegistryStandIn.Start(GoodImage(), requireToken: true, credential: ("ci", "s3cret"));
        var config = Config("{\"credHelpers\":{\"" + registry.Host + "\":\"gone\"}}");

        var result = await ImageCheck.RunAsync(new ImageRequest(registry.Reference(), Architecture.X8664), TimeSpan.FromSeconds(60), ecr: null, config, Cancel);

        Assert.Equal(ExitCodes.UsageOrUnavailable, ExitCodePolicy.ExitCodeOf(result, FailOn.Error));
        Assert.Contains("docker-credential-gone", result.Reason, StringComparison.Ordinal);
        Assert.Empty(registry.Requests);
    }

    private static BuiltImage GoodImage() => new ImageBuilder
    {
        Entrypoint = ["/main"],
        Layers = [new ImageLayerContent().File("/main", ElfBuilder.Static(ElfBuilder.X8664))],
    }.Build();
}
