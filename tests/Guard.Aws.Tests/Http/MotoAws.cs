using System.IO.Compression;
using System.Security.Cryptography;
using Guard.Aws.Http;
using Guard.Testing;

namespace Guard.Aws.Tests.Http;

/// <summary>
/// What these tests share about a running moto_server: region, credentials, a <see cref="MotoAccount"/> that
/// arranges resources there through Guard's own signed pipeline, and the zips they deploy.
/// </summary>
internal static class MotoAws
{
    public const string Region = "us-east-1";

    public static AwsCredentials Credentials { get; } = new("testing", "testing");

    /// <summary>An account on the moto_server at <paramref name="endpoint"/>, in <see cref="Region"/>.</summary>
    public static MotoAccount Account(Uri endpoint) =>
        new(AwsEnvironment.From(new Dictionary<string, string?> { ["AWS_REGION"] = Region, ["AWS_ENDPOINT_URL"] = endpoint.AbsoluteUri }), Credentials);

    /// <summary>A zip holding an executable <c>bootstrap</c> script; <paramref name="marker"/> makes its bytes unique.</summary>
    public static byte[] BootstrapZip(string marker = "hello")
    {
        using var buffer = new MemoryStream();
        using (var archive = new ZipArchive(buffer, ZipArchiveMode.Create, leaveOpen: true))
        {
            var entry = archive.CreateEntry("bootstrap");
            entry.ExternalAttributes = Convert.ToInt32("100755", 8) << 16;
            using var writer = new StreamWriter(entry.Open());
            writer.Write($"#!/bin/sh\necho {marker}\n");
        }

        return buffer.ToArray();
    }

    public static string CodeSha256(byte[] zip) => Convert.ToBase64String(SHA256.HashData(zip));
}
