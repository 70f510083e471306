using System.Text.RegularExpressions;

namespace Guard.Cli.Migration.Source;

/// <summary>
/// CDK app source where a function's runtime is written as a literal: <c>Runtime.GO_1_X</c>,
/// <c>Runtime.PROVIDED</c>, <c>Runtime.PROVIDED_AL2</c> (TypeScript, JavaScript, Python, Java and C# share the
/// names) and Go's <c>awslambda.Runtime_GO_1_X()</c>. A runtime moved from go1.x also gets its handler set to
/// bootstrap, found in the same construct's props: the innermost bracket around the runtime (an object literal,
/// Python's call, C#'s initializer, Go's struct), or for Java's builder the statement. Runtimes computed at synth
/// time are out of reach of a text edit, and left alone.
/// </summary>
internal static partial class CdkSource
{
    public static void Migrate(SourceFile file, SourceMigration run)
    {
        var language = Path.GetExtension(file.Path).ToLowerInvariant();
        var go = language == ".go";
        var pattern = go ? GoRuntime() : Runtime();
        // Only a file that imports the CDK: Runtime.GO_1_X in anything else (a test's string, another SDK) is not a stack.
        if (!file.Text.Contains(go ? "Runtime_" : "Runtime.", StringComparison.Ordinal) || !CdkImport().IsMatch(file.Text))
        {
            return;
        }

        run.Add(file);
        var target = run.Target.Runtime == "provided.al2023" ? "PROVIDED_AL2023" : "PROVIDED_AL2";
        foreach (Match match in pattern.Matches(file.Text))
        {
            var name = match.Groups["name"];
            var runtime = name.Value switch
            {
                "GO_1_X" => MigrationTarget.Go1x,
                "PROVIDED" => "provided",
                _ => "provided.al2",
            };
            if (!run.Target.Moves(runtime) || InComment(file.Text, match.Index))
            {
                continue;
            }

            run.FunctionsMoved++;
            file.Replace(name.Index, name.Length, target);
            run.Changed(file, match.Index, $"{match.Value} -> {match.Value.Replace(name.Value, target, StringComparison.Ordinal)}");
            if (runtime != MigrationTarget.Go1x)
            {
                continue;
            }

            run.MovedGoFunction = true;
            var (start, end) = language == ".java" ? Statement(file.Text, match.Index) : Enclosing(file.Text, match.Index);
            var props = file.Text[start..end];
            var handler = Handler(language).Match(props);
            if (handler.Success)
            {
                var value = handler.Groups["value"];
                if (value.Value != MigrationTarget.Bootstrap)
                {
                    file.Replace(start + value.Index, value.Length, MigrationTarget.Bootstrap);
                    run.Changed(file, start + value.Index, $"handler: {value.Value} -> bootstrap");
                    var asset = Asset().Match(props);
                    run.Manual(file, start + (asset.Success ? asset.Index : value.Index),
                        $"the function's code{(asset.Success ? $" ({asset.Value.TrimEnd('(')}…)" : "")} holds its binary as '{value.Value}'; a custom runtime starts only bootstrap",
                        $"build the binary as bootstrap in the asset's folder (GOOS=linux go build -tags lambda.norpc -o <asset folder>/bootstrap), or run guard package {value.Value} --out dist and point the code at dist/{Path.GetFileName(value.Value)}.zip");
                }
            }
        }
    }

    /// <summary>The innermost unclosed ( or { before <paramref name="position"/>, to its closing bracket.</summary>
    private static (int Start, int End) Enclosing(string text, int position)
    {
        var depth = 0;
        for (var i = position - 1; i >= 0; i--)
        {
            switch (text[i])
            {
                case ')' or '}' or ']':
                    depth++;
                    break;
                case '(' or '{' or '[' when depth > 0:
                    depth--;
                    break;
                case '(' or '{':
                    return (i, Closing(text, i));
            }
        }

        return (0, text.Length);
    }

    private static int Closing(string text, int open)
    {
        var depth = 0;
        for (var i = open; i < text.Length; i++)
        {
            switch (text[i])
            {
                case '(' or '{' or '[':
                    depth++;
                    break;
                case ')' or '}' or ']':
                    if (--depth == 0)
                    {
                        return i + 1;
                    }

                    break;
            }
        }

        return text.Length;
    }

    /// <summary>Java's builder chain: from the statement's start to its semicolon, brackets balanced.</summary>
    private static (int Start, int End) Statement(string text, int position)
    {
        var start = position;
        var depth = 0;
        while (start > 0)
        {
            var c = text[start - 1];
            if (c is ')' or ']')
            {
                depth++;
            }
            else if (c is '(' or '[' && depth > 0)
            {
                depth--;
            }
            else if (depth == 0 && c is ';' or '{' or '}')
            {
                break;
            }

            start--;
        }

        var end = position;
        depth = 0;
        while (end < text.Length && !(depth == 0 && text[end] == ';'))
        {
            depth += text[end] is '(' or '[' or '{' ? 1 : text[end] is ')' or ']' or '}' ? -1 : 0;
            end++;
        }

        return (start, end);
    }

    private static bool InComment(string text, int position)
    {
        var lineStart = position == 0 ? 0 : text.LastIndexOf('\n', position - 1) + 1;
        var line = text[lineStart..position];
        return line.Contains("//", StringComparison.Ordinal) || line.TrimStart().StartsWith('#') || line.TrimStart().StartsWith('*');
    }

    private static Regex Handler(string language) => language switch
    {
        ".py" => PythonHandler(),
        ".java" => JavaHandler(),
        ".cs" => CSharpHandler(),
        ".go" => GoHandler(),
        _ => ScriptHandler(),
    };

    /// <summary>An import of the CDK at the start of a line, in each language's form (Go's may sit in a gofmt'd import block, a tab in).</summary>
    [GeneratedRegex(@"^(?:(?:import|using|from|const|let|var)\b[^\r\n]*(?:aws-cdk-lib|@aws-cdk/|aws_cdk|software\.amazon\.awscdk|Amazon\.CDK)|(?:import[ \t]+(?:\w+[ \t]+)?|\t(?:\w+[ \t]+)?)""github\.com/aws/aws-cdk-go/)", RegexOptions.Multiline)]
    private static partial Regex CdkImport();

    [GeneratedRegex(@"\bRuntime\.(?<name>GO_1_X|PROVIDED_AL2|PROVIDED)\b")]
    private static partial Regex Runtime();

    [GeneratedRegex(@"\bRuntime_(?<name>GO_1_X|PROVIDED_AL2|PROVIDED)\(\)")]
    private static partial Regex GoRuntime();

    [GeneratedRegex(@"\bhandler\s*:\s*(?<q>['""`])(?<value>[^'""`\r\n]*)\k<q>")]
    private static partial Regex ScriptHandler();

    [GeneratedRegex(@"\bhandler\s*=\s*(?<q>['""])(?<value>[^'""\r\n]*)\k<q>")]
    private static partial Regex PythonHandler();

    [GeneratedRegex(@"\.handler\s*\(\s*""(?<value>[^""\r\n]*)""\s*\)")]
    private static partial Regex JavaHandler();

    [GeneratedRegex(@"\bHandler\s*=\s*""(?<value>[^""\r\n]*)""")]
    private static partial Regex CSharpHandler();

    [GeneratedRegex(@"\bHandler\s*:\s*jsii\.String\(\s*""(?<value>[^""\r\n]*)""\s*\)")]
    private static partial Regex GoHandler();

    [GeneratedRegex(@"\bCode(?:\.fromAsset|\.from_asset|\.FromAsset|_FromAsset)\s*\(\s*[^,)]*")]
    private static partial Regex Asset();
}
