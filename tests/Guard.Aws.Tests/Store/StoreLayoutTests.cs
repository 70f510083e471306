using System.Text.Json;
using Guard.Aws.Store;
using Guard.Inspection.Images;

namespace Guard.Aws.Tests.Store;

/// <summary>
/// The store's layout as it already is in S3: the Lambda writes it, <c>guard rollback</c> reads it, and buckets hold
/// records and code copies written by earlier releases. A change here strands them; these pin it.
/// </summary>
public sealed class StoreLayoutTests
{
    /// <summary>SHA-256 of the empty string, in Lambda's CodeSha256 form and in hex.</summary>
    private const string EmptySha256 = "47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU=";
    private const string EmptySha256Hex = "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855";

    [Fact]
    public void FunctionKey_FromQualifiedArn_KeysFollowTheStoreLayout()
    {
        var key = FunctionKey.FromArn("arn:aws:lambda:eu-west-1:123456789012:function:orders:live", "orders", null, null);

        Assert.Equal(new FunctionKey("123456789012", "eu-west-1", "orders"), key);
        Assert.Equal("good/123456789012/eu-west-1/orders.json", key.GoodKey);
        Assert.Equal("pending/123456789012/eu-west-1/orders.json", key.PendingKey);
        Assert.Equal("placeholder-tags/123456789012/eu-west-1/orders.json", key.PlaceholderTagKey);
        Assert.Equal("rollbacks/123456789012/eu-west-1/orders/rev-1.json", key.RollbackKey("rev-1"));
        Assert.Equal($"alerted/123456789012/eu-west-1/orders/broken-{EmptySha256Hex}.json", key.AlertedKey("broken", EmptySha256));
    }

    [Fact]
    public void FunctionKey_FromArnWithoutRegionOrAccount_UsesTheFallbacks()
    {
        Assert.Equal(new FunctionKey("111122223333", "us-east-2", "fn"), FunctionKey.FromArn("fn", "fn", "111122223333", "us-east-2"));
        Assert.Equal(new FunctionKey("unknown-account", "unknown-region", "fn"), FunctionKey.FromArn("fn", "fn", null, null));
    }

    [Fact]
    public void FunctionKey_FromPendingKey_IsTheInverseOfPendingKey()
    {
        var key = new FunctionKey("123456789012", "eu-west-1", "orders");

        Assert.Equal(key, FunctionKey.FromPendingKey(key.PendingKey));
        Assert.Null(FunctionKey.FromPendingKey(key.GoodKey));
    }

    [Fact]
    public void CodeKeysFor_KnownDigest_IsLowerCaseHexZipUnderTheAccount()
    {
        Assert.Equal($"code/123456789012/{EmptySha256Hex}.zip", CodeKeys.For("123456789012", EmptySha256));
    }

    [Fact]
    public void VerdictKeysFor_SettingsThatDifferOnlyInHowTheyAreSplit_DifferentKeys()
    {
        // ["a,b"] and ["a", "b"] (one layer list or two entries) must not share a verdict.
        var joined = VerdictKeys.For("123456789012", EmptySha256, ["provided.al2023", "a\nb"]);
        var split = VerdictKeys.For("123456789012", EmptySha256, ["provided.al2023", "a", "b"]);
        var absent = VerdictKeys.For("123456789012", EmptySha256, ["provided.al2023", null]);
        var empty = VerdictKeys.For("123456789012", EmptySha256, ["provided.al2023", ""]);

        Assert.StartsWith($"verdicts/123456789012/{EmptySha256Hex}/", joined, StringComparison.Ordinal);
        Assert.EndsWith(".json", joined, StringComparison.Ordinal);
        Assert.Equal(4, new HashSet<string> { joined, split, absent, empty }.Count);
        Assert.Equal(split, VerdictKeys.For("123456789012", EmptySha256, ["provided.al2023", "a", "b"]));
    }

    [Fact]
    public void VerdictKeysForImage_Digest_KeyedUnderItsHexAndNeverAZipsSettings()
    {
        var image = VerdictKeys.ForImage("123456789012", "sha256:" + EmptySha256Hex, ["build", "x86_64"]);

        Assert.StartsWith($"verdicts/123456789012/{EmptySha256Hex}/", image, StringComparison.Ordinal);
        // A zip with the same bytes' hash judged under the same list is another verdict: an image's settings are marked.
        Assert.NotEqual(VerdictKeys.For("123456789012", EmptySha256, ["build", "x86_64"]), image);
    }

    [Theory]
    [InlineData("latest")]
    [InlineData("sha256:ABC")]
    [InlineData("sha512:" + "ab")]
    public void VerdictKeysForImage_NotADigest_Throws(string digest)
    {
        Assert.Throws<FormatException>(() => VerdictKeys.ForImage("123456789012", digest, []));
    }

    [Theory]
    [InlineData("")]
    [InlineData("123456789012/../111111111111")]
    public void CodeKeysFor_AccountThatIsNotOneSegment_Throws(string account)
    {
        Assert.ThrowsAny<ArgumentException>(() => CodeKeys.For(account, EmptySha256));
    }

    [Theory]
    [InlineData("")]
    [InlineData("not base64!")]
    [InlineData(EmptySha256Hex)]
    [InlineData("AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA==")]
    public void CodeKeysFor_NotBase64Of32Bytes_Throws(string codeSha256)
    {
        Assert.Throws<FormatException>(() => CodeKeys.For("123456789012", codeSha256));
    }

    [Fact]
    public void DeployRecord_Serializes_WithTheNamesRecordsInTheStoreUse()
    {
        var record = new DeployRecord(
            "arn:aws:lambda:eu-west-1:123456789012:function:orders", EmptySha256, 10, "ok", "2024-08-01T13:52:02Z",
            "UpdateFunctionCode20150331v2", "2024-08-01T13:52:01Z", "arn:aws:iam::123456789012:user/christophe",
            Runtime: "provided.al2023", Architectures: ["arm64"], Layers: [], CodeKey: $"code/{EmptySha256Hex}.zip");

        var json = JsonSerializer.Serialize(record, StoreJsonContext.Default.DeployRecord);

        // Every property, nulls included (DefaultIgnoreCondition Never), camelCase, in declaration order.
        Assert.Equal(
            """{"functionArn":"arn:aws:lambda:eu-west-1:123456789012:function:orders","codeSha256":"47DEQpj8HBSa\u002B/TImW\u002B5JCeuQeRkm5NMpJWZG3hSuFU=","codeSize":10,"verdict":"ok","checkedAt":"2024-08-01T13:52:02Z","eventName":"UpdateFunctionCode20150331v2","eventTime":"2024-08-01T13:52:01Z","deployedBy":"arn:aws:iam::123456789012:user/christophe","account":null,"region":null,"functionName":null,"runtime":"provided.al2023","handler":null,"architectures":["arm64"],"layers":[],"codeBucket":null,"codeKey":"code/e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855.zip","imageUri":null,"imageConfig":null}""",
            json);
    }

    [Fact]
    public void DeployRecord_RoundTrips()
    {
        var record = new DeployRecord(
            "arn", "sha=", 10, "ok", "2024-01-01T00:00:00Z", "UpdateFunctionCode20150331v2", "t", "who",
            "1", "us-east-1", "fn", "provided.al2023", "bootstrap", ["x86_64"], ["arn:aws:lambda:us-east-1:1:layer:l:1"], "guard-store", "code/00.zip");

        var again = JsonSerializer.Deserialize(JsonSerializer.Serialize(record, StoreJsonContext.Default.DeployRecord), StoreJsonContext.Default.DeployRecord)!;

        // The lists compare by reference in the record's own equality.
        Assert.Equal(record with { Architectures = null, Layers = null }, again with { Architectures = null, Layers = null });
        Assert.Equal(record.Architectures, again.Architectures);
        Assert.Equal(record.Layers, again.Layers);
    }

    [Fact]
    public void DeployRecord_OfAnImage_KeepsItsDigestUnderImageUriAndNoCopy()
    {
        const string Image = "123456789012.dkr.ecr.eu-west-1.amazonaws.com/orders@sha256:e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855";
        var record = new DeployRecord(
            "arn", "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855", 0, "ok", "t", "UpdateFunctionCode20150331v2", "t", "who",
            Architectures: ["arm64"], Layers: [], ImageUri: Image);

        var json = JsonSerializer.Serialize(record, StoreJsonContext.Default.DeployRecord);
        var again = JsonSerializer.Deserialize(json, StoreJsonContext.Default.DeployRecord)!;

        Assert.Contains($"\"codeKey\":null,\"imageUri\":\"{Image}\"", json, StringComparison.Ordinal);
        Assert.DoesNotContain("isImage", json, StringComparison.Ordinal);
        Assert.True(again.IsImage);
        Assert.Equal(Image, again.ImageUri);
    }

    [Fact]
    public void DeployRecord_OfAnImageWithoutOverrides_RecordsAnImageConfigOfNullsNotNone()
    {
        // "No overrides" must read back as known (an object of nulls), distinct from a record that predates the field.
        var record = new DeployRecord("arn", "ab", 0, "ok", "t", null, null, null, ImageUri: "r@sha256:ab", ImageConfig: FunctionImageConfig.None);

        var json = JsonSerializer.Serialize(record, StoreJsonContext.Default.DeployRecord);
        var again = JsonSerializer.Deserialize(json, StoreJsonContext.Default.DeployRecord)!;

        Assert.Contains("\"imageConfig\":{\"entryPoint\":null,\"command\":null,\"workingDirectory\":null}", json, StringComparison.Ordinal);
        Assert.Equal(FunctionImageConfig.None, again.ImageConfig);
    }

    [Fact]
    public void DeployRecord_OfAnImageWithOverrides_RoundTripsItsImageConfig()
    {
        var record = new DeployRecord(
            "arn", "ab", 0, "ok", "t", null, null, null, ImageUri: "r@sha256:ab", ImageConfig: new FunctionImageConfig(["/main"], ["serve", "--port=8080"], "/srv"));

        var again = JsonSerializer.Deserialize(JsonSerializer.Serialize(record, StoreJsonContext.Default.DeployRecord), StoreJsonContext.Default.DeployRecord)!;

        Assert.Equal(["/main"], again.ImageConfig!.EntryPoint!);
        Assert.Equal(["serve", "--port=8080"], again.ImageConfig.Command!);
        Assert.Equal("/srv", again.ImageConfig.WorkingDirectory);
    }

    [Fact]
    public void DeployRecord_OfAnImageWrittenBeforeImageConfigWasKept_ReadsWithNoImageConfig()
    {
        const string Old = """{"functionArn":"arn","codeSha256":"ab","codeSize":0,"verdict":"ok","checkedAt":"t","eventName":"e","eventTime":"t","deployedBy":"who","architectures":["x86_64"],"codeKey":null,"imageUri":"r@sha256:ab"}""";

        var record = JsonSerializer.Deserialize(Old, StoreJsonContext.Default.DeployRecord)!;

        Assert.True(record.IsImage);
        Assert.Null(record.ImageConfig);
    }

    [Fact]
    public void DeployRecord_WrittenBeforeRollbackExisted_ReadsWithoutItsConfiguration()
    {
        const string Old = """{"functionArn":"arn","codeSha256":"sha=","codeSize":10,"verdict":"ok","checkedAt":"t","eventName":"e","eventTime":"t","deployedBy":"who"}""";

        var record = JsonSerializer.Deserialize(Old, StoreJsonContext.Default.DeployRecord)!;

        Assert.Equal(new DeployRecord("arn", "sha=", 10, "ok", "t", "e", "t", "who"), record);
    }
}
