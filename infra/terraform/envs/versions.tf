terraform {
  required_version = "~> 1.15"
  required_providers {
    aws = {
      source  = "hashicorp/aws"
      version = "~> 6.0"
    }
    random = {
      source  = "hashicorp/random"
      version = "~> 3.6"
    }
    tls = {
      source  = "hashicorp/tls"
      version = "~> 4.0"
    }
  }

  # State in S3 (infra/terraform/bootstrap), locked by an S3 lock file next to
  # it. Bucket, region and key come from the environment's file:
  #   terraform init -backend-config=prod.s3.tfbackend
  backend "s3" {
    encrypt      = true
    use_lockfile = true
  }
}
