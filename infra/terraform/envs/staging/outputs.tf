# infra/scripts/terraform-outputs.sh copies the scalar outputs into
# infra/k8s/overlays/prod/terraform-outputs.env.
output "aws_region" {
  description = "The region everything is in."
  value       = module.waybill.aws_region
}

output "cluster_name" {
  description = "The EKS cluster, for `aws eks update-kubeconfig --name`."
  value       = module.waybill.cluster_name
}

output "vpc_cidr" {
  description = "The VPC's range; the overlay lets pods reach PostgreSQL and Redis in it."
  value       = module.waybill.vpc_cidr
}

output "ecr_registry" {
  description = "The image registry host."
  value       = module.waybill.ecr_registry
}

output "ecr_repository_urls" {
  description = "Repository URL by image name."
  value       = module.waybill.ecr_repository_urls
}

output "app_secret_name" {
  description = "Secrets Manager secret the ExternalSecrets read."
  value       = module.waybill.app_secret_name
}

output "email_secret_name" {
  description = "Secrets Manager secret with EMAIL_URL, set by an operator."
  value       = module.waybill.email_secret_name
}

output "external_secrets_role_arn" {
  description = "IAM role of the ServiceAccount waybill-external-secrets."
  value       = module.waybill.external_secrets_role_arn
}

output "database_identifier" {
  description = "The RDS instance, for snapshots and restores."
  value       = module.waybill.database_identifier
}
