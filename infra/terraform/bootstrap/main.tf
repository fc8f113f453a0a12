provider "aws" {
  region              = var.aws_region
  allowed_account_ids = [var.aws_account_id]
  default_tags {
    tags = {
      Project   = "waybill"
      ManagedBy = "terraform"
    }
  }
}

resource "aws_kms_key" "state" {
  description             = "Waybill Terraform state"
  enable_key_rotation     = true
  deletion_window_in_days = 30
  policy = jsonencode({
    Version = "2012-10-17"
    Statement = [{
      Sid       = "AccountAdministers"
      Effect    = "Allow"
      Principal = { AWS = "arn:aws:iam::${var.aws_account_id}:root" }
      Action    = "kms:*"
      Resource  = "*"
    }]
  })
}

module "state" {
  source                  = "../modules/bucket"
  name                    = "waybill-terraform-state-${var.aws_account_id}"
  kms_key_arn             = aws_kms_key.state.arn
  noncurrent_version_days = 90
}

# The bucket's resources before they moved into modules/bucket.
moved {
  from = aws_s3_bucket.state
  to   = module.state.aws_s3_bucket.this
}

moved {
  from = aws_s3_bucket_versioning.state
  to   = module.state.aws_s3_bucket_versioning.this
}

moved {
  from = aws_s3_bucket_server_side_encryption_configuration.state
  to   = module.state.aws_s3_bucket_server_side_encryption_configuration.this
}

moved {
  from = aws_s3_bucket_public_access_block.state
  to   = module.state.aws_s3_bucket_public_access_block.this
}

moved {
  from = aws_s3_bucket_lifecycle_configuration.state
  to   = module.state.aws_s3_bucket_lifecycle_configuration.this
}

moved {
  from = aws_s3_bucket_policy.state
  to   = module.state.aws_s3_bucket_policy.this
}
