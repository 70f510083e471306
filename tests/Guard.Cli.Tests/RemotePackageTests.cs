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
        var start = new ProcessStartInfo("dotnet")
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        start.ArgumentList.Add(Path.Combine(AppContext.BaseDirectory, "guard.dll"));
        foreach (var arg in args)
        {
            start.ArgumentList.Add(arg);
        }

        foreach (var (name, value) in moto.EnvironmentVariables)
        {
            start.Environment[name] = value;
        }

        using var process = Process.Start(start)!;
        var output = process.StandardOutput.ReadToEndAsync(TestContext.Current.CancellationToken);
        var error = process.StandardError.ReadToEndAsync(TestContext.Current.CancellationToken);
        await process.WaitForExitAsync(TestContext.Current.CancellationToken);
        ReportSchemaGate.AssertReportMatches(args, await output);
        return (process.ExitCode, await output, await error);
    }
}
