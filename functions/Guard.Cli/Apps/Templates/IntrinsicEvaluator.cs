using System.Globalization;
using System.Text;
using System.Text.RegularExpressions;

namespace Guard.Cli.Apps.Templates;

/// <summary>A parameter's value (a list type's is comma-joined), or why there is none.</summary>
internal sealed record ParameterValue(string? Value, bool IsList, string? Missing);

/// <summary>A value Guard cannot know before deploy; the message names the intrinsic in its short form.</summary>
internal sealed class UnresolvableException(string message) : Exception(message);

/// <summary>
/// Resolves what can be known before deploy: parameters (override, else <c>Default</c>), <c>Mappings</c>,
/// <c>Conditions</c>, and the functions over them (<c>Ref</c>, <c>Fn::Sub</c>, <c>Fn::Join</c>, <c>Fn::Select</c>,
/// <c>Fn::Split</c>, <c>Fn::FindInMap</c>, <c>Fn::If</c>, <c>Fn::Equals</c>/<c>Not</c>/<c>And</c>/<c>Or</c>,
/// <c>Fn::Base64</c>). Resource attributes, imports, AZs and the account's pseudo parameters are known only
/// at deploy: they throw <see cref="UnresolvableException"/>.
/// </summary>
/// <remarks>
/// A template is input, and may be hostile: a value (an alias's node, a condition) is evaluated once and remembered,
/// so shared nodes cost what they cost once; and one template's evaluation has a budget of steps and of characters
/// built, which <c>!Join</c>/<c>!Sub</c> over aliases could otherwise grow tenfold a level. Over budget is a
/// <see cref="TemplateFormatException"/>: no real template comes near it, and nothing would be judged on a guess.
/// </remarks>
/// <param name="file">The template, to name in <see cref="TemplateFormatException"/>.</param>
internal sealed partial class IntrinsicEvaluator(
    string file,
    IReadOnlyDictionary<string, ParameterValue> parameters,
    MappingNode? mappings,
    MappingNode? conditions,
    IReadOnlySet<string> resources)
{
    /// <summary>Deeper nesting than any real template: a guard against conditions that name each other in a loop.</summary>
    private const int MaxDepth = 64;

    /// <summary>Values evaluated (each once) for the whole template: a 5,000-function app needs a few tens of thousands.</summary>
    public const int MaxSteps = 1_000_000;

    /// <summary>Characters <c>!Join</c>, <c>!Sub</c> and <c>!Base64</c> may build for the whole template (20 MB of strings).</summary>
    public const long MaxCharacters = 10_000_000;

    private readonly Dictionary<TemplateNode, TemplateNode> _evaluated = new(ReferenceEqualityComparer.Instance);
    private readonly Dictionary<string, bool> _conditions = new(StringComparer.Ordinal);
    private int _steps;
    private long _characters;

    /// <summary>What <c>!Ref AWS::NoValue</c> evaluates to: the property is as if absent.</summary>
    public static ScalarNode NoValue { get; } = new("AWS::NoValue", true, 0, 0);

    /// <summary>Evaluates intrinsics in <paramref name="node"/> down to scalars and sequences; plain mappings are kept as they are.</summary>
    /// <exception cref="UnresolvableException">A value known only at deploy.</exception>
    public TemplateNode Evaluate(TemplateNode node) => Evaluate(node, 0);

    /// <summary>The node as one string.</summary>
    /// <exception cref="UnresolvableException">Known only at deploy, or not a single value.</exception>
    public string EvaluateString(TemplateNode node) => Evaluate(node) switch
    {
        ScalarNode { IsNull: false } scalar => scalar.Value,
        ScalarNode => throw new UnresolvableException("is empty"),
        SequenceNode => throw new UnresolvableException("is a list, not one value"),
        _ => throw new UnresolvableException("is a mapping, not one value"),
    };

    public bool EvaluateCondition(string name) => EvaluateCondition(name, 0);

    private TemplateNode Evaluate(TemplateNode node, int depth)
    {
        if (depth > MaxDepth)
        {
            throw new UnresolvableException("nests intrinsics too deep (a loop of conditions?)");
        }

        if (node is ScalarNode || node is MappingNode plain && !plain.IsIntrinsic(out _, out _))
        {
            return node;
        }

        // Only values are remembered, not failures: a failure ends the property's evaluation anyway.
        if (_evaluated.TryGetValue(node, out var known))
        {
            return known;
        }

        if (++_steps > MaxSteps)
        {
            throw OverBudget(node, $"takes more than {MaxSteps:N0} evaluation steps");
        }

        TemplateNode value;
        switch (node)
        {
            case SequenceNode sequence:
                var items = sequence.Items.Select(item => Evaluate(item, depth + 1)).Where(item => !ReferenceEquals(item, NoValue)).ToArray();
                value = sequence with { Items = items };
                break;
            case MappingNode mapping when mapping.IsIntrinsic(out var name, out var argument):
                value = Call(name, argument, mapping, depth + 1);
                break;
            default:
                return node;
        }

        _evaluated[node] = value;
        return value;
    }

    /// <summary>Counts characters about to be built against the template's budget, before they are built.</summary>
    private void Spend(long characters, TemplateNode at)
    {
        _characters += characters;
        if (_characters > MaxCharacters)
        {
            throw OverBudget(at, $"builds more than {MaxCharacters:N0} characters");
        }
    }

    private TemplateFormatException OverBudget(TemplateNode at, string what) =>
        new(file, at.Line, at.Column, $"evaluating {(at is MappingNode call ? Short(call) : "this value")} {what} (a !Join or alias bomb?): not a template Guard evaluates");

    private TemplateNode Call(string name, TemplateNode argument, MappingNode call, int depth)
    {
        switch (name)
        {
            case "Ref":
                return Ref(Text(argument, call, depth), call);
            case "Condition":
                return Bool(EvaluateCondition(Text(argument, call, depth), depth), call);
            case "Fn::Sub":
                return Sub(argument, call, depth);
            case "Fn::Join":
            {
                var (delimiter, list) = Pair(argument, call, depth);
                var separator = Text(delimiter, call, depth);
                var parts = Items(list, call, depth).Select(i => Text(i, call, depth)).ToList();
                Spend(parts.Sum(p => (long)p.Length) + ((long)separator.Length * Math.Max(0, parts.Count - 1)), call);
                return Scalar(string.Join(separator, parts), call);
            }

            case "Fn::Select":
            {
                var (index, list) = Pair(argument, call, depth);
                var items = Items(list, call, depth);
                return int.TryParse(Text(index, call, depth), NumberStyles.None, CultureInfo.InvariantCulture, out var i) && i < items.Count
                    ? Evaluate(items[i], depth)
                    : throw new UnresolvableException($"{Short(call)}: index out of range");
            }

            case "Fn::Split":
            {
                var (delimiter, text) = Pair(argument, call, depth);
                var parts = Text(text, call, depth).Split(Text(delimiter, call, depth));
                return new SequenceNode([.. parts.Select(p => Scalar(p, call))], call.Line, call.Column);
            }

            case "Fn::FindInMap":
                return FindInMap(argument, call, depth);
            case "Fn::If":
            {
                var items = argument is SequenceNode { Items.Count: 3 } s ? s.Items : throw new UnresolvableException($"{Short(call)}: expects [condition, value if true, value if false]");
                return Evaluate(EvaluateCondition(Text(items[0], call, depth), depth) ? items[1] : items[2], depth);
            }

            case "Fn::Equals":
            {
                var (left, right) = Pair(argument, call, depth);
                return Bool(Text(left, call, depth) == Text(right, call, depth), call);
            }

            case "Fn::Not":
                return Bool(!Truth(Single(argument, call), call, depth), call);
            case "Fn::And":
                return Bool(Items(argument, call, depth).All(item => Truth(item, call, depth)), call);
            case "Fn::Or":
                return Bool(Items(argument, call, depth).Any(item => Truth(item, call, depth)), call);
            case "Fn::Base64":
            {
                var bytes = Encoding.UTF8.GetBytes(Text(argument, call, depth));
                Spend((bytes.Length + 2L) / 3 * 4, call);
                return Scalar(Convert.ToBase64String(bytes), call);
            }

            case "Fn::GetAtt":
                throw new UnresolvableException($"{Short(call)}: a resource's attribute is known only after deploy");
            case "Fn::ImportValue":
                throw new UnresolvableException($"{Short(call)}: another stack's export is known only at deploy");
            case "Fn::GetAZs" or "Fn::Cidr":
                throw new UnresolvableException($"{Short(call)}: known only at deploy");
            default:
                throw new UnresolvableException($"{Short(call)}: Guard does not evaluate {name}");
        }
    }

    private ScalarNode Ref(string name, MappingNode call)
    {
        if (parameters.TryGetValue(name, out var parameter))
        {
            return parameter.Value is { } value
                ? Scalar(value, call)
                : throw new UnresolvableException($"!Ref {name}: {parameter.Missing}");
        }

        return name switch
        {
            "AWS::NoValue" => NoValue,
            "AWS::Partition" => Scalar("aws", call),
            "AWS::URLSuffix" => Scalar("amazonaws.com", call),
            _ when name.StartsWith("AWS::", StringComparison.Ordinal) => throw new UnresolvableException($"!Ref {name}: known only at deploy"),
            _ when resources.Contains(name) => throw new UnresolvableException($"!Ref {name}: a resource's id is known only after deploy"),
            _ => throw new UnresolvableException($"!Ref {name}: no parameter or resource of that name"),
        };
    }

    private ScalarNode Sub(TemplateNode argument, MappingNode call, int depth)
    {
        var (template, variables) = argument switch
        {
            SequenceNode { Items.Count: 2 } pair => (Text(pair.Items[0], call, depth), pair.Items[1] as MappingNode),
            _ => (Text(argument, call, depth), null),
        };
        Spend(template.Length, call);
        var result = SubVariable().Replace(template, match =>
        {
            var name = match.Groups[1].Value;
            if (name.StartsWith('!'))
            {
                return "${" + name[1..] + "}";
            }

            string value;
            if (variables?[name] is { } variable)
            {
                value = Text(variable, call, depth);
            }
            else if (name.Contains('.', StringComparison.Ordinal))
            {
                throw new UnresolvableException($"{Short(call)}: ${{{name}}} is a resource's attribute, known only after deploy");
            }
            else
            {
                value = Ref(name, call).Value;
            }

            Spend(value.Length, call);
            return value;
        });
        return Scalar(result, call);
    }

    private TemplateNode FindInMap(TemplateNode argument, MappingNode call, int depth)
    {
        var items = argument is SequenceNode { Items.Count: >= 3 } s ? s.Items : throw new UnresolvableException($"{Short(call)}: expects [map, top-level key, second-level key]");
        var (map, first, second) = (Text(items[0], call, depth), Text(items[1], call, depth), Text(items[2], call, depth));
        return (mappings?[map] as MappingNode)?[first] is MappingNode level && level[second] is { } value
            ? Evaluate(value, depth)
            : throw new UnresolvableException($"!FindInMap [{map}, {first}, {second}]: no such entry in Mappings");
    }

    /// <summary>Each condition once: <c>!And [!Condition A, !Condition A, …]</c> chains cost ten times more a level otherwise.</summary>
    private bool EvaluateCondition(string name, int depth)
    {
        if (_conditions.TryGetValue(name, out var known))
        {
            return known;
        }

        var value = conditions?[name] is { } condition
            ? Truth(condition, null, depth + 1)
            : throw new UnresolvableException($"condition {name} is not in Conditions");
        _conditions[name] = value;
        return value;
    }

    private bool Truth(TemplateNode node, MappingNode? call, int depth) => Evaluate(node, depth) switch
    {
        ScalarNode { Value: "true" } => true,
        ScalarNode { Value: "false" } => false,
        _ => throw new UnresolvableException($"{(call is null ? "a condition" : Short(call))}: not a true/false condition"),
    };

    private string Text(TemplateNode node, MappingNode call, int depth) => Evaluate(node, depth) switch
    {
        ScalarNode scalar when !ReferenceEquals(scalar, NoValue) => scalar.Value,
        _ => throw new UnresolvableException($"{Short(call)}: expects a single value"),
    };

    private List<TemplateNode> Items(TemplateNode node, MappingNode call, int depth) => Evaluate(node, depth) switch
    {
        SequenceNode sequence => [.. sequence.Items],
        // A list parameter (CommaDelimitedList) resolves to one comma-joined string.
        ScalarNode scalar => [.. scalar.Value.Split(',').Select(part => (TemplateNode)Scalar(part.Trim(), call))],
        _ => throw new UnresolvableException($"{Short(call)}: expects a list"),
    };

    private static (TemplateNode, TemplateNode) Pair(TemplateNode argument, MappingNode call, int depth) =>
        argument is SequenceNode { Items.Count: 2 } pair ? (pair.Items[0], pair.Items[1]) : throw new UnresolvableException($"{Short(call)}: expects two arguments");

    private static TemplateNode Single(TemplateNode argument, MappingNode call) =>
        argument is SequenceNode { Items.Count: 1 } one ? one.Items[0] : throw new UnresolvableException($"{Short(call)}: expects one argument in a list");

    private static ScalarNode Scalar(string value, TemplateNode at) => new(value, false, at.Line, at.Column);

    private static ScalarNode Bool(bool value, TemplateNode at) => Scalar(value ? "true" : "false", at);

    /// <summary>An intrinsic as a person wrote it in YAML: <c>!GetAtt Config.Runtime</c>, <c>!ImportValue shared</c>.</summary>
    public static string Short(MappingNode call)
    {
        if (!call.IsIntrinsic(out var name, out var argument))
        {
            return "a mapping";
        }

        var tag = name is "Ref" or "Condition" ? "!" + name : "!" + name["Fn::".Length..];
        return argument switch
        {
            ScalarNode scalar => $"{tag} {scalar.Value}",
            SequenceNode sequence when name == "Fn::GetAtt" && sequence.Items.All(i => i is ScalarNode) => $"{tag} {string.Join('.', sequence.Items.Cast<ScalarNode>().Select(i => i.Value))}",
            SequenceNode sequence => $"{tag} [{string.Join(", ", sequence.Items.Select(i => i is ScalarNode s ? s.Value : "…"))}]",
            _ => $"{tag} …",
        };
    }

    [GeneratedRegex(@"\$\{([^}]+)\}", RegexOptions.CultureInvariant)]
    private static partial Regex SubVariable();
}
