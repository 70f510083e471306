using System.Text.Json;
using Guard.Cli.Apps.Templates;
using Guard.Inspection;
using Guard.Inspection.Images;
using Guard.Inspection.Rules;

namespace Guard.Cli.Apps.Terraform;

/// <summary>
/// The Terraform code locator: turns a plan (<c>terraform show -json</c>) into one <see cref="FunctionPlan"/> per
/// <c>aws_lambda_function</c> the apply will create or update, in the root module or any child module, each named by
/// its Terraform address. What the plan knows is taken from <c>resource_changes[].change.after</c>; a value it knows
/// only after apply (<c>after_unknown</c>) is followed through the configuration's references to a resource of the
/// same plan (a layer version, an S3 object upload, an <c>archive_file</c>) where that settles it, and otherwise
/// leaves the function not checked, naming the attribute.
/// </summary>
/// <remarks>
/// Paths (<c>filename</c>, an S3 object's <c>source</c>) are relative to the folder Terraform ran in, as Terraform
/// resolves them (<c>path.module</c> is relative to it too): <paramref name="workingDirectory"/>, <c>--chdir</c>.
/// Of a function's environment only <c>LD_LIBRARY_PATH</c> is read; no other variable leaves the plan document.
/// </remarks>
internal sealed class TerraformPlanner
{
    public const string LambdaFunction = "aws_lambda_function";
    public const string LayerVersion = "aws_lambda_layer_version";
    private static readonly string[] ObjectTypes = ["aws_s3_object", "aws_s3_bucket_object"];
    private static readonly string[] ObjectReferences = [.. ObjectTypes.Select(t => t + ".")];
    private static readonly string[] S3Attributes = ["s3_bucket", "s3_key", "s3_object_version"];

    private readonly string _planFile;
    private readonly string _workingDirectory;
    private readonly List<ResourceChange> _changes = [];
    private readonly Dictionary<string, ResourceChange> _byAddress = new(StringComparer.Ordinal);
    private readonly Dictionary<string, JsonElement> _readValues = new(StringComparer.Ordinal);
    private readonly JsonElement _rootModule;
    private readonly Dictionary<string, string> _ignored;

    /// <param name="planFile">The plan's JSON as named on the command line.</param>
    /// <param name="plan">Its root, already checked to be format 1.x (<see cref="TerraformPlan.Read"/>).</param>
    /// <param name="workingDirectory">Where Terraform ran: relative paths in the plan are resolved there ("" for here).</param>
    /// <param name="ignored">--ignore codes, suppressed for every function.</param>
    public TerraformPlanner(string planFile, JsonElement plan, string workingDirectory, IReadOnlySet<string> ignored)
    {
        _planFile = planFile;
        _workingDirectory = workingDirectory;
        _ignored = ignored.ToDictionary(code => code, _ => "--ignore", StringComparer.Ordinal);
        foreach (var element in Items(Member(plan, "resource_changes")))
        {
            // A deposed object is an old instance being destroyed; the change for the current one is listed apart.
            if (Text(element, "address") is not { } address || element.TryGetProperty("deposed", out _))
            {
                continue;
            }

            var change = new ResourceChange(element, address);
            _changes.Add(change);
            _byAddress[address] = change;
        }

        // Data sources Terraform read while planning are in the state it planned from, not among the changes.
        AddValues(Member(Member(Member(plan, "prior_state"), "values"), "root_module"));
        AddValues(Member(Member(plan, "planned_values"), "root_module"));
        _rootModule = Member(Member(plan, "configuration"), "root_module");
    }

    /// <summary>Every function the apply creates (or replaces) or updates, in the plan's order; none for a no-op or a delete.</summary>
    public IEnumerable<FunctionPlan> Plan() =>
        _changes.Where(c => c.IsManaged && c.Type == LambdaFunction && c.CreatesOrUpdates).Select(PlanFunction);

    private FunctionPlan PlanFunction(ResourceChange function)
    {
        var origin = new FunctionOrigin(function.Address, _planFile, 1, 1);
        var config = ConfigOf(function);
        var imageUri = Text(function.After, "image_uri");
        var architecture = Architecture(function, config, out var architectureUnknown);
        if (Text(function.After, "package_type") == "Image" || imageUri is not null || function.IsUnknown("image_uri"))
        {
            return PlanImage(origin, function, imageUri, architecture, architectureUnknown);
        }

        if (function.IsUnknown("runtime"))
        {
            return FunctionPlan.NotChecked(origin, ".", null, architecture, "runtime is known only after apply (after_unknown)", "give runtime a value known at plan: a literal or a variable, not another resource's attribute", _ignored);
        }

        var runtime = Text(function.After, "runtime");
        var code = CodeOf(function, config);
        if (architectureUnknown && runtime is not null && (RuntimeCatalog.Default.TryFind(runtime, out _) || RuntimeCatalog.Default.TryFindManaged(runtime, out _)))
        {
            return FunctionPlan.NotChecked(origin, code.Display, runtime, null, "architectures is known only after apply (after_unknown)", "give architectures a value known at plan", _ignored);
        }

        var layers = Layers(function, config);
        if (FunctionPlan.ByRuntime(origin, code.Display, runtime, architecture, _ignored, PropertyNames.Terraform, layers.Count, out var parsedArchitecture) is { } decided)
        {
            return decided;
        }

        if (code.Problem is { } problem)
        {
            return FunctionPlan.NotChecked(origin, code.Display, runtime, architecture, problem, code.Hint, _ignored);
        }

        var handler = function.IsUnknown("handler") ? null : Text(function.After, "handler");
        return new FunctionPlan(new PackageRequest(code.Location!, runtime!, parsedArchitecture, layers, handler, origin, _ignored, Environment(function)), null);
    }

    /// <summary>
    /// An image function: its <c>image_uri</c> read as <c>guard check IMAGE</c> reads it, with its architectures and
    /// <c>image_config</c>; not checked when the plan knows the image only after apply (an ECR repository or an image
    /// build of the same apply).
    /// </summary>
    private FunctionPlan PlanImage(FunctionOrigin origin, ResourceChange function, string? imageUri, string architecture, bool architectureUnknown)
    {
        if (function.IsUnknown("image_uri") || imageUri is null)
        {
            var reason = function.IsUnknown("image_uri") ? "the image is not reachable: image_uri is known only after apply (after_unknown)" : "the image is not reachable: package_type Image without image_uri";
            return FunctionPlan.ForImage(origin, null, "image_uri", architecture, null, _ignored, PropertyNames.Terraform, reason);
        }

        if (architectureUnknown || function.IsUnknown("image_config"))
        {
            var what = architectureUnknown ? "architectures" : "image_config";
            return FunctionPlan.NotChecked(origin, imageUri, null, architectureUnknown ? null : architecture, $"{what} is known only after apply (after_unknown)", $"give {what} a value known at plan", _ignored);
        }

        var block = Items(Member(function.After, "image_config")).FirstOrDefault();
        var imageConfig = block.ValueKind != JsonValueKind.Object ? null : new FunctionImageConfig(
            Strings(Member(block, "entry_point")), Strings(Member(block, "command")), Text(block, "working_directory"));
        return FunctionPlan.ForImage(origin, imageUri, imageUri, architecture, imageConfig, _ignored, PropertyNames.Terraform);

        static IReadOnlyList<string>? Strings(JsonElement list) =>
            list.ValueKind == JsonValueKind.Array ? [.. Items(list).Select(item => item.GetString() ?? "")] : null;
    }

    /// <summary>What to open for a function's or a layer's code, or why there is nothing to open before apply.</summary>
    /// <param name="Location">A local path or s3:// URI, when there is something to read.</param>
    private sealed record Code(string? Location, string Display, string? Problem = null, string? Hint = null);

    /// <summary>
    /// <c>filename</c>, or <c>s3_bucket</c>/<c>s3_key</c>/<c>s3_object_version</c> (followed to the <c>source</c> of an
    /// S3 object the same plan uploads). The same for a function and for a layer version.
    /// </summary>
    private Code CodeOf(ResourceChange resource, JsonElement config)
    {
        if (resource.IsUnknown("filename"))
        {
            return UnknownFilename(resource, config);
        }

        if (Text(resource.After, "filename") is { } filename)
        {
            return Filename(resource, config, filename);
        }

        if (Text(resource.After, "s3_bucket") is not null || Text(resource.After, "s3_key") is not null || resource.IsUnknown("s3_bucket") || resource.IsUnknown("s3_key"))
        {
            return S3(resource, config);
        }

        return new Code(null, ".", "no filename, s3_bucket and s3_key, or image_uri: nothing to read");
    }

    private Code Filename(ResourceChange resource, JsonElement config, string filename)
    {
        var resolved = Resolve(filename);
        if (File.Exists(resolved) || Directory.Exists(resolved))
        {
            return new Code(resolved, resolved);
        }

        if (LambdaModuleSource(resource, resolved) is { } built)
        {
            return built;
        }

        if (Reference(config, "filename", "data.archive_file.") is { } archive)
        {
            return new Code(
                null,
                resolved,
                $"{resolved} does not exist: {archive} writes it when Terraform reads the data source, during terraform plan",
                "run guard check in the folder terraform plan ran in, after it (the zip is written there), or pass --chdir DIR for terraform -chdir=DIR");
        }

        return new Code(
            null,
            resolved,
            $"filename {filename} does not exist (looked for {resolved})",
            "build the package before terraform plan, and run guard check where Terraform ran, or pass --chdir DIR for terraform -chdir=DIR: Terraform resolves filename in its working directory");
    }

    private Code UnknownFilename(ResourceChange resource, JsonElement config)
    {
        if (Reference(config, "filename", "data.archive_file.") is { } archive)
        {
            var outputPath = FindChange(resource, archive) is { } read ? Text(read.After, "output_path") : null;
            return new Code(
                null,
                outputPath is null ? "." : Resolve(outputPath),
                $"filename is known only after apply (after_unknown): {archive} is read at apply, and writes its zip only then",
                $"make {archive}'s arguments known at plan, so that terraform plan reads it and writes the zip; then {TerraformFiles.PlanCommands}");
        }

        return LambdaModuleSource(resource, "filename") ?? new Code(
            null,
            ".",
            "filename is known only after apply (after_unknown)",
            "give filename a value known at plan: a path, or an archive_file's output_path");
    }

    /// <summary>
    /// terraform-aws-modules/lambda names its zip at plan (<c>builds/HASH.zip</c>) and builds it at apply: until then
    /// the package is the module's <c>source_path</c>, when that is one folder zipped as it is (no build commands).
    /// Its value is taken from the module's <c>archive_prepare</c> data source, read at plan, or else from the call.
    /// </summary>
    private Code? LambdaModuleSource(ResourceChange resource, string zip)
    {
        if (resource.ModuleAddress is not { } module)
        {
            return null;
        }

        var call = ModuleCall(module);
        var prepare = _readValues.GetValueOrDefault($"{module}.data.external.archive_prepare[0]");
        var source = Text(call, "source") ?? "";
        if (prepare.ValueKind != JsonValueKind.Object && !source.Contains("terraform-aws-modules/lambda", StringComparison.Ordinal) && !source.Contains("terraform-aws-lambda", StringComparison.Ordinal))
        {
            return null;
        }

        var sourcePath = SourcePath(prepare, call);
        var hint = $"the module builds the zip at apply; terraform apply -target='{module}.null_resource.archive[0]' builds only the zip, then run guard check again";
        if (sourcePath is not { ValueKind: JsonValueKind.String } path)
        {
            return new Code(null, zip, $"{zip} is built at apply by terraform-aws-modules/lambda, from a source_path with build steps (commands, patterns) or unknown at plan: only the built zip shows what the function gets", hint);
        }

        var resolved = Resolve(path.GetString()!);
        return Directory.Exists(resolved)
            ? new Code(resolved, resolved)
            : new Code(null, resolved, $"{zip} is built at apply by terraform-aws-modules/lambda from source_path {path.GetString()}, which is not a folder here (looked for {resolved})", hint);
    }

    private static JsonElement? SourcePath(JsonElement prepare, JsonElement call)
    {
        // The module passes jsonencode(var.source_path) to package.py: the evaluated value, whatever expression gave it.
        if (Text(Member(Member(prepare, "values"), "query"), "source_path") is { } encoded)
        {
            try
            {
                using var document = JsonDocument.Parse(encoded);
                return document.RootElement.Clone();
            }
            catch (JsonException)
            {
                return null;
            }
        }

        var expression = Member(Member(call, "expressions"), "source_path");
        return expression.TryGetProperty("constant_value", out var constant) ? constant : null;
    }

    private Code S3(ResourceChange resource, JsonElement config)
    {
        var bucket = Text(resource.After, "s3_bucket");
        var key = Text(resource.After, "s3_key");
        var upload = bucket is not null && key is not null
            ? _changes.FirstOrDefault(c => c.IsManaged && ObjectTypes.Contains(c.Type) && c.CreatesOrUpdates && Text(c.After, "bucket") == bucket && Text(c.After, "key") == key)
            : null;
        upload ??= S3Attributes
            .Select(attribute => Reference(config, attribute, ObjectReferences))
            .Where(reference => reference is not null)
            .Select(reference => FindChange(resource, reference!))
            .FirstOrDefault(c => c is { CreatesOrUpdates: true });
        if (upload is not null)
        {
            return ObjectSource(upload);
        }

        foreach (var attribute in S3Attributes)
        {
            if (resource.IsUnknown(attribute))
            {
                return new Code(null, $"s3://{bucket ?? "?"}/{key ?? "?"}", $"{attribute} is known only after apply (after_unknown), and no S3 object of this plan is its source", "upload the package with an aws_s3_object whose source is a local file, or give the location as values known at plan");
            }
        }

        if (bucket is null || key is null)
        {
            return new Code(null, ".", "s3_bucket and s3_key: both are needed to read the package");
        }

        var version = Text(resource.After, "s3_object_version");
        var uri = $"s3://{bucket}/{key}" + (version is null ? "" : $"?versionId={Uri.EscapeDataString(version)}");
        return new Code(uri, uri);
    }

    /// <summary>The local file an <c>aws_s3_object</c> of this plan uploads.</summary>
    private Code ObjectSource(ResourceChange upload)
    {
        if (upload.IsUnknown("source"))
        {
            return new Code(null, upload.Address, $"the source of {upload.Address}, which uploads the package, is known only after apply (after_unknown)");
        }

        if (Text(upload.After, "source") is not { } source)
        {
            return new Code(null, upload.Address, $"{upload.Address} uploads content written in the configuration (content, content_base64), not a file: Guard reads packages from files");
        }

        var resolved = Resolve(source);
        if (File.Exists(resolved) || Directory.Exists(resolved))
        {
            return new Code(resolved, resolved);
        }

        // terraform-aws-modules/lambda with store_on_s3 uploads the zip it builds at apply.
        return LambdaModuleSource(upload, resolved) ??
            new Code(null, resolved, $"the source {source} of {upload.Address} does not exist (looked for {resolved})", "build the package before terraform plan, or pass --chdir DIR for terraform -chdir=DIR");
    }

    /// <summary>
    /// The function's layers in order. A layer version the same plan creates has an ARN known only after apply; the
    /// configuration's references for <c>layers</c> say which one, and its own code is read like a function's.
    /// </summary>
    private List<LayerSource> Layers(ResourceChange function, JsonElement config)
    {
        var created = References(config, "layers")
            .Select(reference => FindChange(function, reference))
            .Where(c => c is { IsManaged: true, Type: LayerVersion, CreatesOrUpdates: true })
            .Select(c => c!)
            .DistinctBy(c => c.Address)
            .ToList();
        if (function.IsUnknown("layers") && Member(function.After, "layers").ValueKind != JsonValueKind.Array)
        {
            return created.Count > 0
                ? [.. created.Select(Layer)]
                : [LayerSource.NotRead("layers", "known only after apply (after_unknown), and no aws_lambda_layer_version of this plan")];
        }

        var values = Items(Member(function.After, "layers")).ToList();
        var unknown = Items(Member(function.Unknown, "layers")).Select(u => u.ValueKind == JsonValueKind.True).ToList();
        var unknownCount = Enumerable.Range(0, values.Count).Count(i => i < unknown.Count && unknown[i]);
        var layers = new List<LayerSource>();
        var next = 0;
        for (var i = 0; i < values.Count; i++)
        {
            if (i < unknown.Count && unknown[i])
            {
                // Paired in order only when the references name exactly as many layer versions as are unknown.
                layers.Add(unknownCount == created.Count
                    ? Layer(created[next++])
                    : LayerSource.NotRead($"layers[{i}]", "known only after apply (after_unknown), and the configuration does not say which aws_lambda_layer_version it is"));
                continue;
            }

            var arn = values[i].ValueKind == JsonValueKind.String ? values[i].GetString()! : "";
            layers.Add(LayerSource.IsLayerVersionArn(arn) ? new LayerSource(arn, Arn: arn) : LayerSource.NotRead(arn, "not a layer-version ARN (arn:aws:lambda:REGION:ACCOUNT:layer:NAME:VERSION)"));
        }

        return layers;
    }

    private LayerSource Layer(ResourceChange layer)
    {
        var code = CodeOf(layer, ConfigOf(layer));
        return code.Location is { } location ? new LayerSource(location, Location: location) : LayerSource.NotRead(layer.Address, code.Problem ?? "its code cannot be read");
    }

    /// <summary>
    /// What the function's environment sets for ld.so: its LD_LIBRARY_PATH (no other variable is read), Lambda's
    /// default when it sets none, null when the plan knows it only after apply.
    /// </summary>
    private static FunctionEnvironment? Environment(ResourceChange function)
    {
        // Unknown at any level down to LD_LIBRARY_PATH itself; another variable unknown (an API's URL) does not matter.
        var unknown = Member(function.Unknown, "environment");
        var unknownBlock = Items(unknown).FirstOrDefault();
        var unknownVariables = Member(unknownBlock, "variables");
        if (function.Unknown.ValueKind == JsonValueKind.True || unknown.ValueKind == JsonValueKind.True || unknownBlock.ValueKind == JsonValueKind.True ||
            unknownVariables.ValueKind == JsonValueKind.True || Member(unknownVariables, "LD_LIBRARY_PATH").ValueKind == JsonValueKind.True)
        {
            return null;
        }

        var block = Items(Member(function.After, "environment")).FirstOrDefault();
        if (block.ValueKind != JsonValueKind.Object)
        {
            return FunctionEnvironment.Default;
        }

        return Text(Member(block, "variables"), "LD_LIBRARY_PATH") is { } path ? new FunctionEnvironment(path) : FunctionEnvironment.Default;
    }

    /// <summary>
    /// <c>architectures</c>: the provider computes it when the configuration leaves it out, so a new function has it
    /// unknown at plan though Lambda will make it x86_64; unknown only when the configuration sets it from such a value.
    /// </summary>
    private static string Architecture(ResourceChange function, JsonElement config, out bool unknown)
    {
        unknown = false;
        if (function.IsUnknown("architectures"))
        {
            if (Member(Member(config, "expressions"), "architectures").ValueKind != JsonValueKind.Undefined)
            {
                unknown = true;
                return "known after apply";
            }

            return ArchitectureNames.X8664;
        }

        var names = Items(Member(function.After, "architectures")).Select(a => a.ValueKind == JsonValueKind.String ? a.GetString()! : "?").ToList();
        return names.Count == 0 ? ArchitectureNames.X8664 : string.Join(", ", names);
    }

    /// <summary>The configuration block of a resource: its module's (by call name, instance keys dropped), then its type and name.</summary>
    private JsonElement ConfigOf(ResourceChange resource)
    {
        var module = _rootModule;
        foreach (var name in ModuleNames(resource.ModuleAddress))
        {
            module = Member(Member(Member(module, "module_calls"), name), "module");
        }

        return Items(Member(module, "resources")).FirstOrDefault(r =>
            Text(r, "mode") == resource.Mode && Text(r, "type") == resource.Type && Text(r, "name") == resource.Name);
    }

    private JsonElement ModuleCall(string moduleAddress)
    {
        var names = ModuleNames(moduleAddress);
        var module = _rootModule;
        var call = default(JsonElement);
        foreach (var name in names)
        {
            call = Member(Member(module, "module_calls"), name);
            module = Member(call, "module");
        }

        return call;
    }

    /// <summary>The configuration's references for an attribute (module-relative: <c>aws_s3_object.code.key</c>, <c>aws_s3_object.code</c>).</summary>
    private static IEnumerable<string> References(JsonElement config, string attribute) =>
        Items(Member(Member(Member(config, "expressions"), attribute), "references"))
            .Where(r => r.ValueKind == JsonValueKind.String)
            .Select(r => r.GetString()!);

    /// <summary>The first reference of <paramref name="attribute"/> to a resource of one of <paramref name="prefixes"/>, as the resource (no attribute).</summary>
    private static string? Reference(JsonElement config, string attribute, params string[] prefixes)
    {
        foreach (var reference in References(config, attribute))
        {
            if (prefixes.Any(p => reference.StartsWith(p, StringComparison.Ordinal)))
            {
                // type.name, or data.type.name: the attribute after it is dropped (references list both forms anyway).
                var parts = reference.Split('.');
                var length = reference.StartsWith("data.", StringComparison.Ordinal) ? 3 : 2;
                return parts.Length >= length ? string.Join('.', parts[..length]) : reference;
            }
        }

        return null;
    }

    /// <summary>The change a module-relative reference names, in the same module instance as <paramref name="from"/>.</summary>
    private ResourceChange? FindChange(ResourceChange from, string reference)
    {
        var address = from.ModuleAddress is { } module ? $"{module}.{reference}" : reference;
        if (_byAddress.TryGetValue(address, out var exact))
        {
            return exact;
        }

        // A reference without the instance key (count = 1, or for_each of one) names the only instance.
        var instances = _changes.Where(c => c.Address.StartsWith(address + "[", StringComparison.Ordinal)).Take(2).ToList();
        return instances.Count == 1 ? instances[0] : null;
    }

    /// <summary>Indexes a module of <c>prior_state.values</c> or <c>planned_values</c> and its child modules by address.</summary>
    private void AddValues(JsonElement module)
    {
        foreach (var resource in Items(Member(module, "resources")))
        {
            if (Text(resource, "address") is { } address)
            {
                _readValues.TryAdd(address, resource);
            }
        }

        foreach (var child in Items(Member(module, "child_modules")))
        {
            AddValues(child);
        }
    }

    private string Resolve(string path) => TemplateContext.ResolveUnder(_workingDirectory, path);

    /// <summary><c>module.a[0].module.b["k.x"]</c> → a, b: call names without instance keys (which may hold dots and brackets in quotes).</summary>
    internal static IReadOnlyList<string> ModuleNames(string? moduleAddress)
    {
        var names = new List<string>();
        if (string.IsNullOrEmpty(moduleAddress))
        {
            return names;
        }

        var i = 0;
        while (i < moduleAddress.Length)
        {
            if (string.CompareOrdinal(moduleAddress, i, "module.", 0, 7) != 0)
            {
                break;
            }

            i += 7;
            var start = i;
            while (i < moduleAddress.Length && moduleAddress[i] is not ('.' or '['))
            {
                i++;
            }

            names.Add(moduleAddress[start..i]);
            if (i < moduleAddress.Length && moduleAddress[i] == '[')
            {
                var quoted = false;
                for (i++; i < moduleAddress.Length && (quoted || moduleAddress[i] != ']'); i++)
                {
                    if (moduleAddress[i] == '\\' && quoted)
                    {
                        i++;
                    }
                    else if (moduleAddress[i] == '"')
                    {
                        quoted = !quoted;
                    }
                }

                i++; // the ']'
            }

            if (i < moduleAddress.Length && moduleAddress[i] == '.')
            {
                i++;
            }
        }

        return names;
    }

    private static JsonElement Member(JsonElement element, string name) =>
        element.ValueKind == JsonValueKind.Object && element.TryGetProperty(name, out var value) ? value : default;

    private static string? Text(JsonElement element, string name) =>
        Member(element, name) is { ValueKind: JsonValueKind.String } value ? value.GetString() : null;

    private static IEnumerable<JsonElement> Items(JsonElement element)
    {
        if (element.ValueKind != JsonValueKind.Array)
        {
            yield break;
        }

        foreach (var item in element.EnumerateArray())
        {
            yield return item;
        }
    }

    /// <summary>One entry of <c>resource_changes</c>.</summary>
    private sealed class ResourceChange(JsonElement element, string address)
    {
        public string Address { get; } = address;

        public string? ModuleAddress { get; } = Text(element, "module_address");

        public string? Mode { get; } = Text(element, "mode");

        public string? Type { get; } = Text(element, "type");

        public string? Name { get; } = Text(element, "name");

        public bool IsManaged => Mode == "managed";

        /// <summary>create (alone, or in a replace: delete then create, or create before delete) or update.</summary>
        public bool CreatesOrUpdates { get; } = Items(Member(Member(element, "change"), "actions")).Any(a => a.ValueKind == JsonValueKind.String && a.GetString() is "create" or "update");

        public JsonElement After { get; } = Member(Member(element, "change"), "after");

        public JsonElement Unknown { get; } = Member(Member(element, "change"), "after_unknown");

        /// <summary>The attribute, or any part of it, is known only after apply.</summary>
        public bool IsUnknown(string attribute) => Unknown.ValueKind == JsonValueKind.True || AnyTrue(Member(Unknown, attribute));

        private static bool AnyTrue(JsonElement element) => element.ValueKind switch
        {
            JsonValueKind.True => true,
            JsonValueKind.Array => element.EnumerateArray().Any(AnyTrue),
            JsonValueKind.Object => element.EnumerateObject().Any(p => AnyTrue(p.Value)),
            _ => false,
        };
    }
}
