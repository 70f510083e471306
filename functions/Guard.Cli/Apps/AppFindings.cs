using Guard.Inspection.Rules;

namespace Guard.Cli.Apps;

/// <summary>
/// Guard's findings about an app rather than a package: they come from reading the template, not from the
/// engine, so they live at this edge. Codes are stable like the engine's.
/// </summary>
internal static class AppFindings
{
    public const string FunctionNotChecked = "FUNCTION_NOT_CHECKED";
    public const string LayerNotChecked = "LAYER_NOT_CHECKED";

    public static IReadOnlyList<(string Code, Severity Severity, string Summary)> All { get; } =
    [
        (FunctionNotChecked, Severity.Warning, "Guard could not judge the function: a value it cannot resolve before deploy, or code it cannot fetch."),
        (LayerNotChecked, Severity.Info, "A layer the function uses was not read, so what it adds to /opt was not judged."),
    ];

    public static Finding NotChecked(string reason, string? hint) => new(FunctionNotChecked, Severity.Warning, reason, hint);

    public static Finding LayerNotRead(string layer, string why) => new(
        LayerNotChecked,
        Severity.Info,
        $"layer {layer} was not checked: {why}",
        "pass the layer's zip with the app (a LayerVersion resource in the template, an aws_lambda_layer_version in the Terraform plan), or check the deployed function with guard scan");
}
