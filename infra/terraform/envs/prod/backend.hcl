# Written from `terraform -chdir=infra/terraform/bootstrap output`; replace the account id.
bucket         = "waybill-terraform-state-123456789012"
region         = "eu-west-1"
dynamodb_table = "waybill-terraform-locks"
