output "state_bucket" {
  description = "The state bucket, for the bucket line of infra/terraform/envs/*.s3.tfbackend."
  value       = module.state.bucket
}
