using System.Formats.Tar;
using System.IO.Compression;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace Guard.Testing;

/// <summary>
/// Container images made without a daemon, byte for byte as the specs lay them out: each layer a tar written by
/// <see cref="TarWriter"/> (gzip-compressed unless told otherwise), the config and manifest as JSON, every blob named
/// by its sha256 digest. Written as an OCI image layout folder, an OCI archive, or a legacy <c>docker save</c> tar; or
/// served by <see cref="RegistryStandIn"/>. Optionally wrapped in an index with BuildKit-style attestation manifests.
/// </summary>
public sealed record ImageBuilder
{
    public const string OciManifest = "application/vnd.oci.image.manifest.v1+json";
    public const string OciIndex = "application/vnd.oci.image.index.v1+json";
    public const string DockerManifest = "application/vnd.docker.distribution.manifest.v2+json";
    public const string DockerManifestList = "application/vnd.docker.distribution.manifest.list.v2+json";

    /// <summary>GOARCH spelling: <c>amd64</c> or <c>arm64</c>.</summary>
    public string Architecture { get; init; } = "amd64";

    public string OperatingSystem { get; init; } = "linux";

    public IReadOnlyList<string>? Entrypoint { get; init; }

    public IReadOnlyList<string>? Cmd { get; init; }

    public string? WorkingDir { get; init; }

    public IReadOnlyList<string> Env { get; init; } = ["PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"];

    /// <summary>Bottom first, as a manifest lists them.</summary>
    public IReadOnlyList<ImageLayerContent> Layers { get; init; } = [];

    /// <summary>Docker's media types instead of OCI's.</summary>
    public bool DockerMediaTypes { get; init; }

    public bool GzipLayers { get; init; } = true;

    /// <summary>Replaces every layer's media type (e.g. <c>application/vnd.oci.image.layer.v1.tar+zstd</c>), leaving the bytes.</summary>
    public string? LayerMediaTypeOverride { get; init; }

    /// <summary>Wraps the image in an index with this many attestation manifests (BuildKit's provenance/SBOM); -1 for no index.</summary>
    public int IndexWithAttestations { get; init; } = -1;

    /// <summary>An amd64 image beside this one in the index (a multi-platform build).</summary>
    public ImageBuilder? OtherPlatform { get; init; }

    /// <summary>
    /// A Go function's image as <c>FROM scratch</c> builds it: a static Go binary as the ENTRYPOINT <c>/main</c> in the top
    /// layer, over a layer it does not need (so a reader that stops at the entrypoint's layer shows it).
    /// </summary>
    public static ImageBuilder GoFunction(string architecture = "amd64") => new()
    {
        Architecture = architecture,
        Entrypoint = ["/main"],
        Layers =
        [
            new ImageLayerContent().File("/etc/os-release", "ID=scratch\n"),
            new ImageLayerContent().File("/main", ElfBuilder.Static(architecture == "arm64" ? ElfBuilder.Aarch64 : ElfBuilder.X8664, go: true)),
        ],
    };

    public BuiltImage Build()
    {
        var blobs = new Dictionary<string, byte[]>(StringComparer.Ordinal);
        var (manifestDigest, manifestBytes, manifestType) = BuildManifest(blobs);
        if (IndexWithAttestations < 0)
        {
            return new BuiltImage(blobs, manifestType, manifestBytes, manifestDigest);
        }

        var manifests = new JsonArray { Descriptor(manifestType, manifestDigest, manifestBytes.Length, Architecture, OperatingSystem) };
        if (OtherPlatform is not null)
        {
            var (otherDigest, otherBytes, otherType) = OtherPlatform.BuildManifest(blobs);
            manifests.Add(Descriptor(otherType, otherDigest, otherBytes.Length, OtherPlatform.Architecture, OtherPlatform.OperatingSystem));
        }

        for (var i = 0; i < IndexWithAttestations; i++)
        {
            var statement = Add(blobs, Encoding.UTF8.GetBytes($"{{\"_type\":\"https://in-toto.io/Statement/v0.1\",\"n\":{i}}}"));
            var config = Add(blobs, "{}"u8.ToArray());
            var attestation = Json(new JsonObject
            {
                ["schemaVersion"] = 2,
                ["mediaType"] = OciManifest,
                ["config"] = Descriptor("application/vnd.oci.image.config.v1+json", config, 2),
                ["layers"] = new JsonArray { Descriptor("application/vnd.in-toto+json", statement, blobs[statement].Length) },
            });
            var digest = Add(blobs, attestation);
            var descriptor = Descriptor(OciManifest, digest, attestation.Length, "unknown", "unknown");
            descriptor["annotations"] = new JsonObject { ["vnd.docker.reference.type"] = "attestation-manifest", ["vnd.docker.reference.digest"] = manifestDigest };
            manifests.Add(descriptor);
        }

        var indexType = DockerMediaTypes ? DockerManifestList : OciIndex;
        var index = Json(new JsonObject { ["schemaVersion"] = 2, ["mediaType"] = indexType, ["manifests"] = manifests });
        return new BuiltImage(blobs, indexType, index, Add(blobs, index));
    }

    private (string Digest, byte[] Bytes, string MediaType) BuildManifest(Dictionary<string, byte[]> blobs)
    {
        var layerType = LayerMediaTypeOverride ?? (DockerMediaTypes
            ? GzipLayers ? "application/vnd.docker.image.rootfs.diff.tar.gzip" : "application/vnd.docker.image.rootfs.diff.tar"
            : GzipLayers ? "application/vnd.oci.image.layer.v1.tar+gzip" : "application/vnd.oci.image.layer.v1.tar");
        var layers = new JsonArray();
        var diffIds = new JsonArray();
        foreach (var layer in Layers)
        {
            var tar = layer.ToTar();
            diffIds.Add((JsonNode)("sha256:" + Hex(tar)));
            var blob = GzipLayers ? Gzip(tar) : tar;
            layers.Add(Descriptor(layerType, Add(blobs, blob), blob.Length));
        }

        var container = new JsonObject { [nameof(Env)] = new JsonArray([.. Env.Select(e => (JsonNode)e)]) };
        if (Entrypoint is not null)
        {
            container[nameof(Entrypoint)] = new JsonArray([.. Entrypoint.Select(e => (JsonNode)e)]);
        }

        if (Cmd is not null)
        {
            container[nameof(Cmd)] = new JsonArray([.. Cmd.Select(e => (JsonNode)e)]);
        }

        if (WorkingDir is not null)
        {
            container[nameof(WorkingDir)] = WorkingDir;
        }

        var config = Json(new JsonObject
        {
            ["architecture"] = Architecture,
            ["os"] = OperatingSystem,
            ["config"] = container,
            ["rootfs"] = new JsonObject { ["type"] = "layers", ["diff_ids"] = diffIds },
        });
        var configType = DockerMediaTypes ? "application/vnd.docker.container.image.v1+json" : "application/vnd.oci.image.config.v1+json";
        var manifestType = DockerMediaTypes ? DockerManifest : OciManifest;
        var manifest = Json(new JsonObject
        {
            ["schemaVersion"] = 2,
            ["mediaType"] = manifestType,
            ["config"] = Descriptor(configType, Add(blobs, config), config.Length),
            ["layers"] = layers,
        });
        return (Add(blobs, manifest), manifest, manifestType);
    }

    private static JsonObject Descriptor(string mediaType, string digest, long size, string? architecture = null, string? os = null)
    {
        var descriptor = new JsonObject { ["mediaType"] = mediaType, ["digest"] = digest, ["size"] = size };
        if (architecture is not null)
        {
            descriptor["platform"] = new JsonObject { ["architecture"] = architecture, ["os"] = os };
        }

        return descriptor;
    }

    private static byte[] Json(JsonNode node) => Encoding.UTF8.GetBytes(node.ToJsonString());

    private static string Add(Dictionary<string, byte[]> blobs, byte[] bytes)
    {
        var digest = "sha256:" + Hex(bytes);
        blobs[digest] = bytes;
        return digest;
    }

    public static string Hex(byte[] bytes) => Convert.ToHexStringLower(SHA256.HashData(bytes));

    private static byte[] Gzip(byte[] bytes)
    {
        using var output = new MemoryStream();
        using (var gzip = new GZipStream(output, CompressionLevel.Fastest))
        {
            gzip.Write(bytes);
        }

        return output.ToArray();
    }
}

/// <summary>An image's blobs by digest and the document its reference names (a manifest, or an index).</summary>
public sealed record BuiltImage(IReadOnlyDictionary<string, byte[]> Blobs, string TopMediaType, byte[] TopBytes, string TopDigest)
{
    /// <summary>Writes an OCI image layout folder: <c>oci-layout</c>, <c>index.json</c> pointing at the top document, <c>blobs/sha256/</c>.</summary>
    public string WriteOciLayout(string folder)
    {
        Directory.CreateDirectory(Path.Combine(folder, "blobs", "sha256"));
        File.WriteAllText(Path.Combine(folder, "oci-layout"), "{\"imageLayoutVersion\":\"1.0.0\"}");
        File.WriteAllText(Path.Combine(folder, "index.json"), LayoutIndex());
        foreach (var (digest, bytes) in Blobs)
        {
            File.WriteAllBytes(Path.Combine(folder, "blobs", "sha256", digest["sha256:".Length..]), bytes);
        }

        return folder;
    }

    /// <summary>An OCI archive: the layout, tarred (what <c>skopeo copy … oci-archive:</c> and Docker 25's <c>docker save</c> write).</summary>
    public string WriteOciArchive(string path)
    {
        using var file = File.Create(path);
        using var tar = new TarWriter(file, TarEntryFormat.Pax);
        Write(tar, "oci-layout", "{\"imageLayoutVersion\":\"1.0.0\"}"u8.ToArray());
        Write(tar, "index.json", Encoding.UTF8.GetBytes(LayoutIndex()));
        foreach (var (digest, bytes) in Blobs)
        {
            Write(tar, "blobs/sha256/" + digest["sha256:".Length..], bytes);
        }

        return path;
    }

    /// <summary>
    /// The legacy <c>docker save</c> archive (Docker 24 and older): <c>manifest.json</c> naming <c>HEX.json</c> for the
    /// config and <c>ID/layer.tar</c> for each layer, uncompressed. Only for a single image (not an index).
    /// </summary>
    public string WriteDockerArchive(string path)
    {
        var manifest = JsonNode.Parse(TopBytes)!;
        var configDigest = (string)manifest["config"]!["digest"]!;
        var configName = configDigest["sha256:".Length..] + ".json";
        var layerNames = new List<string>();
        using var file = File.Create(path);
        using var tar = new TarWriter(file, TarEntryFormat.Ustar);
        Write(tar, configName, Blobs[configDigest]);
        foreach (var layer in manifest["layers"]!.AsArray())
        {
            var blob = Blobs[(string)layer!["digest"]!];
            var tarBytes = blob is [0x1f, 0x8b, ..] ? Gunzip(blob) : blob;
            var name = ImageBuilder.Hex(tarBytes) + "/layer.tar";
            layerNames.Add(name);
            Write(tar, name, tarBytes);
        }

        var entries = new JsonArray { new JsonObject { ["Config"] = configName, ["RepoTags"] = new JsonArray("guard-test:latest"), ["Layers"] = new JsonArray([.. layerNames.Select(n => (JsonNode)n)]) } };
        Write(tar, "manifest.json", Encoding.UTF8.GetBytes(entries.ToJsonString()));
        return path;
    }

    private string LayoutIndex() => new JsonObject
    {
        ["schemaVersion"] = 2,
        ["mediaType"] = ImageBuilder.OciIndex,
        ["manifests"] = new JsonArray { new JsonObject { ["mediaType"] = TopMediaType, ["digest"] = TopDigest, ["size"] = TopBytes.Length } },
    }.ToJsonString();

    private static void Write(TarWriter tar, string name, byte[] bytes) =>
        tar.WriteEntry(new PaxTarEntry(TarEntryType.RegularFile, name) { DataStream = new MemoryStream(bytes), Mode = (UnixFileMode)0b110_100_100 });

    private static byte[] Gunzip(byte[] bytes)
    {
        using var input = new GZipStream(new MemoryStream(bytes), CompressionMode.Decompress);
        using var output = new MemoryStream();
        input.CopyTo(output);
        return output.ToArray();
    }
}

/// <summary>One layer's tar: files with their modes, folders, symlinks and the whiteouts of image-spec <c>layer.md</c>.</summary>
public sealed class ImageLayerContent
{
    private readonly List<Action<TarWriter>> _entries = [];

    public ImageLayerContent File(string path, byte[] bytes, int mode = 0b111_101_101)
    {
        _entries.Add(tar => tar.WriteEntry(new PaxTarEntry(TarEntryType.RegularFile, Relative(path)) { DataStream = new MemoryStream(bytes), Mode = (UnixFileMode)mode }));
        return this;
    }

    public ImageLayerContent File(string path, string text, int mode = 0b111_101_101) => File(path, Encoding.UTF8.GetBytes(text), mode);

    public ImageLayerContent Directory(string path)
    {
        _entries.Add(tar => tar.WriteEntry(new PaxTarEntry(TarEntryType.Directory, Relative(path) + "/") { Mode = (UnixFileMode)0b111_101_101 }));
        return this;
    }

    public ImageLayerContent Symlink(string path, string target)
    {
        _entries.Add(tar => tar.WriteEntry(new PaxTarEntry(TarEntryType.SymbolicLink, Relative(path)) { LinkName = target, Mode = (UnixFileMode)0b111_111_111 }));
        return this;
    }

    /// <summary>Deletes <paramref name="path"/> from the layers below: an empty <c>.wh.NAME</c> file beside it.</summary>
    public ImageLayerContent Whiteout(string path)
    {
        var slash = path.LastIndexOf('/');
        return File(path[..(slash + 1)] + ".wh." + path[(slash + 1)..], [], 0b110_100_100);
    }

    /// <summary>Hides everything the layers below have in <paramref name="folder"/>: <c>.wh..wh..opq</c> inside it.</summary>
    public ImageLayerContent Opaque(string folder) => File(folder.TrimEnd('/') + "/.wh..wh..opq", [], 0b110_100_100);

    public byte[] ToTar()
    {
        using var output = new MemoryStream();
        using (var tar = new TarWriter(output, TarEntryFormat.Pax, leaveOpen: true))
        {
            foreach (var write in _entries)
            {
                write(tar);
            }
        }

        return output.ToArray();
    }

    private static string Relative(string path) => path.TrimStart('/');
}
