# The one root for every environment. An environment is a pair of files here:
#   <env>.tfvars        what differs (sizes, zones, account, sender)
#   <env>.s3.tfbackend  where its state lives
# and its own data directory (TF_DATA_DIR=.terraform/<env>), so switching
# environments never re-points an initialised backend (docs/deploy.md, step 3).
provider "aws" {
  region              = var.aws_region
  allowed_account_ids = [var.aws_account_id]
  default_tags {
    tags = {
      Project     = "waybill"
      Environment = var.environment
      ManagedBy   = "terraform"
    }
  }
}

# Records which environment this state belongs to. Planning one environment's
# tfvars against another's state would replace it, which prevent_destroy turns
# into an error before anything changes.
resource "terraform_data" "environment" {
  input            = var.environment
  triggers_replace = var.environment
  lifecycle {
    prevent_destroy = true
  }
}

module "waybill" {
  source               = "../modules/waybill"
  environment          = var.environment
  vpc_cidr             = var.vpc_cidr
  availability_zones   = var.availability_zones
  single_nat_gateway   = var.single_nat_gateway
  kubernetes_version   = var.kubernetes_version
  public_access_cidrs  = var.public_access_cidrs
  admin_principal_arns = var.admin_principal_arns
  node_instance_types  = var.node_instance_types
  node_count           = var.node_count
  postgres             = var.postgres
  redis                = var.redis
  email_from           = var.email_from
  log_retention_days   = var.log_retention_days
}
