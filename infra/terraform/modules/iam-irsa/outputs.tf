output "role_arn" {
  description = "The role's ARN, for the ServiceAccount's eks.amazonaws.com/role-arn annotation."
  value       = aws_iam_role.this.arn
}
