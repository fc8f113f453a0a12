variable "environment" {
  type        = string
  description = "staging or prod: part of every name, and the overlay terraform-outputs.sh writes to."
  validation {
    condition     = contains(["staging", "prod"], var.environment)
    error_message = "environment must be staging or prod."
  }
}

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
  description = "EKS Kubernetes version, MAJOR.MINOR, in EKS standard support (1.35 until 2027-03-27); extended support costs six times as much."
  validation {
    condition     = can(regex("^1\\.(3[5-9]|[4-9][0-9])$", var.kubernetes_version))
    error_message = "kubernetes_version must be 1.35 or newer: older versions are out of EKS standard support."
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
    min = number
    max = number
  })
  description = "Bounds of the managed node group; it starts at min and the cluster autoscaler moves it within them."
  validation {
    condition     = var.node_count.min >= 2 && var.node_count.min <= var.node_count.max
    error_message = "node_count must satisfy 2 <= min <= max (two nodes survive one node's loss)."
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
  description = "The RDS PostgreSQL instance; engine_version is the major version only, RDS applies minor upgrades itself."
  validation {
    condition     = var.postgres.max_storage_gb >= var.postgres.allocated_storage_gb && var.postgres.backup_retention_days >= 7
    error_message = "postgres needs max_storage_gb >= allocated_storage_gb and at least 7 days of backups."
  }
  validation {
    condition     = can(regex("^16$", var.postgres.engine_version))
    error_message = "postgres.engine_version is the major version, \"16\": a pinned minor version fights RDS's automatic minor upgrades."
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

variable "email_from" {
  type        = string
  description = "Sender of every email (DEFAULT_FROM_EMAIL), as \"Name <address>\"; its domain becomes an SES identity to verify."
  validation {
    condition     = can(regex("^[^<>@]+ <[^<>@\\s]+@([a-z0-9-]+\\.)+[a-z]{2,}>$", var.email_from))
    error_message = "email_from looks like: Waybill <no-reply@waybill.example.com>."
  }
  validation {
    condition     = !can(regex("\\.(test|example|invalid|localhost)>$", var.email_from))
    error_message = "email_from needs a domain you own: SES never verifies .test, .example, .invalid or .localhost."
  }
}
