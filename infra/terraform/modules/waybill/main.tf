# Everything one Waybill environment needs in an AWS account and region.
data "aws_caller_identity" "current" {}
data "aws_region" "current" {}

locals {
  name       = "waybill-${var.environment}"
  account_id = data.aws_caller_identity.current.account_id
  region     = data.aws_region.current.region
  # Auto Scaling launches the managed nodes, so it encrypts their volumes with
  # the key. The role exists once per account (docs/deploy.md, step 1).
  autoscaling_role_arn = "arn:aws:iam::${local.account_id}:role/aws-service-role/autoscaling.amazonaws.com/AWSServiceRoleForAutoScaling"
  sender_domain        = regex("@([^>]+)>$", var.email_from)[0]
}

# One customer-managed key encrypts the environment's data: Kubernetes Secrets,
# node volumes, the databases, images, logs and Secrets Manager.
data "aws_iam_policy_document" "kms" {
  # checkov:skip=CKV_AWS_111:A key policy's "*" resource means this key only; the account's IAM policies then decide who uses it.
  # checkov:skip=CKV_AWS_356:A key policy's "*" resource means this key only.
  # checkov:skip=CKV_AWS_109:The account root must administer its key, or the key becomes unmanageable.
  statement {
    sid       = "AccountAdministers"
    actions   = ["kms:*"]
    resources = ["*"]
    principals {
      type        = "AWS"
      identifiers = ["arn:aws:iam::${local.account_id}:root"]
    }
  }
  statement {
    sid       = "CloudWatchLogsEncrypts"
    actions   = ["kms:Encrypt*", "kms:Decrypt*", "kms:ReEncrypt*", "kms:GenerateDataKey*", "kms:Describe*"]
    resources = ["*"]
    principals {
      type        = "Service"
      identifiers = ["logs.${local.region}.amazonaws.com"]
    }
  }
  statement {
    sid       = "AutoScalingEncryptsNodeVolumes"
    actions   = ["kms:Encrypt", "kms:Decrypt", "kms:ReEncrypt*", "kms:GenerateDataKey*", "kms:DescribeKey"]
    resources = ["*"]
    principals {
      type        = "AWS"
      identifiers = [local.autoscaling_role_arn]
    }
  }
  statement {
    sid       = "AutoScalingGrantsForNodeVolumes"
    actions   = ["kms:CreateGrant"]
    resources = ["*"]
    principals {
      type        = "AWS"
      identifiers = [local.autoscaling_role_arn]
    }
    condition {
      test     = "Bool"
      variable = "kms:GrantIsForAWSResource"
      values   = ["true"]
    }
  }
}

resource "aws_kms_key" "this" {
  description             = "${local.name} data at rest"
  enable_key_rotation     = true
  deletion_window_in_days = 30
  policy                  = data.aws_iam_policy_document.kms.json
}

resource "aws_kms_alias" "this" {
  name          = "alias/${local.name}"
  target_key_id = aws_kms_key.this.key_id
}

module "network" {
  source             = "../network"
  name               = local.name
  cidr               = var.vpc_cidr
  availability_zones = var.availability_zones
  single_nat_gateway = var.single_nat_gateway
  kms_key_arn        = aws_kms_key.this.arn
  log_retention_days = var.log_retention_days
}

module "eks" {
  source               = "../eks"
  name                 = local.name
  kubernetes_version   = var.kubernetes_version
  subnet_ids           = module.network.private_subnet_ids
  public_access_cidrs  = var.public_access_cidrs
  admin_principal_arns = var.admin_principal_arns
  node_instance_types  = var.node_instance_types
  node_count           = var.node_count
  kms_key_arn          = aws_kms_key.this.arn
  log_retention_days   = var.log_retention_days
}

module "ecr" {
  source       = "../ecr"
  repositories = ["waybill-django", "waybill-realtime", "waybill-worker"]
  kms_key_arn  = aws_kms_key.this.arn
  keep_images  = 50
}

# Letters and digits only: they go into URLs unescaped.
resource "random_password" "database" {
  length  = 40
  special = false
}

resource "random_password" "redis" {
  length  = 64
  special = false
}

resource "random_password" "secret_key" {
  length  = 64
  special = false
}

module "rds" {
  source                   = "../rds"
  name                     = local.name
  vpc_id                   = module.network.vpc_id
  subnet_ids               = module.network.private_subnet_ids
  allowed_security_groups  = { eks_cluster = module.eks.cluster_security_group_id }
  engine_version           = var.postgres.engine_version
  instance_class           = var.postgres.instance_class
  allocated_storage_gb     = var.postgres.allocated_storage_gb
  max_allocated_storage_gb = var.postgres.max_storage_gb
  multi_az                 = var.postgres.multi_az
  backup_retention_days    = var.postgres.backup_retention_days
  kms_key_arn              = aws_kms_key.this.arn
  database_name            = "waybill"
  username                 = "waybill"
  password                 = random_password.database.result
}

module "redis" {
  source                  = "../redis"
  name                    = local.name
  vpc_id                  = module.network.vpc_id
  subnet_ids              = module.network.private_subnet_ids
  allowed_security_groups = { eks_cluster = module.eks.cluster_security_group_id }
  engine_version          = var.redis.engine_version
  node_type               = var.redis.node_type
  node_count              = var.redis.node_count
  auth_token              = random_password.redis.result
  snapshot_retention_days = var.redis.snapshot_retention_days
  kms_key_arn             = aws_kms_key.this.arn
}

module "secrets" {
  source               = "../secrets"
  name_prefix          = "waybill/${var.environment}"
  kms_key_arn          = aws_kms_key.this.arn
  recovery_window_days = 7
  app_values = {
    SECRET_KEY   = random_password.secret_key.result
    DATABASE_URL = "postgres://waybill:${random_password.database.result}@${module.rds.address}:${module.rds.port}/waybill?sslmode=require"
    # Celery refuses a rediss:// URL without ssl_cert_reqs.
    REDIS_URL      = "rediss://:${random_password.redis.result}@${module.redis.primary_endpoint}:${module.redis.port}/0?ssl_cert_reqs=required"
    REDIS_ADDRESS  = "${module.redis.primary_endpoint}:${module.redis.port}"
    REDIS_PASSWORD = random_password.redis.result
  }
}

# Uploads and generated files, shared by the Django and worker pods.
module "media" {
  source                  = "../bucket"
  name                    = "${local.name}-media-${local.account_id}"
  kms_key_arn             = aws_kms_key.this.arn
  noncurrent_version_days = 90
}

# SES sends only from a verified identity: the sender's domain, verified by
# the DKIM records in the ses_dkim_records output (docs/deploy.md, step 5).
resource "aws_sesv2_email_identity" "sender" {
  email_identity = local.sender_domain
}
