# Staging: the production shape at the smallest sizes that still fail over.
environment          = "staging"
aws_account_id       = "123456789012"
aws_region           = "eu-west-1"
vpc_cidr             = "10.30.0.0/16"
availability_zones   = ["eu-west-1a", "eu-west-1b"]
single_nat_gateway   = true
kubernetes_version   = "1.35"
public_access_cidrs  = ["203.0.113.0/24"]
admin_principal_arns = ["arn:aws:iam::123456789012:role/Admin"]
node_instance_types  = ["t3.large"]
node_count           = { min = 2, max = 4 }
log_retention_days   = 365
# A verified SES identity sends from this domain (docs/deploy.md, step 5).
email_from = "Waybill staging <no-reply@staging.waybill.example.com>"

postgres = {
  engine_version        = "16"
  instance_class        = "db.t4g.medium"
  allocated_storage_gb  = 20
  max_storage_gb        = 100
  multi_az              = false
  backup_retention_days = 7
}

redis = {
  engine_version          = "7.1"
  node_type               = "cache.t4g.small"
  node_count              = 1
  snapshot_retention_days = 1
}
