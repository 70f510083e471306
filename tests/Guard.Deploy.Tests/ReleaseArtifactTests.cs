using System.Security.Cryptography;
using Guard.Testing;

namespace Guard.Deploy.Tests;

/// <summary>
/// <c>build/release-artifact.sh</c> run on the release zips <c>build/test-fixtures.sh</c> built (never a Native AOT
/// build here): Guard deployable as it is, without .NET, SAM or a build.
/// </summary>
public sealed class ReleaseArtifact : IAsyncLifetime
{
    public string Zips { get; } = PrebuiltFixtures.Require(Path.Combine("release", "dist"));

    public string Out { get; } = Path.Combine(Directory.CreateTempSubdirectory("guard-release-").FullName, "release");

    public static string Version { get; } = File.ReadAllLines(Path.Combine(Repository.Root, "functions", "Guard.Cli", "Guard.Cli.csproj"))
        .Select(line => line.Trim()).Single(line => line.StartsWith("<Version>", StringComparison.Ordinal))
        .Replace("<Version>", "", StringComparison.Ordinal).Replace("</Version>", "", StringComparison.Ordinal);

    public string Template => File.ReadAllText(Path.Combine(Out, "template.yaml"));

    public async ValueTask InitializeAsync()
    {
        var (exitCode, output, error) = await Repository.RunAsync("bash", ["build/release-artifact.sh", Zips, Out], TimeSpan.FromMinutes(2));
        Assert.True(exitCode == 0, $"build/release-artifact.sh exited {exitCode}:\n{output}{error}");
    }

    public ValueTask DisposeAsync()
    {
        Directory.Delete(Path.GetDirectoryName(Out)!, recursive: true);
        return ValueTask.CompletedTask;
    }
}

public sealed class ReleaseArtifactTests(ReleaseArtifact release) : IClassFixture<ReleaseArtifact>
{
    [Fact]
    public void Template_GuardFunction_RunsTheZipOfItsArchitectureFromS3InsteadOfBuildingTheSource()
    {
        var template = release.Template;

        Assert.DoesNotContain("functions/Guard.Function", template, StringComparison.Ordinal);
        Assert.DoesNotContain("BuildMethod", template, StringComparison.Ordinal);
        Assert.Contains("""
                  CodeUri:
                    Bucket: !Ref CodeBucket
                    Key: !Sub "${CodeKeyPrefix}guard-${Architecture}.zip"
            """.ReplaceLineEndings("\n"), template, StringComparison.Ordinal);
        Assert.Contains($"    Default: guard/{ReleaseArtifact.Version}/", template, StringComparison.Ordinal);
    }

    [Fact]
    public void Template_CarriesTheServerlessApplicationRepositoryMetadataOfThisVersion()
    {
        var template = release.Template;

        Assert.Contains("  AWS::ServerlessRepo::Application:\n    Name: lambda-bootstrap-guard\n", template, StringComparison.Ordinal);
        Assert.Contains($"    SemanticVersion: {ReleaseArtifact.Version}\n", template, StringComparison.Ordinal);
    }

    [Fact]
    public async Task CfnLint_OnTheReleaseTemplate_ReportsNothing()
    {
        var cfnLint = Repository.RequireTool("cfn-lint", "pip install cfn-lint (the machine image has it under ~/.pyenv/shims); this check never skips");

        var (exitCode, output, error) = await Repository.RunAsync(cfnLint, ["--", Path.Combine(release.Out, "template.yaml"), Path.Combine(release.Out, "member.yaml")], TimeSpan.FromMinutes(3));

        Assert.True(exitCode == 0, $"cfn-lint exited {exitCode}:\n{output}{error}");
        Assert.Equal("", output.Trim());
    }

    [Theory]
    [InlineData("guard-arm64.zip")]
    [InlineData("guard-x86_64.zip")]
    public void Zips_AreTheReleaseZipsGuardChecked(string name)
    {
        Assert.Equal(File.ReadAllBytes(Path.Combine(release.Zips, name)), File.ReadAllBytes(Path.Combine(release.Out, name)));
    }

    [Fact]
    public void MemberTemplate_IsOrgMemberYaml_AndSha256SumsListEveryFile()
    {
        Assert.Equal(File.ReadAllText(Repository.MemberTemplatePath), File.ReadAllText(Path.Combine(release.Out, "member.yaml")));

        var sums = File.ReadAllLines(Path.Combine(release.Out, "SHA256SUMS")).Select(line => line.Split("  ")).ToDictionary(p => p[1], p => p[0]);
        Assert.Equal(["guard-arm64.zip", "guard-x86_64.zip", "member.yaml", "template.yaml"], sums.Keys.Order(StringComparer.Ordinal));
        foreach (var (file, sum) in sums)
        {
            Assert.Equal(Convert.ToHexStringLower(SHA256.HashData(File.ReadAllBytes(Path.Combine(release.Out, file)))), sum);
        }
    }
}

/// <summary>
/// <c>.github/workflows/release.yml</c> builds with <c>build/release.sh</c>, the script a developer runs, and uploads what
/// it makes (the script itself is not run here: it would rebuild every Native AOT binary).
/// </summary>
public sealed class ReleaseWorkflowTests
{
    private static readonly string Workflow = File.ReadAllText(Path.Combine(Repository.Root, ".github", "workflows", "release.yml"));

    [Fact]
    public void ReleaseWorkflow_OnAVersionTag_RunsBuildReleaseShAndUploadsItsOutput()
    {
        Assert.Contains("tags: [\"v[0-9]+.[0-9]+.[0-9]+\"]", Workflow, StringComparison.Ordinal);
        Assert.Contains("run: VERSION=\"${GITHUB_REF_NAME#v}\" build/release.sh dist/release", Workflow, StringComparison.Ordinal);
        Assert.Contains("dist/release/*.tar.gz dist/release/*.zip dist/release/nuget/*.nupkg", Workflow, StringComparison.Ordinal);
        Assert.True(File.Exists(Path.Combine(Repository.Root, "build", "release.sh")));
    }

    [Fact]
    public void ReleaseSh_MakesTheToolTheAotClisAndTheReleaseArtifact_WithTheScriptsThatBuildThem()
    {
        var script = File.ReadAllText(Path.Combine(Repository.Root, "build", "release.sh"));

        Assert.Contains("dotnet pack functions/Guard.Cli/Guard.Cli.csproj", script, StringComparison.Ordinal);
        Assert.Contains("bash build/publish-cli.sh", script, StringComparison.Ordinal);
        Assert.Contains("bash build/package.sh zips", script, StringComparison.Ordinal);
        Assert.Contains("bash build/release-artifact.sh", script, StringComparison.Ordinal);
    }
}

/// <summary>
/// The release deployed as docs/guard-lambda.md says (its folder uploaded under one prefix, template.yaml given
/// CodeBucket): the framework-dependent guard the release build checked its zips with reads the packaged template
/// and finds GuardFunction's code in S3 (moto_server), the zip of the Architecture chosen, and passes it.
/// </summary>
public sealed class ReleaseArtifactDeployTests(ReleaseArtifact release) : IClassFixture<ReleaseArtifact>
{
    private const string Bucket = "guard-releases";

    [Theory]
    [InlineData("arm64")]
    [InlineData("x86_64")]
    public async Task GuardCheck_OnTheReleaseTemplateWithItsZipsUploaded_PassesTheZipOfTheChosenArchitecture(string architecture)
    {
        var guard = PrebuiltFixtures.Require(Path.Combine("release", "artifacts", "cli", "bin", "Guard.Cli", "release", "guard.dll"));
        var cancel = TestContext.Current.CancellationToken;
        await using var moto = await MotoServer.StartAsync(cancel);
        using (var s3 = moto.S3Witness())
        {
            await s3.PutBucketAsync(Bucket, cancel);
            foreach (var name in new[] { "guard-arm64.zip", "guard-x86_64.zip" })
            {
                await s3.PutObjectAsync(new Amazon.S3.Model.PutObjectRequest { BucketName = Bucket, Key = $"guard/{ReleaseArtifact.Version}/{name}", FilePath = Path.Combine(release.Out, name) }, cancel);
            }
        }

        var environment = moto.EnvironmentVariables.Where(v => v.Value is not null).ToDictionary(v => v.Key, v => v.Value!);
        var (exitCode, output, error) = await Repository.RunAsync(
            "dotnet",
            [guard, "check", Path.Combine(release.Out, "template.yaml"), "--format", "json", "--parameter-overrides", $"CodeBucket={Bucket}", $"Architecture={architecture}"],
            TimeSpan.FromMinutes(2),
            environment: environment);

        Assert.True(exitCode == 0, $"guard check exited {exitCode}:\n{output}{error}");
        using var json = System.Text.Json.JsonDocument.Parse(output);
        var function = Assert.Single(json.RootElement.GetProperty("functions").EnumerateArray());
        Assert.Equal("GuardFunction", function.GetProperty("logicalId").GetString());
        Assert.Equal("ok", function.GetProperty("verdict").GetString());
        Assert.Equal($"s3://{Bucket}/guard/{ReleaseArtifact.Version}/guard-{architecture}.zip", function.GetProperty("codePath").GetString());
    }
}
