using System.Text.Json;

namespace Guard.Function.CloudFormation;

/// <summary>
/// Serializes a <see cref="CustomResourceResponse"/> within CloudFormation's 4096-byte limit (https://docs.aws.amazon.com/AWSCloudFormation/latest/UserGuide/crpg-ref-responses.html).
/// The fields copied from the request are never touched; what gives way is, for FAILED, the Data (GetAtt
/// cannot read a failed resource) and then the end of the Reason; for SUCCESS, the Reason and then Data
/// entries from the last. Sizes are measured on the serialized bytes, so JSON escaping (<c>\u2026</c>, <c>\"</c>)
/// and multi-byte UTF-8 are counted as sent; cuts fall on character boundaries.
/// </summary>
public static class CustomResourceResponseBody
{
    public static byte[] Serialize(CustomResourceResponse response, int maxBytes = CustomResourceResponse.MaxBodyBytes)
    {
        ArgumentNullException.ThrowIfNull(response);
        var bytes = Bytes(response);
        if (bytes.Length <= maxBytes)
        {
            return bytes;
        }

        if (response.Status == CustomResourceResponse.Failed && response.Data is not null)
        {
            response = response with { Data = null };
            bytes = Bytes(response);
        }

        if (bytes.Length > maxBytes && response.Reason is { Length: > 0 } reason)
        {
            response = response with { Reason = LongestReasonThatFits(response, reason, maxBytes) };
            bytes = Bytes(response);
        }

        while (bytes.Length > maxBytes && response.Data is { Count: > 0 } data)
        {
            response = response with { Data = data.Take(data.Count - 1).ToDictionary(StringComparer.Ordinal) };
            bytes = Bytes(response);
        }

        // Only echoed fields remain; CloudFormation bounds them (StackId, RequestId, 255-character logical ids,
        // 1 KB physical ids) well under the limit, so this is reached only by a malformed request.
        return bytes;
    }

    private static string LongestReasonThatFits(CustomResourceResponse response, string reason, int maxBytes)
    {
        // Binary search over the number of characters kept: escaping makes bytes-per-character vary.
        int low = 0, high = reason.Length;
        while (low < high)
        {
            var middle = (low + high + 1) / 2;
            if (Bytes(response with { Reason = Cut(reason, middle) }).Length <= maxBytes)
            {
                low = middle;
            }
            else
            {
                high = middle - 1;
            }
        }

        return Cut(reason, low);
    }

    private static string Cut(string reason, int chars) => CheckWording.Prefix(reason, chars) + CheckWording.Ellipsis;

    private static byte[] Bytes(CustomResourceResponse response) =>
        JsonSerializer.SerializeToUtf8Bytes(response, FunctionJsonContext.Default.CustomResourceResponse);
}
