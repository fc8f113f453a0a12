# infra/scripts/terraform-outputs.sh copies the scalar outputs the overlay reads
# into infra/k8s/overlays/<environment>/terraform-outputs.env.
output "environment" {
  description = "The environment this state belongs to; terraform-outputs.sh refuses to write another's overlay."
  value       = terraform_data.environment.output
}

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

output "media_bucket" {
  description = "S3 bucket of uploads and generated files (MEDIA_BUCKET)."
  value       = module.waybill.media_bucket
}

output "media_role_arn" {
  description = "IAM role of the ServiceAccounts waybill-django and waybill-worker: read and write the media bucket."
  value       = module.waybill.media_role_arn
}

output "default_from_email" {
  description = "Sender of every email (DEFAULT_FROM_EMAIL)."
  value       = module.waybill.default_from_email
}

output "ses_dkim_records" {
  description = "CNAME records that verify the sender domain in SES (name => value)."
  value       = module.waybill.ses_dkim_records
}

output "cluster_autoscaler_role_arn" {
  description = "IAM role of the ServiceAccount kube-system/cluster-autoscaler."
  value       = module.waybill.cluster_autoscaler_role_arn
}

output "database_identifier" {
  description = "The RDS instance, for snapshots and restores."
  value       = module.waybill.database_identifier
}
