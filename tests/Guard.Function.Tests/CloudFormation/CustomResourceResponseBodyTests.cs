using System.Text;
using System.Text.Json;
using Guard.Function.CloudFormation;

namespace Guard.Function.Tests.CloudFormation;

public sealed class CustomResourceResponseBodyTests
{
    private static readonly UTF8Encoding StrictUtf8 = new(encoderShouldEmitUTF8Identifier: false, throwOnInvalidBytes: true);

    private static CustomResourceResponse Response(string status, string? reason, Dictionary<string, string>? data = null) => new(
        status, reason, "PackageCheck-0123456789abcdef", Support.StackRequests.StackId, "5f2d3a3e-2c4b-4f59-9d3e-8a1c7b6e5d4f", "PackageCheck", data);

    private static Dictionary<string, string> SomeData() => new(StringComparer.Ordinal)
    {
        ["Verdict"] = "broken",
        ["FindingCodes"] = "BOOTSTRAP_WRONG_ARCH",
        ["Source"] = "s3://orders-artifacts/" + new string('k', 900),
    };

    [Fact]
    public void Serialize_SmallResponse_IsUnchanged()
    {
        var response = Response("FAILED", "Guard: BOOTSTRAP_MISSING", SomeData());

        var bytes = CustomResourceResponseBody.Serialize(response);

        Assert.Equal(JsonSerializer.SerializeToUtf8Bytes(response, FunctionJsonContext.Default.CustomResourceResponse), bytes);
    }

    [Theory]
    [InlineData("a")]
    [InlineData("é")]
    [InlineData("漢")]
    [InlineData("🦀")]
    [InlineData("\"<&>")]
    [InlineData("a🦀é\"")]
    public void Serialize_OversizedReason_FitsIn4096BytesOfValidUtf8(string unit)
    {
        for (var repeat = 1000; repeat <= 9000; repeat += 997)
        {
            var reason = "Guard: " + string.Concat(Enumerable.Repeat(unit, repeat));

            var bytes = CustomResourceResponseBody.Serialize(Response("FAILED", reason));

            Assert.InRange(bytes.Length, 1, CustomResourceResponse.MaxBodyBytes);
            var text = StrictUtf8.GetString(bytes);
            using var document = JsonDocument.Parse(text);
            var kept = document.RootElement.GetProperty("Reason").GetString()!;
            if (JsonSerializer.SerializeToUtf8Bytes(Response("FAILED", reason), FunctionJsonContext.Default.CustomResourceResponse).Length > CustomResourceResponse.MaxBodyBytes)
            {
                Assert.EndsWith(CheckWording.Ellipsis, kept, StringComparison.Ordinal);
                Assert.StartsWith(kept[..^CheckWording.Ellipsis.Length], reason, StringComparison.Ordinal);
            }

            Assert.Equal("PackageCheck-0123456789abcdef", document.RootElement.GetProperty("PhysicalResourceId").GetString());
        }
    }

    [Fact]
    public void Serialize_OversizedReason_KeepsAsMuchAsFits()
    {
        var bytes = CustomResourceResponseBody.Serialize(Response("FAILED", new string('x', 10_000)));

        // Within a character of the limit: nothing is given away needlessly.
        Assert.InRange(bytes.Length, CustomResourceResponse.MaxBodyBytes - 1, CustomResourceResponse.MaxBodyBytes);
    }

    [Fact]
    public void Serialize_OversizedFailed_DropsDataBeforeTouchingTheReason()
    {
        var reason = "Guard: " + new string('r', 3300);

        var full = Response("FAILED", reason, SomeData());
        Assert.True(JsonSerializer.SerializeToUtf8Bytes(full, FunctionJsonContext.Default.CustomResourceResponse).Length > CustomResourceResponse.MaxBodyBytes);

        var bytes = CustomResourceResponseBody.Serialize(full);

        using var document = JsonDocument.Parse(bytes);
        Assert.False(document.RootElement.TryGetProperty("Data", out _));
        Assert.Equal(reason, document.RootElement.GetProperty("Reason").GetString());
    }

    [Fact]
    public void Serialize_OversizedSuccess_TrimsTheNoteAndKeepsData()
    {
        var bytes = CustomResourceResponseBody.Serialize(Response("SUCCESS", "Guard: will start. Warning: " + new string('w', 5000), SomeData()));

        Assert.True(bytes.Length <= CustomResourceResponse.MaxBodyBytes);
        using var document = JsonDocument.Parse(bytes);
        Assert.Equal("broken", document.RootElement.GetProperty("Data").GetProperty("Verdict").GetString());
        Assert.EndsWith(CheckWording.Ellipsis, document.RootElement.GetProperty("Reason").GetString(), StringComparison.Ordinal);
    }

    [Fact]
    public void Truncate_NeverSplitsASurrogatePair()
    {
        var text = string.Concat(Enumerable.Repeat("🦀", 100));

        for (var max = 1; max < 50; max++)
        {
            var cut = CheckWording.Truncate(text, max + CheckWording.Ellipsis.Length);
            var kept = cut[..^CheckWording.Ellipsis.Length];
            Assert.True(kept.Length <= max);
            Assert.False(kept.Length > 0 && char.IsHighSurrogate(kept[^1]));
            StrictUtf8.GetBytes(kept);
        }
    }
}
