using System.Text.Json.Serialization;

namespace Guard.Inspection.Reporting;

[JsonConverter(typeof(JsonStringEnumConverter<Verdict>))]
public enum Verdict
{
    /// <summary>Lambda will find and exec a bootstrap (warnings may remain).</summary>
    [JsonStringEnumMemberName("ok")] Ok,
    /// <summary>At least one error finding: the function will not start.</summary>
    [JsonStringEnumMemberName("broken")] Broken,
    /// <summary>A known placeholder upload; not judged yet.</summary>
    [JsonStringEnumMemberName("placeholder")] Placeholder,
}

/// <summary>A verdict's name as the JSON report spells it, for logs, alerts and messages.</summary>
public static class VerdictNames
{
    public static string Of(Verdict verdict) => verdict switch
    {
        Verdict.Broken => "broken",
        Verdict.Placeholder => "placeholder",
        _ => "ok",
    };
}
