variable "name" {
  type        = string
  description = "Replication group id and prefix of its companions, e.g. waybill-prod."
}

variable "vpc_id" {
  type        = string
  description = "VPC of Redis's security group."
}

variable "subnet_ids" {
  type        = list(string)
  description = "Private subnets, in at least two zones."
}

variable "allowed_security_groups" {
  type        = map(string)
  description = "Security groups that may connect on 6379, by a name fixed in the configuration (the map's keys must be known at plan time; the ids may not be)."
}

variable "engine_version" {
  type        = string
  description = "Redis OSS MAJOR.MINOR; ElastiCache applies patch releases itself (auto_minor_version_upgrade)."
  validation {
    condition     = can(regex("^7\\.[0-9]+$", var.engine_version))
    error_message = "engine_version must be a Redis 7 version, e.g. 7.1."
  }
}

variable "node_type" {
  type        = string
  description = "ElastiCache node type, e.g. cache.t4g.small."
  validation {
    condition     = startswith(var.node_type, "cache.")
    error_message = "node_type must be an ElastiCache type (cache.*)."
  }
}

variable "node_count" {
  type        = number
  description = "Primary plus replicas; two or more gives automatic failover across zones."
  validation {
    condition     = var.node_count >= 1 && var.node_count <= 6
    error_message = "node_count must be between 1 and 6."
  }
}

variable "auth_token" {
  type        = string
  description = "The AUTH password clients send over TLS."
  sensitive   = true
  validation {
    condition     = length(var.auth_token) >= 16 && length(var.auth_token) <= 128 && can(regex("^[A-Za-z0-9]+$", var.auth_token))
    error_message = "auth_token must be 16 to 128 letters and digits."
  }
}

variable "snapshot_retention_days" {
  type        = number
  description = "Days of daily snapshots."
  validation {
    condition     = var.snapshot_retention_days >= 1 && var.snapshot_retention_days <= 35
    error_message = "snapshot_retention_days must be between 1 and 35."
  }
}

variable "kms_key_arn" {
  type        = string
  description = "KMS key for data at rest and snapshots."
}
