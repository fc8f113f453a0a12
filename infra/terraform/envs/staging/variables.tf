variable "aws_account_id" {
  type        = string
  description = "The only AWS account this environment may be applied to."
  validation {
    condition     = can(regex("^[0-9]{12}$", var.aws_account_id))
    error_message = "aws_account_id is 12 digits."
  }
}

variable "aws_region" {
  type        = string
  description = "AWS region, e.g. eu-west-1."
  validation {
    condition     = can(regex("^[a-z]{2}(-[a-z]+)+-[0-9]$", var.aws_region))
    error_message = "aws_region looks like eu-west-1."
  }
}

variable "vpc_cidr" {
  type        = string
  description = "The VPC's IPv4 range, a /16 that does not overlap networks you peer with."
  validation {
    condition     = can(cidrhost(var.vpc_cidr, 0)) && endswith(var.vpc_cidr, "/16")
    error_message = "vpc_cidr must be an IPv4 /16."
  }
}

variable "availability_zones" {
  type        = list(string)
  description = "Availability zones to span (2 or 3), in aws_region."
  validation {
    condition     = length(var.availability_zones) >= 2 && length(var.availability_zones) <= 3
    error_message = "Name 2 or 3 availability zones."
  }
}

variable "single_nat_gateway" {
  type        = bool
  description = "One NAT gateway for every zone: cheaper, but egress depends on one zone."
}

variable "kubernetes_version" {
  type        = string
  description = "EKS Kubernetes version (the manifests are validated against 1.32)."
  validation {
    condition     = can(regex("^1\\.(3[2-9])$", var.kubernetes_version))
    error_message = "kubernetes_version must be 1.32 or newer."
  }
}

variable "public_access_cidrs" {
  type        = list(string)
  description = "Networks that may reach the Kubernetes API (where kubectl runs)."
  validation {
    condition     = alltrue([for cidr in var.public_access_cidrs : can(cidrhost(cidr, 0)) && cidr != "0.0.0.0/0"])
    error_message = "public_access_cidrs are IPv4 ranges, never 0.0.0.0/0."
  }
}

variable "admin_principal_arns" {
  type        = list(string)
  description = "IAM roles or users given cluster-admin (at least your own)."
  validation {
    condition     = length(var.admin_principal_arns) > 0 && alltrue([for arn in var.admin_principal_arns : startswith(arn, "arn:aws:iam::")])
    error_message = "admin_principal_arns lists at least one IAM ARN."
  }
}

variable "node_instance_types" {
  type        = list(string)
  description = "Instance types of the managed node group."
  validation {
    condition     = length(var.node_instance_types) > 0
    error_message = "Name at least one instance type."
  }
}

variable "node_count" {
  type = object({
    min     = number
    desired = number
    max     = number
  })
  description = "Size of the managed node group."
  validation {
    condition     = var.node_count.min >= 2 && var.node_count.min <= var.node_count.desired && var.node_count.desired <= var.node_count.max
    error_message = "node_count must satisfy 2 <= min <= desired <= max (two nodes survive one node's loss)."
  }
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
  description = "The RDS PostgreSQL instance."
  validation {
    condition     = var.postgres.max_storage_gb >= var.postgres.allocated_storage_gb && var.postgres.backup_retention_days >= 7
    error_message = "postgres needs max_storage_gb >= allocated_storage_gb and at least 7 days of backups."
  }
}

variable "redis" {
  type = object({
    engine_version          = string
    node_type               = string
    node_count              = number
    snapshot_retention_days = number
  })
  description = "The ElastiCache Redis replication group."
  validation {
    condition     = var.redis.node_count >= 1 && var.redis.snapshot_retention_days >= 1
    error_message = "redis needs at least one node and one day of snapshots."
  }
}

variable "log_retention_days" {
  type        = number
  description = "Days to keep VPC flow logs and EKS control-plane logs (a CloudWatch retention value)."
  validation {
    condition     = contains([365, 400, 545, 731, 1096, 1827, 2192, 2557, 2922, 3288, 3653], var.log_retention_days)
    error_message = "log_retention_days must be a CloudWatch retention period of at least a year."
  }
}
