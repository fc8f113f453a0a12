# Run once per AWS account, with local state: it creates where every other
# configuration keeps its state (and locks it: an S3 lock file beside each state,
# use_lockfile, so no lock table). Keep its terraform.tfstate safe (it holds no secrets).
terraform {
  required_version = "~> 1.15"
  required_providers {
    aws = {
      source  = "hashicorp/aws"
      version = "~> 6.0"
    }
  }
}
