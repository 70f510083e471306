variable "runtime" {}
variable "layers" {}

resource "terraform_data" "this" {
  count = 1
  input = {
    runtime     = var.runtime
    filename    = "${path.module}/build/orders.zip"
    layers      = var.layers
    environment = [{ variables = { LD_LIBRARY_PATH = "/var/task/lib" } }]
  }
}
