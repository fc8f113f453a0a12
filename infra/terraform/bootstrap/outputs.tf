output "backend_config" {
  description = "The contents of envs/*/backend.hcl."
  value       = <<-EOT
    bucket         = "${aws_s3_bucket.state.bucket}"
    region         = "${var.aws_region}"
    dynamodb_table = "${aws_dynamodb_table.locks.name}"
  EOT
}
