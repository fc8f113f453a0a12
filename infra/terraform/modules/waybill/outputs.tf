output "aws_region" {
  description = "The region everything is in."
  value       = data.aws_region.current.region
}

output "cluster_name" {
  description = "The EKS cluster, for `aws eks update-kubeconfig --name`."
  value       = module.eks.cluster_name
}

output "vpc_cidr" {
  description = "The VPC's range, where the databases are."
  value       = module.network.vpc_cidr
}

output "ecr_registry" {
  description = "The image registry host."
  value       = module.ecr.registry
}

output "ecr_repository_urls" {
  description = "Repository URL by image name."
  value       = module.ecr.repository_urls
}

output "app_secret_name" {
  description = "Secrets Manager secret with SECRET_KEY, DATABASE_URL, REDIS_URL, REDIS_ADDRESS, REDIS_PASSWORD."
  value       = module.secrets.app_secret_name
}

output "email_secret_name" {
  description = "Secrets Manager secret with EMAIL_URL, set by an operator."
  value       = module.secrets.email_secret_name
}

output "external_secrets_role_arn" {
  description = "IAM role of the ServiceAccount waybill-external-secrets."
  value       = module.external_secrets_role.role_arn
}

output "database_identifier" {
  description = "The RDS instance, for snapshots and restores."
  value       = module.rds.identifier
}

output "media_bucket" {
  description = "S3 bucket of uploads and generated files."
  value       = module.media.bucket
}

output "media_role_arn" {
  description = "IAM role of the ServiceAccounts waybill-django and waybill-worker."
  value       = module.media_role.role_arn
}

output "default_from_email" {
  description = "Sender of every email."
  value       = var.email_from
}

output "ses_dkim_records" {
  description = "CNAME records (name => value) that verify the sender domain in SES."
  value = {
    for token in aws_sesv2_email_identity.sender.dkim_signing_attributes[0].tokens :
    "${token}._domainkey.${local.sender_domain}" => "${token}.dkim.amazonses.com"
  }
}

output "cluster_autoscaler_role_arn" {
  description = "IAM role of the ServiceAccount kube-system/cluster-autoscaler."
  value       = module.cluster_autoscaler_role.role_arn
}
