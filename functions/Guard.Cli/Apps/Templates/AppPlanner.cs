using Guard.Inspection;
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
    private readonly string _folder;
    private readonly bool _isBuilt;
    private readonly MappingNode _resources;
    private readonly MappingNode? _globals;
    private readonly IntrinsicEvaluator _evaluator;
    private readonly IReadOnlyDictionary<string, string> _ignored;
    private readonly AppLayout _layout;

    /// <param name="templateFile">The template as named on the command line; paths in it are relative to its folder.</param>
    /// <param name="root">The template's tree.</param>
    /// <param name="overrides">--parameter-overrides.</param>
    /// <param name="ignored">--ignore codes, suppressed for every function.</param>
    /// <param name="layout">Where the functions' code is: as the template says, or a CDK or Serverless Framework folder's own.</param>
    /// <exception cref="TemplateFormatException">Not a template: no Resources.</exception>
    public AppPlanner(string templateFile, TemplateNode root, IReadOnlyDictionary<string, string> overrides, IReadOnlySet<string> ignored, AppLayout layout = AppLayout.Template)
    {
        _templateFile = templateFile;
        _layout = layout;
        _folder = Path.GetDirectoryName(templateFile) ?? "";
        // sam build writes a template whose CodeUri already names the built folders: no BuildMethod redirection there.
        _isBuilt = Path.GetFullPath(string.IsNullOrEmpty(_folder) ? "." : _folder).Replace('\\', '/').EndsWith("/.aws-sam/build", StringComparison.Ordinal);
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
            yield return PlanFunction(origin, body, type.Value == ServerlessFunction);
        }
    }

    private FunctionPlan PlanFunction(FunctionOrigin origin, MappingNode body, bool serverless)
    {
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
            var code = serverless ? ServerlessCode(properties, body, origin) : LambdaCode(properties, body, origin);
            if (packageType == "Image" || code is { Kind: CodeKind.Image })
            {
                return Skip(origin, code?.Display ?? ".", runtime, null, "PackageType Image: a container image brings its own entrypoint; Guard checks zip packages");
            }

            architecture = Architecture(properties);
            if (FunctionPlan.ByRuntime(origin, code?.Display ?? ".", runtime, architecture, ignored, PropertyNames.CloudFormation, out var parsedArchitecture) is { } decided)
            {
                return decided;
            }

            switch (code)
            {
                case null:
                    return NotChecked(origin, ".", runtime, architecture, serverless ? "no CodeUri" : "no Code", null, ignored);
                case { Kind: CodeKind.Inline }:
                    return Skip(origin, code.Display, runtime, architecture, $"inline code ({code.Display}): there is no package with a bootstrap to check");
                case { Kind: CodeKind.Missing }:
                    return NotChecked(origin, code.Display, runtime, architecture, code.Problem!, code.Hint, ignored);
            }

            var handler = OptionalOrNull(properties, "Handler");
            return new FunctionPlan(new PackageRequest(code.Location, runtime!, parsedArchitecture, Layers(properties), handler, origin, ignored, Environment(properties)), null);
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

    private enum CodeKind
    {
        Package,
        Inline,
        Image,
        Missing,
    }

    /// <param name="Location">What to open: a local path (relative to the working folder) or s3://.</param>
    /// <param name="Display">How to show it.</param>
    private sealed record Code(CodeKind Kind, string Location, string Display, string? Problem = null, string? Hint = null);

    /// <summary>
    /// SAM: <c>CodeUri</c> (a local folder or zip, <c>s3://</c>, or <c>{Bucket, Key, Version}</c>), <c>InlineCode</c>, or
    /// <c>ImageUri</c>. A function built by <c>sam build</c> (<c>Metadata.BuildMethod</c>) has its source in CodeUri,
    /// not its package: the package is <c>.aws-sam/build/&lt;LogicalId&gt;</c>.
    /// </summary>
    private Code? ServerlessCode(MappingNode properties, MappingNode body, FunctionOrigin origin)
    {
        if (properties["InlineCode"] is not null)
        {
            return new Code(CodeKind.Inline, "", "InlineCode");
        }

        if (properties["ImageUri"] is { } imageUri)
        {
            return new Code(CodeKind.Image, "", StringOrNull(imageUri) ?? "ImageUri");
        }

        var codeUri = properties["CodeUri"];
        if (codeUri is not null && _evaluator.Evaluate(codeUri) is MappingNode location)
        {
            return S3(location, "Bucket", "Key", "Version");
        }

        // SAM CLI's default when CodeUri is absent is the template's folder.
        var path = codeUri is null ? "." : _evaluator.EvaluateString(codeUri);
        if (!_isBuilt && (body["Metadata"] as MappingNode)?["BuildMethod"] is not null && !path.StartsWith("s3://", StringComparison.Ordinal))
        {
            return Built(origin.LogicalId, "function");
        }

        return Local(path, "CodeUri");
    }

    /// <summary>CloudFormation: <c>Code</c> as <c>{S3Bucket, S3Key, S3ObjectVersion}</c>, <c>{ZipFile}</c>, <c>{ImageUri}</c>, or (before <c>aws cloudformation package</c>) a local path.</summary>
    private Code? LambdaCode(MappingNode properties, MappingNode body, FunctionOrigin origin)
    {
        var code = properties["Code"];
        // Before Code is evaluated: it names the deploy bucket (Fn::Sub over AWS::AccountId), not a value before deploy.
        if (_layout == AppLayout.CdkAssembly && CdkAsset(body, origin) is { } asset)
        {
            return asset;
        }

        if (_layout == AppLayout.Serverless && code is MappingNode { } serverlessCode && ServerlessFrameworkZip(serverlessCode, origin) is { } zip)
        {
            return zip;
        }

        if (code is null)
        {
            return null;
        }

        if (_evaluator.Evaluate(code) is MappingNode location)
        {
            return location["ZipFile"] is not null ? new Code(CodeKind.Inline, "", "Code.ZipFile")
                : location["ImageUri"] is { } imageUri ? new Code(CodeKind.Image, "", StringOrNull(imageUri) ?? "Code.ImageUri")
                : S3(location, "S3Bucket", "S3Key", "S3ObjectVersion");
        }

        return Local(_evaluator.EvaluateString(code), "Code");
    }

    /// <summary>
    /// CDK: <c>Metadata: { "aws:asset:path": "asset.HASH", "aws:asset:property": "Code" }</c>, the folder or zip cdk
    /// synth staged in the assembly (the template's folder); null when Code is not an asset.
    /// </summary>
    private Code? CdkAsset(MappingNode body, FunctionOrigin origin)
    {
        if (body["Metadata"] is not MappingNode metadata ||
            metadata["aws:asset:property"] is not ScalarNode { Value: "Code" } ||
            metadata["aws:asset:path"] is not ScalarNode { IsNull: false } assetPath)
        {
            return null;
        }

        var resolved = Resolve(assetPath.Value);
        return File.Exists(resolved) || Directory.Exists(resolved)
            ? new Code(CodeKind.Package, resolved, resolved)
            : new Code(
                CodeKind.Missing,
                resolved,
                resolved,
                $"the CDK asset {assetPath.Value} of {origin.LogicalId} (Metadata aws:asset:path) does not exist (looked for {resolved})",
                "run cdk synth again: the assembly holds the assets it staged, and a copied cdk.out may have lost them");
    }

    /// <summary>
    /// Serverless Framework: <c>Code.S3Key</c> is <c>serverless/SERVICE/STAGE/TIMESTAMP/NAME.zip</c>, and serverless
    /// package left <c>NAME.zip</c> beside the template; null when there is no literal S3Key.
    /// </summary>
    private Code? ServerlessFrameworkZip(MappingNode code, FunctionOrigin origin)
    {
        if (code["S3Key"] is not { } keyNode || StringOrNull(keyNode) is not { Length: > 0 } key)
        {
            return null;
        }

        var name = key[(key.LastIndexOf('/') + 1)..];
        var resolved = Resolve(name);
        return File.Exists(resolved)
            ? new Code(CodeKind.Package, resolved, resolved)
            : new Code(
                CodeKind.Missing,
                resolved,
                resolved,
                $"the package {name} of {origin.LogicalId} (Code.S3Key {key}) is not in the Serverless folder (looked for {resolved})",
                "run serverless package again: it writes each zip beside cloudformation-template-update-stack.json");
    }

    private Code S3(MappingNode location, string bucketKey, string keyKey, string versionKey)
    {
        if (location[bucketKey] is not { } bucketNode || location[keyKey] is not { } keyNode)
        {
            return new Code(CodeKind.Missing, "", "?", $"the code location has no {bucketKey} and {keyKey}");
        }

        var bucket = _evaluator.EvaluateString(bucketNode);
        var key = _evaluator.EvaluateString(keyNode);
        var version = location[versionKey] is { } versionNode ? _evaluator.EvaluateString(versionNode) : null;
        var uri = $"s3://{bucket}/{key}" + (version is null ? "" : $"?versionId={Uri.EscapeDataString(version)}");
        return new Code(CodeKind.Package, uri, uri);
    }

    private Code Local(string path, string property)
    {
        if (path.Contains("://", StringComparison.Ordinal))
        {
            return new Code(CodeKind.Package, path, path);
        }

        var resolved = Resolve(path);
        return File.Exists(resolved) || Directory.Exists(resolved)
            ? new Code(CodeKind.Package, resolved, resolved)
            : new Code(CodeKind.Missing, resolved, resolved, $"{property} {path} does not exist (looked for {resolved})", "build the app first (sam build), or fix the path; it is relative to the template's folder");
    }

    private Code Built(string logicalId, string what)
    {
        var built = Resolve(Path.Combine(".aws-sam", "build", logicalId));
        return Directory.Exists(built)
            ? new Code(CodeKind.Package, built, built)
            : new Code(
                CodeKind.Missing,
                built,
                built,
                $"the {what} is built by sam build (Metadata.BuildMethod) and {built} does not exist",
                $"run sam build, then guard check {Resolve(Path.Combine(".aws-sam", "build", "template.yaml"))}");
    }

    /// <summary>
    /// The function's layers in order: a local path for a LayerVersion of this template, an ARN to look up, or one
    /// that cannot be read and why (each of those becomes a LAYER_NOT_CHECKED finding).
    /// </summary>
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
        var properties = body["Properties"] as MappingNode;
        try
        {
            var content = (body["Type"] as ScalarNode)?.Value == ServerlessLayer ? properties?["ContentUri"] : properties?["Content"];
            if (content is null)
            {
                return (null, "the LayerVersion has no content");
            }

            var value = _evaluator.Evaluate(content);
            if (value is MappingNode location)
            {
                var s3 = (body["Type"] as ScalarNode)?.Value == ServerlessLayer ? S3(location, "Bucket", "Key", "Version") : S3(location, "S3Bucket", "S3Key", "S3ObjectVersion");
                return s3.Kind == CodeKind.Package ? (s3.Location, null) : (null, s3.Problem);
            }

            var path = _evaluator.EvaluateString(value);
            var code = !_isBuilt && (body["Metadata"] as MappingNode)?["BuildMethod"] is not null && !path.StartsWith("s3://", StringComparison.Ordinal)
                ? Built(layerId, "layer")
                : Local(path, "ContentUri");
            return code.Kind == CodeKind.Package ? (code.Location, null) : (null, code.Problem);
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

    private string? StringOrNull(TemplateNode node)
    {
        try
        {
            return _evaluator.EvaluateString(node);
        }
        catch (UnresolvableException)
        {
            return null;
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

    private string Resolve(string path) => ResolveUnder(_folder, path);

    /// <summary><paramref name="path"/> as its tool resolves it in <paramref name="folder"/>, without the <c>./</c> noise, for opening and for showing.</summary>
    internal static string ResolveUnder(string folder, string path)
    {
        var combined = Path.IsPathRooted(path) ? path : Path.Combine(folder, path);
        var normalized = combined.Replace('\\', '/');
        while (normalized.StartsWith("./", StringComparison.Ordinal) && normalized.Length > 2)
        {
            normalized = normalized[2..];
        }

        return normalized.Replace("/./", "/", StringComparison.Ordinal).TrimEnd('/') is { Length: > 0 } trimmed ? trimmed : ".";
    }

    private static FunctionPlan Skip(FunctionOrigin origin, string code, string? runtime, string? architecture, string reason) =>
        FunctionPlan.Skip(origin, code, runtime, architecture, reason);

    private static FunctionPlan NotChecked(FunctionOrigin origin, string code, string? runtime, string? architecture, string reason, string? hint, Dictionary<string, string> ignored) =>
        FunctionPlan.NotChecked(origin, code, runtime, architecture, reason, hint, ignored);

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
