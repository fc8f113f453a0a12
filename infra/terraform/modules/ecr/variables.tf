variable "repositories" {
  type        = set(string)
  description = "Repository names, one per image."
  validation {
    condition     = alltrue([for name in var.repositories : can(regex("^[a-z0-9][a-z0-9-]*$", name))])
    error_message = "Repository names are lowercase letters, digits and dashes."
  }
}

variable "kms_key_arn" {
  type        = string
  description = "KMS key that encrypts the images."
}

variable "keep_images" {
  type        = number
  description = "Tagged images kept per repository; older ones expire."
  validation {
    condition     = var.keep_images >= 10
    error_message = "keep_images must be at least 10, so a rollback target survives."
  }
}
