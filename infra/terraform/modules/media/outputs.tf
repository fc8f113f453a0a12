output "bucket" {
  description = "The bucket's name (MEDIA_BUCKET)."
  value       = aws_s3_bucket.this.bucket
}

output "arn" {
  description = "The bucket's ARN, for IAM policies."
  value       = aws_s3_bucket.this.arn
}
