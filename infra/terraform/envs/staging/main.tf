provider "aws" {
  region              = var.aws_region
  allowed_account_ids = [var.aws_account_id]
  default_tags {
    tags = {
      Project     = "waybill"
      Environment = "staging"
      ManagedBy   = "terraform"
    }
  }
}

module "waybill" {
  source               = "../../modules/waybill"
  environment          = "staging"
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
  log_retention_days   = var.log_retention_days
}
