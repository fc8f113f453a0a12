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

  # State in S3, one lock at a time through DynamoDB. The bucket and the table
  # come from infra/terraform/bootstrap: terraform init -backend-config=backend.hcl
  backend "s3" {
    key     = "waybill/staging/terraform.tfstate"
    encrypt = true
  }
}
