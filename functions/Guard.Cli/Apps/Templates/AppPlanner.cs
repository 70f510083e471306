using Guard.Inspection;
using Guard.Inspection.Images;
using Guard.Inspection.Rules;

namespace Guard.Cli.Apps.Templates;

/// <summary>
/// Turns a SAM or CloudFormation template into one <see cref="FunctionPlan"/> per function: the code path, runtime,
/// architecture, handler and layers as Lambda will get them, resolved before deploy as far as that is possible.
/// </summary>
internal sealed class AppPlanner
{
    public const string ServerlessFunction = "AWS::Serverless::Function";
    public const string LambdaFunction = "AWS::Lambda::Function";
    public const string ServerlessLayer = "AWS::Serverless::LayerVersion";
    public const string LambdaLayer = "AWS::Lambda::LayerVersion";

    private readonly string _templateFile;
    private readonly MappingNode _resources;
    private readonly MappingNode? _globals;
    private readonly IntrinsicEvaluator _evaluator;
    private readonly TemplateContext _template;
    private readonly IReadOnlyDictionary<string, string> _ignored;
    private readonly ICodeLocator? _tool;
    private readonly UnbuiltPolicy _unbuilt;

    /// <param name="templateFile">The template as named on the command line; paths in it are relative to its folder.</param>
    /// <param name="root">The template's tree.</param>
    /// <param name="overrides">--parameter-overrides.</param>
    /// <param name="ignored">--ignore codes, suppressed for every function.</param>
    /// <param name="tool">Where the tool that wrote the template left the code (a CDK asset, a Serverless zip), asked
    /// before the template's own Code or CodeUri; null for a template a person wrote.</param>
    /// <exception cref="TemplateFormatException">Not a template: no Resources.</exception>
    /// <param name="unbuilt">What a function sam build has not built yet is (--unbuilt).</param>
    public AppPlanner(
        string templateFile, TemplateNode root, IReadOnlyDictionary<string, string> overrides, IReadOnlySet<string> ignored, ICodeLocator? tool = null,
        UnbuiltPolicy unbuilt = UnbuiltPolicy.Fail)
    {
        _unbuilt = unbuilt;
        _templateFile = templateFile;
        _tool = tool;
        if (root is not MappingNode template || template["Resources"] is not MappingNode resources)
        {
            throw new TemplateFormatException(templateFile, root.Line, root.Column, "no Resources mapping: not a SAM or CloudFormation template");
        }

        _resources = resources;
        _globals = (template["Globals"] as MappingNode)?["Function"] as MappingNode;
        _evaluator = new IntrinsicEvaluator(
            templateFile,
            Parameters(template["Parameters"] as MappingNode, overrides),
            template["Mappings"] as MappingNode,
            template["Conditions"] as MappingNode,
            resources.Keys.ToHashSet(StringComparer.Ordinal));
        _template = new TemplateContext(templateFile, _evaluator);
        _ignored = ignored.ToDictionary(code => code, _ => "--ignore", StringComparer.Ordinal);
    }

    /// <summary>Parameter names --parameter-overrides gave that the template does not declare (a typo, usually).</summary>
    public static IEnumerable<string> UnknownOverrides(TemplateNode root, IReadOnlyDictionary<string, string> overrides) =>
        overrides.Keys.Where(key => ((root as MappingNode)?["Parameters"] as MappingNode)?[key] is null);

    public IEnumerable<FunctionPlan> Plan()
    {
        foreach (var resource in _resources.Distinct)
        {
            if (resource.Value is not MappingNode body || body["Type"] is not ScalarNode { Value: ServerlessFunction or LambdaFunction } type)
            {
                continue;
            }

            var origin = new FunctionOrigin(resource.Key, _templateFile, resource.KeyLine, resource.KeyColumn);
            yield return PlanFunction(origin, body, type.Value);
        }
    }

    private FunctionPlan PlanFunction(FunctionOrigin origin, MappingNode body, string type)
    {
        var serverless = type == ServerlessFunction;
        var ignored = Ignored(body, origin);
        var local = body["Properties"] as MappingNode ?? new MappingNode([], body.Line, body.Column);
        var properties = serverless ? GlobalsMerge.Merge(_globals, local) : local;
        string? runtime = null;
        string? architecture = null;
        try
        {
            if (body["Condition"] is ScalarNode { } condition && !_evaluator.EvaluateCondition(condition.Value))
            {
                return Skip(origin, ".", null, null, $"its Condition {condition.Value} is false: the stack does not create it");
            }

            var packageType = Optional(properties, "PackageType");
            runtime = Optional(properties, "Runtime");
            var code = Locate(new CodeResource(origin.LogicalId, type, body, properties));
            if (packageType == "Image" || code is { Kind: CodeKind.Image })
            {
                return PlanImage(origin, code, properties, body, ignored);
            }

            architecture = Architecture(properties);
            var layers = Layers(properties);
            if (FunctionPlan.ByRuntime(origin, code?.Display ?? ".", runtime, architecture, ignored, PropertyNames.CloudFormation, layers.Count, out var parsedArchitecture) is { } decided)
            {
                return decided;
            }

            switch (code)
            {
                case null:
                    return NotChecked(origin, ".", runtime, architecture, serverless ? "no CodeUri" : "no Code", null, ignored);
                case { Kind: CodeKind.Inline } when layers.Count > 0 && RuntimeCatalog.Default.TryFindManaged(runtime!, out _):
                    // No package, but a managed runtime's layers' extensions are judged without one.
                    return new FunctionPlan(new PackageRequest(code.Display, runtime!, parsedArchitecture, layers, OptionalOrNull(properties, "Handler"), origin, ignored, Environment(properties)) { InlineCode = true }, null);
                case { Kind: CodeKind.Inline }:
                    return Skip(origin, code.Display, runtime, architecture, $"inline code ({code.Display}): there is no package with a bootstrap to check");
                case { Kind: CodeKind.Missing, Unbuilt: true }:
                    return NotBuilt(origin, code, runtime, architecture, ignored);
                case { Kind: CodeKind.Missing }:
                    return NotChecked(origin, code.Display, runtime, architecture, code.Problem!, code.Hint, ignored);
            }

            var handler = OptionalOrNull(properties, "Handler");
            return new FunctionPlan(new PackageRequest(code.Location, runtime!, parsedArchitecture, layers, handler, origin, ignored, Environment(properties)), null);
        }
        catch (UnresolvableException e)
        {
            return NotChecked(
                origin,
                ".",
                runtime,
                architecture,
                e.Message,
                "give the value as a literal or a parameter (Guard reads Default, or --parameter-overrides Name=value); intrinsics over resources and imports are known only at deploy",
                ignored);
        }
    }

    /// <summary>
    /// An image function: its literal ImageUri read as <c>guard check IMAGE</c> reads it, with its Architectures and
    /// ImageConfig; not checked when the image is only built at deploy (an intrinsic, SAM's Metadata.DockerContext, a CDK image asset).
    /// </summary>
    private FunctionPlan PlanImage(FunctionOrigin origin, CodeLocation? code, MappingNode properties, MappingNode body, Dictionary<string, string> ignored)
    {
        var architecture = Architecture(properties);
        if (code is not { Kind: CodeKind.Image })
        {
            // SAM builds an image from Metadata.DockerContext and pushes it at deploy: the template names none before.
            var reason = (body["Metadata"] as MappingNode)?["DockerContext"] is not null
                ? "the image is not reachable: sam build builds it from Metadata.DockerContext and sam deploy pushes it (no ImageUri)"
                : "the image is not reachable: PackageType Image without ImageUri";
            return FunctionPlan.ForImage(origin, null, code?.Display ?? ".", architecture, null, ignored, PropertyNames.CloudFormation, reason);
        }

        return FunctionPlan.ForImage(
            origin,
            code.Location is { Length: > 0 } reference ? reference : null,
            code.Display,
            architecture,
            ImageConfig(properties),
            ignored,
            PropertyNames.CloudFormation,
            code.Problem,
            code.Hint);
    }

    /// <summary>The function's <c>ImageConfig</c>: EntryPoint, Command and WorkingDirectory, each replacing the image's own.</summary>
    private FunctionImageConfig? ImageConfig(MappingNode properties)
    {
        if (properties["ImageConfig"] is not { } node || ReferenceEquals(_evaluator.Evaluate(node), IntrinsicEvaluator.NoValue))
        {
            return null;
        }

        if (_evaluator.Evaluate(node) is not MappingNode config)
        {
            throw new UnresolvableException("ImageConfig is not a mapping");
        }

        return new FunctionImageConfig(List(config, "EntryPoint"), List(config, "Command"), Optional(config, "WorkingDirectory"));

        IReadOnlyList<string>? List(MappingNode mapping, string name) =>
            mapping[name] is not { } value ? null
            : _evaluator.Evaluate(value) is SequenceNode items ? [.. items.Items.Select(_evaluator.EvaluateString)]
            : throw new UnresolvableException($"ImageConfig.{name} is not a list");
    }

    /// <summary>The tool's locator first (it knows where it left the code), then the template's own dialect.</summary>
    private CodeLocation? Locate(CodeResource resource) =>
        _tool?.Locate(resource, _template) ??
        (resource.Type is ServerlessFunction or ServerlessLayer ? (ICodeLocator)SamCodeLocator.Instance : CloudFormationCodeLocator.Instance).Locate(resource, _template);

    /// <summary>
    /// What the function's Environment sets for ld.so: its LD_LIBRARY_PATH (no other variable is read), Lambda's default
    /// when it sets none, null when the template leaves it to a value known only at deploy.
    /// </summary>
    private FunctionEnvironment? Environment(MappingNode properties)
    {
        if (properties["Environment"] is not { } environment)
        {
            return FunctionEnvironment.Default;
        }

        // An intrinsic (Fn::If, a Ref to a mapping) decides the variables only at deploy.
        if (environment is not MappingNode mapping || mapping.IsIntrinsic(out _, out _) ||
            mapping["Variables"] is { } variables && (variables is not MappingNode variableMap || variableMap.IsIntrinsic(out _, out _)))
        {
            return null;
        }

        if ((mapping["Variables"] as MappingNode)?["LD_LIBRARY_PATH"] is not { } value)
        {
            return FunctionEnvironment.Default;
        }

        try
        {
            return new FunctionEnvironment(_evaluator.EvaluateString(value));
        }
        catch (UnresolvableException)
        {
            return null;
        }
    }

    /// <summary>
    /// The function's layers in order: a local path for a LayerVersion of this template, an ARN to look up, or one
    /// that cannot be read and why (each of those becomes a LAYER_NOT_CHECKED finding).
    /// </summary>
    private List<LayerSource> Layers(MappingNode properties)
    {
        var layers = new List<LayerSource>();
        if (properties["Layers"] is not { } node)
        {
            return layers;
        }

        IReadOnlyList<TemplateNode> items;
        try
        {
            // Items are read one by one: a Ref to a layer of this template is not a value before deploy, but a path here.
            items = node is SequenceNode sequence ? sequence.Items : _evaluator.Evaluate(node) is SequenceNode evaluated ? evaluated.Items : [node];
        }
        catch (UnresolvableException e)
        {
            layers.Add(LayerSource.NotRead(node is MappingNode call ? IntrinsicEvaluator.Short(call) : "Layers", e.Message));
            return layers;
        }

        foreach (var item in items)
        {
            if (item is MappingNode reference && reference.IsIntrinsic(out var name, out var argument) &&
                LayerResource(name, argument) is { } layerId)
            {
                var (path, why) = LocalLayer(layerId);
                layers.Add(path is null ? LayerSource.NotRead(layerId, why!) : new LayerSource(path, Location: path));
                continue;
            }

            try
            {
                var arn = _evaluator.EvaluateString(item);
                layers.Add(LayerSource.IsLayerVersionArn(arn) ? new LayerSource(arn, Arn: arn) : LayerSource.NotRead(arn, "not a layer-version ARN (arn:aws:lambda:REGION:ACCOUNT:layer:NAME:VERSION)"));
            }
            catch (UnresolvableException e)
            {
                layers.Add(LayerSource.NotRead(item is MappingNode call ? IntrinsicEvaluator.Short(call) : "?", e.Message));
            }
        }

        return layers;
    }

    /// <summary>The logical id of a LayerVersion of this template that <c>!Ref X</c> (or <c>!GetAtt X.LayerVersionArn</c>) names.</summary>
    private string? LayerResource(string name, TemplateNode argument)
    {
        var id = (name, argument) switch
        {
            ("Ref", ScalarNode scalar) => scalar.Value,
            ("Fn::GetAtt", SequenceNode { Items: [ScalarNode resource, ScalarNode { Value: "LayerVersionArn" }] }) => resource.Value,
            _ => null,
        };
        return id is not null && _resources[id] is MappingNode { } body && body["Type"] is ScalarNode { Value: ServerlessLayer or LambdaLayer } ? id : null;
    }

    private (string? Path, string? Why) LocalLayer(string layerId)
    {
        var body = (MappingNode)_resources[layerId]!;
        var type = ((ScalarNode)body["Type"]!).Value;
        try
        {
            var code = Locate(new CodeResource(layerId, type, body, body["Properties"] as MappingNode ?? new MappingNode([], body.Line, body.Column)));
            return code is null ? (null, "the LayerVersion has no content")
                : code.Kind == CodeKind.Package ? (code.Location, null)
                : (null, code.Problem ?? $"its content is {code.Display}, not a package");
        }
        catch (UnresolvableException e)
        {
            return (null, $"its content {e.Message}");
        }
    }

    private string Architecture(MappingNode properties)
    {
        if (properties["Architectures"] is not { } node)
        {
            return ArchitectureNames.X8664;
        }

        return _evaluator.Evaluate(node) switch
        {
            SequenceNode { Items: [var only] } => _evaluator.EvaluateString(only),
            SequenceNode { Items.Count: 0 } => ArchitectureNames.X8664,
            SequenceNode many => string.Join(", ", many.Items.Select(_evaluator.EvaluateString)),
            ScalarNode scalar => scalar.Value, // a CommaDelimitedList parameter
            _ => throw new UnresolvableException("Architectures is not a list"),
        };
    }

    private string? Optional(MappingNode properties, string name)
    {
        if (properties[name] is not { } node)
        {
            return null;
        }

        try
        {
            var value = _evaluator.Evaluate(node);
            return ReferenceEquals(value, IntrinsicEvaluator.NoValue) ? null : _evaluator.EvaluateString(value);
        }
        catch (UnresolvableException e)
        {
            throw new UnresolvableException($"{name} {e.Message}");
        }
    }

    /// <summary>A property that only sharpens hints: unresolvable is as good as absent.</summary>
    private string? OptionalOrNull(MappingNode properties, string name)
    {
        try
        {
            return Optional(properties, name);
        }
        catch (UnresolvableException)
        {
            return null;
        }
    }

    /// <summary>--ignore, then the resource's <c>Metadata: { guard: { ignore: [CODE, …] } }</c>.</summary>
    private Dictionary<string, string> Ignored(MappingNode body, FunctionOrigin origin)
    {
        var ignored = new Dictionary<string, string>(_ignored, StringComparer.Ordinal);
        if (((body["Metadata"] as MappingNode)?["guard"] as MappingNode)?["ignore"] is { } codes)
        {
            var items = codes is SequenceNode sequence ? sequence.Items : [codes];
            foreach (var code in items.OfType<ScalarNode>())
            {
                ignored[code.Value] = $"Metadata.guard.ignore of {origin.LogicalId}"; // the more specific suppression names itself
            }
        }

        return ignored;
    }

    private static FunctionPlan Skip(FunctionOrigin origin, string code, string? runtime, string? architecture, string reason) =>
        FunctionPlan.Skip(origin, code, runtime, architecture, reason);

    private static FunctionPlan NotChecked(FunctionOrigin origin, string code, string? runtime, string? architecture, string reason, string? hint, Dictionary<string, string> ignored) =>
        FunctionPlan.NotChecked(origin, code, runtime, architecture, reason, hint, ignored);

    /// <summary>
    /// A function sam build has not built: not checked (fail), the same warning in a skipped result (warn), or that
    /// warning suppressed by <c>--unbuilt ok</c>. An error the template alone settles (a runtime Lambda refuses) stays.
    /// </summary>
    private FunctionPlan NotBuilt(FunctionOrigin origin, CodeLocation code, string? runtime, string? architecture, Dictionary<string, string> ignored)
    {
        if (_unbuilt == UnbuiltPolicy.Ok)
        {
            ignored = new Dictionary<string, string>(ignored, StringComparer.Ordinal) { [AppFindings.FunctionNotChecked] = "--unbuilt ok" };
        }

        var plan = NotChecked(origin, code.Display, runtime, architecture, code.Problem!, code.Hint, ignored);
        return _unbuilt == UnbuiltPolicy.Warn && plan.Decided is { Outcome: Outcome.NotChecked } notChecked
            ? new FunctionPlan(null, notChecked with { Outcome = Outcome.Skipped })
            : plan;
    }

    private static Dictionary<string, ParameterValue> Parameters(MappingNode? declared, IReadOnlyDictionary<string, string> overrides)
    {
        var values = new Dictionary<string, ParameterValue>(StringComparer.Ordinal);
        foreach (var parameter in declared?.Distinct ?? [])
        {
            var body = parameter.Value as MappingNode;
            var type = (body?["Type"] as ScalarNode)?.Value ?? "String";
            var isList = type == "CommaDelimitedList" || type.StartsWith("List<", StringComparison.Ordinal);
            var value = overrides.TryGetValue(parameter.Key, out var given) ? given
                : body?["Default"] is ScalarNode { IsNull: false } fallback ? fallback.Value
                : body?["Default"] is SequenceNode list ? string.Join(',', list.Items.OfType<ScalarNode>().Select(i => i.Value))
                : null;
            values[parameter.Key] = new(value, isList, value is null ? $"parameter {parameter.Key} has no Default; pass --parameter-overrides {parameter.Key}=…" : null);
        }

        return values;
    }
}
