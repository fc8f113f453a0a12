variable "environment" {
  type        = string
  description = "staging or prod; part of every name."
  validation {
    condition     = contains(["staging", "prod"], var.environment)
    error_message = "environment must be staging or prod."
  }
}

variable "vpc_cidr" {
  type        = string
  description = "The VPC's IPv4 range."
}

variable "availability_zones" {
  type        = list(string)
  description = "Availability zones to span."
}

variable "single_nat_gateway" {
  type        = bool
  description = "One NAT gateway instead of one per zone."
}

variable "kubernetes_version" {
  type        = string
  description = "EKS Kubernetes version."
}

variable "public_access_cidrs" {
  type        = list(string)
  description = "Networks allowed to reach the Kubernetes API."
}

variable "admin_principal_arns" {
  type        = list(string)
  description = "IAM principals given cluster-admin."
}

variable "node_instance_types" {
  type        = list(string)
  description = "Instance types of the node group."
}

variable "node_count" {
  type = object({
    min = number
    max = number
  })
  description = "Bounds of the node group."
}

variable "postgres" {
  type = object({
    engine_version        = string
    instance_class        = string
    allocated_storage_gb  = number
    max_storage_gb        = number
    multi_az              = bool
    backup_retention_days = number
  })
  description = "The RDS PostgreSQL instance (engine_version: the major version)."
}

variable "redis" {
  type = object({
    engine_version          = string
    node_type               = string
    node_count              = number
    snapshot_retention_days = number
  })
  description = "The ElastiCache Redis replication group."
}

variable "log_retention_days" {
  type        = number
  description = "Days to keep VPC flow logs and EKS control-plane logs."
}

variable "email_from" {
  type        = string
  description = "Sender of every email, as \"Name <address>\"; its domain becomes an SES identity."
}
