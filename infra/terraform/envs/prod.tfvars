# Production: three zones, a standby database, a Redis replica, room to scale.
environment          = "prod"
aws_account_id       = "123456789012"
aws_region           = "eu-west-1"
vpc_cidr             = "10.40.0.0/16"
availability_zones   = ["eu-west-1a", "eu-west-1b", "eu-west-1c"]
single_nat_gateway   = false
kubernetes_version   = "1.35"
public_access_cidrs  = ["203.0.113.0/24"]
admin_principal_arns = ["arn:aws:iam::123456789012:role/Admin"]
node_instance_types  = ["m6i.large"]
node_count           = { min = 3, max = 9 }
log_retention_days   = 365
# A verified SES identity sends from this domain (docs/deploy.md, step 5).
email_from = "Waybill <no-reply@waybill.example.com>"

postgres = {
  engine_version        = "16"
  instance_class        = "db.m6g.large"
  allocated_storage_gb  = 100
  max_storage_gb        = 1000
  multi_az              = true
  backup_retention_days = 14
}

redis = {
  engine_version          = "7.1"
  node_type               = "cache.m6g.large"
  node_count              = 2
  snapshot_retention_days = 7
}
