variable "name" {
  type        = string
  description = "The cluster's name, e.g. waybill-prod."
}

variable "kubernetes_version" {
  type        = string
  description = "EKS Kubernetes version, MAJOR.MINOR, in EKS standard support."
  validation {
    condition     = can(regex("^1\\.(3[5-9]|[4-9][0-9])$", var.kubernetes_version))
    error_message = "kubernetes_version must be 1.35 or newer, as MAJOR.MINOR: older versions are out of EKS standard support."
  }
}

variable "subnet_ids" {
  type        = list(string)
  description = "Private subnets for the control plane's network interfaces and the nodes."
  validation {
    condition     = length(var.subnet_ids) >= 2
    error_message = "EKS needs subnets in at least two availability zones."
  }
}

variable "public_access_cidrs" {
  type        = list(string)
  description = "Who may reach the Kubernetes API from the internet (your office or VPN egress)."
  validation {
    condition     = length(var.public_access_cidrs) > 0 && !contains(var.public_access_cidrs, "0.0.0.0/0")
    error_message = "List the networks that run kubectl; 0.0.0.0/0 is not allowed."
  }
}

variable "admin_principal_arns" {
  type        = list(string)
  description = "IAM roles or users given cluster-admin through EKS access entries."
}

variable "node_instance_types" {
  type        = list(string)
  description = "Instance types of the managed node group."
}

variable "node_count" {
  type = object({
    min = number
    max = number
  })
  description = "Bounds of the managed node group: created at min, resized by the cluster autoscaler."
  validation {
    condition     = var.node_count.min >= 1 && var.node_count.min <= var.node_count.max
    error_message = "node_count must satisfy 1 <= min <= max."
  }
}

variable "kms_key_arn" {
  type        = string
  description = "KMS key for Kubernetes Secrets envelope encryption, node volumes and the control-plane log group."
}

variable "log_retention_days" {
  type        = number
  description = "Days to keep control-plane logs."
}
