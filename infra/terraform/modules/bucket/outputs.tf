output "bucket" {
  description = "The bucket's name."
  value       = aws_s3_bucket.this.bucket
}

output "arn" {
  description = "The bucket's ARN, for IAM policies."
  value       = aws_s3_bucket.this.arn
}
