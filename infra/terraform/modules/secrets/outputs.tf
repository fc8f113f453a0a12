output "app_secret_name" {
  description = "Name of the application secret (SECRET_KEY, DATABASE_URL, REDIS_URL, REDIS_ADDRESS, REDIS_PASSWORD)."
  value       = aws_secretsmanager_secret.app.name
}

output "email_secret_name" {
  description = "Name of the secret holding EMAIL_URL."
  value       = aws_secretsmanager_secret.email.name
}

output "secret_arns" {
  description = "Both secrets' ARNs, for the External Secrets role's policy."
  value       = [aws_secretsmanager_secret.app.arn, aws_secretsmanager_secret.email.arn]
}
