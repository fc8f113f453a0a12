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
  description = "Namespace of the Kubernetes ServiceAccounts that may assume the role."
}

variable "service_accounts" {
  type        = list(string)
  description = "Names of the Kubernetes ServiceAccounts in namespace that may assume the role."
  validation {
    condition     = length(var.service_accounts) > 0
    error_message = "Name at least one ServiceAccount."
  }
}

variable "policy_json" {
  type        = string
  description = "The permissions of the role, as an IAM policy document."
  validation {
    condition     = can(jsondecode(var.policy_json).Statement)
    error_message = "policy_json must be an IAM policy document."
  }
}
