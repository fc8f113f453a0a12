variable "aws_region" {
  type        = string
  description = "Region of the state bucket and the lock table."
  validation {
    condition     = can(regex("^[a-z]{2}(-[a-z]+)+-[0-9]$", var.aws_region))
    error_message = "aws_region looks like eu-west-1."
  }
}

variable "aws_account_id" {
  type        = string
  description = "The account to create them in; also makes the bucket name unique."
  validation {
    condition     = can(regex("^[0-9]{12}$", var.aws_account_id))
    error_message = "aws_account_id is 12 digits."
  }
}
