resource "aws_secretsmanager_secret" "app" {
  # checkov:skip=CKV2_AWS_57:Terraform owns these values; rotating is a new random_password and an apply (docs/deploy.md#rotating-secrets).
  name                    = "${var.name_prefix}/app"
  description             = "Waybill application secrets, written by Terraform"
  kms_key_id              = var.kms_key_arn
  recovery_window_in_days = var.recovery_window_days
}

resource "aws_secretsmanager_secret_version" "app" {
  secret_id     = aws_secretsmanager_secret.app.id
  secret_string = jsonencode(var.app_values)
}

# The SMTP credentials come from outside Terraform (docs/deploy.md#secrets), so
# Terraform creates the secret and never its value.
resource "aws_secretsmanager_secret" "email" {
  # checkov:skip=CKV2_AWS_57:An operator sets and rotates the SMTP credentials with the mail provider.
  name                    = "${var.name_prefix}/email"
  description             = "Waybill EMAIL_URL, written by an operator"
  kms_key_id              = var.kms_key_arn
  recovery_window_in_days = var.recovery_window_days
}
