using Guard.Cli.Tests.Support;
using Guard.Testing;

namespace Guard.Cli.Tests.Migration.Source;

public sealed class TerraformSourceTests : IDisposable
{
    private const string MainTf = """
        data "archive_file" "hello" {
          type        = "zip"
          source_file = "bin/hello"
          output_path = "build/hello.zip"
        }

        # The Go API function.
        resource "aws_lambda_function" "hello" {
          function_name    = "hello"
          role             = aws_iam_role.lambda.arn
          filename         = data.archive_file.hello.output_path
          source_code_hash = data.archive_file.hello.output_base64sha256
          handler          = "hello" # the binary's name
          runtime          = "go1.x"
          architectures    = ["x86_64"]

          environment {
            variables = {
              GREETING = "hi ${var.name}"
            }
          }
        }

        module "world" {
          source  = "terraform-aws-modules/lambda/aws"
          version = "~> 7.0"

          function_name          = "world"
          handler                = "world"
          runtime                = "go1.x"
          create_package         = false
          local_existing_package = "dist/world.zip"
        }

        module "other" {
          source  = "terraform-aws-modules/lambda/aws"
          runtime = "provided.al2"
          handler = "bootstrap"
        }

        resource "aws_lambda_function" "python" {
          function_name = "py"
          role          = aws_iam_role.lambda.arn
          handler       = "app.handler"
          runtime       = "python3.12"
          filename      = "py.zip"
        }

        variable "name" {
          default = <<-EOT
            you
          EOT
        }

        """;

    private readonly Scratch _scratch = new();

    public void Dispose() => _scratch.Dispose();

    [Fact]
    public async Task Migrate_LambdaResourceAndModule_EditsTheLiteralsAndTerraformFmtHasNothingToSay()
    {
        var file = _scratch.Write("infra/main.tf", MainTf);
        _scratch.Write("infra/dist/world.zip", new Guard.Testing.PackageBuilder()
            .AddFile("bootstrap", Guard.Testing.ElfBuilder.Static(Guard.Testing.ElfBuilder.X8664, go: true), Guard.Testing.PackageBuilder.ExecutableMode).ToArray());

        var run = await SourceRun.MigrateAsync(_scratch.PathOf("infra"), apply: true);

        Assert.Equal(MainTf
            .Replace("handler          = \"hello\"", "handler          = \"bootstrap\"", StringComparison.Ordinal)
            .Replace("runtime          = \"go1.x\"", "runtime          = \"provided.al2023\"", StringComparison.Ordinal)
            .Replace("handler                = \"world\"", "handler                = \"bootstrap\"", StringComparison.Ordinal)
            .Replace("runtime                = \"go1.x\"", "runtime                = \"provided.al2023\"", StringComparison.Ordinal)
            .Replace("runtime = \"provided.al2\"", "runtime = \"provided.al2023\"", StringComparison.Ordinal),
            File.ReadAllText(file));
        var terraform = ExternalProcess.Find("terraform", "install Terraform (https://developer.hashicorp.com/terraform/install)");
        var fmt = await ExternalProcess.RunAsync(terraform, ["fmt", "-check", "-diff", "main.tf"], TestContext.Current.CancellationToken, new() { WorkingDirectory = _scratch.PathOf("infra") });
        Assert.True(fmt.ExitCode == 0, fmt.Log);
        // archive_file cannot rename what it zips: that is left to the user, with the change it needs.
        Assert.Equal(ExitCodes.Broken, run.ExitCode);
        Assert.Contains("MANUAL  main.tf:3  data.archive_file.hello zips bin/hello under its own name", run.Report, StringComparison.Ordinal);
        Assert.Contains("set source_file = \"build/hello/bootstrap\"", run.Report, StringComparison.Ordinal);
        // The module's prebuilt zip already holds bootstrap and is judged on the target runtime.
        Assert.Contains("CHECKED  dist/world.zip for module.world starts on provided.al2023 x86_64", run.Report, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Migrate_RunAgainAfterApply_PrintsAnEmptyDiff()
    {
        _scratch.Write("infra/main.tf", MainTf);
        await SourceRun.MigrateAsync(_scratch.PathOf("infra"), apply: true);

        var again = await SourceRun.MigrateAsync(_scratch.PathOf("infra"));

        Assert.Equal("", again.Diff);
    }

    [Fact]
    public async Task Migrate_RuntimeFromVariable_ReportsTheVariableToSet()
    {
        var file = _scratch.Write("infra/main.tf", """
            variable "go_runtime" {
              type    = string
              default = "go1.x"
            }

            resource "aws_lambda_function" "f" {
              runtime = var.go_runtime
              handler = "main"
            }
            """);

        var run = await SourceRun.MigrateAsync(file);

        Assert.Equal((ExitCodes.Broken, ""), (run.ExitCode, run.Diff));
        Assert.Contains("aws_lambda_function.f: runtime = var.go_runtime (default go1.x)", run.Report, StringComparison.Ordinal);
    }
}
