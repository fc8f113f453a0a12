variable "name_prefix" {
  type        = string
  description = "Secret names start with it, e.g. waybill/prod."
  validation {
    condition     = can(regex("^[a-z0-9-]+/[a-z0-9-]+$", var.name_prefix))
    error_message = "name_prefix looks like waybill/prod."
  }
}

variable "kms_key_arn" {
  type        = string
  description = "KMS key that encrypts the secrets."
}

variable "app_values" {
  type        = map(string)
  description = "Keys and values of the application secret (SECRET_KEY, DATABASE_URL, ...)."
  sensitive   = true
}

variable "recovery_window_days" {
  type        = number
  description = "Days a deleted secret can still be restored."
  validation {
    condition     = var.recovery_window_days >= 7 && var.recovery_window_days <= 30
    error_message = "recovery_window_days must be between 7 and 30."
  }
}
