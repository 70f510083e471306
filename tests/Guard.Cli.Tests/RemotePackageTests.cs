using System.Diagnostics;
using System.Net;
using Amazon.Runtime;
using Amazon.S3;
using Amazon.S3.Model;
using Guard.Cli.Tests.Support;
using Guard.Testing;

namespace Guard.Cli.Tests;

/// <summary>
/// <c>guard check</c> on presigned URLs and S3 objects, run as a real process so its AWS configuration comes
/// from the environment exactly as it does for a user (here: a moto_server started by the test).
/// </summary>
public sealed class RemotePackageTests(MotoServer moto) : IClassFixture<MotoServer>
{
    private static readonly byte[] Package = new PackageBuilder()
        .AddFile("bootstrap", ElfBuilder.Static(ElfBuilder.Aarch64), PackageBuilder.ExecutableMode)
        .ToArray();

    [Fact]
    public async Task Check_PresignedUrl_IsInspectedWithoutPrintingTheSignature()
    {
        await using var server = LocalHttpServer.Start();
        var url = server.Serve("/snapshots/function.zip", Package);
        var presigned = new Uri(url, "?X-Amz-Security-Token=SECRETTOKEN&X-Amz-Signature=SECRETSIGNATURE");

        var (exitCode, output, error) = await RunGuardAsync(["check", presigned.ToString(), "--architecture", "arm64", "--format", "json"]);

        Assert.Equal(ExitCodes.Ok, exitCode);
        Assert.Contains("\"verdict\": \"ok\"", output, StringComparison.Ordinal);
        Assert.DoesNotContain("SECRET", output + error, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Check_WhenUrlAnswers404_ExitsTwoWithOneLine()
    {
        await using var server = LocalHttpServer.Start();
        var url = server.Serve("/function.zip", Package);
        server.FailWith = HttpStatusCode.NotFound;

        var (exitCode, output, error) = await RunGuardAsync(["check", url + "?X-Amz-Signature=SECRET"]);

        Assert.Equal(ExitCodes.UsageOrUnavailable, exitCode);
        Assert.Empty(output);
        var line = Assert.Single(error.Split('\n', StringSplitOptions.RemoveEmptyEntries));
        Assert.StartsWith("guard: ", line, StringComparison.Ordinal);
        Assert.Contains("not found", line, StringComparison.Ordinal);
        Assert.DoesNotContain("SECRET", line, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Check_WhenHostIsUnreachable_ExitsTwoWithOneLine()
    {
        var (exitCode, _, error) = await RunGuardAsync(["check", "http://127.0.0.1:9/function.zip"]);

        Assert.Equal(ExitCodes.UsageOrUnavailable, exitCode);
        Assert.Single(error.Split('\n', StringSplitOptions.RemoveEmptyEntries));
        Assert.DoesNotContain("   at ", error, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Check_S3Object_IsInspectedWithRangedReads()
    {
        var bucket = await CreateBucketWithAsync("packages", "builds/function.zip", Package);

        var (exitCode, output, _) = await RunGuardAsync(["check", $"s3://{bucket}/builds/function.zip", "--architecture", "x86_64"]);

        Assert.Equal(ExitCodes.Broken, exitCode);
        Assert.Contains("BOOTSTRAP_WRONG_ARCH", output, StringComparison.Ordinal);
        Assert.Contains($"s3://{bucket}/builds/function.zip", output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Check_WhenS3ObjectIsMissing_ExitsTwoWithOneLine()
    {
        var bucket = await CreateBucketWithAsync("empty", "other.zip", Package);

        var (exitCode, _, error) = await RunGuardAsync(["check", $"s3://{bucket}/missing.zip"]);

        Assert.Equal(ExitCodes.UsageOrUnavailable, exitCode);
        Assert.Equal($"guard: s3://{bucket}/missing.zip: not found", error.Trim());
    }

    [Fact]
    public async Task Check_TemplateAfterCloudFormationPackage_JudgesEachFunctionFromItsS3Object()
    {
        var cancel = TestContext.Current.CancellationToken;
        var app = Directory.CreateTempSubdirectory("guard-cfn-package-");
        try
        {
            await File.WriteAllBytesAsync(Path.Combine(app.FullName, "good.zip"), Package, cancel);
            await File.WriteAllBytesAsync(
                Path.Combine(app.FullName, "broken.zip"),
                new PackageBuilder().AddFile("bootstrap", ElfBuilder.Static(ElfBuilder.Aarch64), PackageBuilder.RegularFileMode).ToArray(),
                cancel);
            await File.WriteAllTextAsync(Path.Combine(app.FullName, "template.yaml"), """
                AWSTemplateFormatVersion: "2010-09-09"
                Transform: AWS::Serverless-2016-10-31
                Globals:
                  Function:
                    Runtime: provided.al2023
                    Handler: bootstrap
                    Architectures: [arm64]
                Resources:
                  GoodFunction:
                    Type: AWS::Serverless::Function
                    Properties:
                      CodeUri: good.zip
                  BrokenFunction:
                    Type: AWS::Serverless::Function
                    Properties:
                      CodeUri: broken.zip
                """, cancel);
            var bucket = $"artifacts-{Guid.NewGuid():N}"[..30];
            using (var s3 = moto.S3Witness())
            {
                await s3.PutBucketAsync(bucket, cancel);
            }

            // The real `aws cloudformation package`: it uploads each CodeUri to the bucket and rewrites it to s3://.
            var (packageExit, packageOutput, packageError) = await RunAsync(
                "aws", ["cloudformation", "package", "--template-file", "template.yaml", "--s3-bucket", bucket, "--output-template-file", "packaged.yaml"], app.FullName);
            Assert.True(packageExit == 0, packageOutput + packageError);
            var packaged = await File.ReadAllTextAsync(Path.Combine(app.FullName, "packaged.yaml"), cancel);
            Assert.Contains($"s3://{bucket}/", packaged, StringComparison.Ordinal);

            var (exitCode, output, error) = await RunGuardAsync(["check", Path.Combine(app.FullName, "packaged.yaml"), "--format", "json"]);

            Assert.True(exitCode == ExitCodes.Broken, output + error);
            using var json = System.Text.Json.JsonDocument.Parse(output);
            var verdicts = json.RootElement.GetProperty("functions").EnumerateArray()
                .ToDictionary(f => f.GetProperty("logicalId").GetString()!, f => f.GetProperty("verdict").GetString());
            Assert.Equal("ok", verdicts["GoodFunction"]);
            Assert.Equal("broken", verdicts["BrokenFunction"]);
            Assert.Contains($"s3://{bucket}/", output, StringComparison.Ordinal);
        }
        finally
        {
            app.Delete(recursive: true);
        }
    }

    private async Task<(int ExitCode, string Output, string Error)> RunAsync(string tool, string[] args, string workingDirectory)
    {
        var home = Environment.GetEnvironmentVariable("HOME") ?? "";
        var path = new[] { Path.Combine(home, ".pyenv", "shims", tool) }.FirstOrDefault(File.Exists)
            ?? throw new InvalidOperationException($"{tool} is not in ~/.pyenv/shims (the machine image has it; elsewhere pip install awscli)");
        var run = await ExternalProcess.RunAsync(path, args, TestContext.Current.CancellationToken, new() { WorkingDirectory = workingDirectory, Environment = moto.EnvironmentVariables });
        return (run.ExitCode, run.Output, run.Errors);
    }

    private async Task<string> CreateBucketWithAsync(string prefix, string key, byte[] content)
    {
        var bucket = $"{prefix}-{Guid.NewGuid():N}"[..30];
        // Arranged with AWSSDK.S3, not Guard's client: only the guard process under test reads through Guard's.
        using var s3 = moto.S3Witness();
        await s3.PutBucketAsync(bucket, TestContext.Current.CancellationToken);
        await s3.PutObjectAsync(new PutObjectRequest { BucketName = bucket, Key = key, InputStream = new MemoryStream(content) }, TestContext.Current.CancellationToken);
        return bucket;
    }

    private async Task<(int ExitCode, string Output, string Error)> RunGuardAsync(string[] args)
    {
        var run = await ExternalProcess.RunAsync("dotnet", [Path.Combine(AppContext.BaseDirectory, "guard.dll"), .. args], TestContext.Current.CancellationToken, new() { Environment = moto.EnvironmentVariables });
        ReportSchemaGate.AssertReportMatches(args, run.Output);
        return (run.ExitCode, run.Output, run.Errors);
    }
}
