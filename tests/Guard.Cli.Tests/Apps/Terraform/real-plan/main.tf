# Guard's real Terraform plan fixture: the shape of a Lambda app (a function in a child module with count, a
# layer it references, an S3 upload), made with Terraform's built-in terraform_data resources only, because the
# machine that made it cannot download the AWS provider. See README.md.
variable "runtime" {
  default = "provided.al2023"
}

resource "terraform_data" "layer" {
  input = { filename = "dist/runtime-layer.zip" }
}

resource "terraform_data" "upload" {
  input = { bucket = "artifacts", key = "orders.zip", source = "dist/orders.zip" }
}

module "orders" {
  source  = "./modules/function"
  count   = 1
  runtime = var.runtime
  layers  = [terraform_data.layer.id, "arn:aws:lambda:us-east-1:123456789012:layer:insights:21"]
}
