variable "name" {
  type        = string
  description = "The bucket's globally unique name, e.g. waybill-prod-media-123456789012."
  validation {
    condition     = can(regex("^[a-z0-9][a-z0-9-]{1,61}[a-z0-9]$", var.name))
    error_message = "name must be 3 to 63 lowercase letters, digits and dashes."
  }
}

variable "kms_key_arn" {
  type        = string
  description = "KMS key that encrypts every object (SSE-KMS with an S3 bucket key)."
}

variable "noncurrent_version_days" {
  type        = number
  description = "Days a deleted or overwritten object stays restorable."
  validation {
    condition     = var.noncurrent_version_days >= 30
    error_message = "noncurrent_version_days must be at least 30, so a mistake is noticed before its undo expires."
  }
}
