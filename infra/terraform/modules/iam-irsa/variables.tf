variable "name" {
  type        = string
  description = "The IAM role's name."
}

variable "oidc_provider_arn" {
  type        = string
  description = "The cluster's IAM OIDC provider."
}

variable "oidc_issuer" {
  type        = string
  description = "The cluster's OIDC issuer without https://."
}

variable "namespace" {
  type        = string
  description = "Namespace of the Kubernetes ServiceAccount that may assume the role."
}

variable "service_account" {
  type        = string
  description = "Name of the Kubernetes ServiceAccount that may assume the role."
}

variable "policy_json" {
  type        = string
  description = "The permissions of the role, as an IAM policy document."
  validation {
    condition     = can(jsondecode(var.policy_json).Statement)
    error_message = "policy_json must be an IAM policy document."
  }
}
