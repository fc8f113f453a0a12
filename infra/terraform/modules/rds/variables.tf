variable "name" {
  type        = string
  description = "Identifier of the instance and prefix of its companions, e.g. waybill-prod."
}

variable "vpc_id" {
  type        = string
  description = "VPC of the database's security group."
}

variable "subnet_ids" {
  type        = list(string)
  description = "Private subnets, in at least two zones."
}

variable "allowed_security_groups" {
  type        = map(string)
  description = "Security groups that may connect on 5432, by a name fixed in the configuration (the map's keys must be known at plan time; the ids may not be)."
}

variable "engine_version" {
  type        = string
  description = "PostgreSQL major version, the same as docker-compose.yml and the dev overlay; RDS applies minor upgrades in the maintenance window."
  validation {
    condition     = can(regex("^16$", var.engine_version))
    error_message = "engine_version must be the major version \"16\": a pinned minor version fights auto_minor_version_upgrade."
  }
}

variable "instance_class" {
  type        = string
  description = "RDS instance class, e.g. db.t4g.medium."
  validation {
    condition     = startswith(var.instance_class, "db.")
    error_message = "instance_class must be an RDS class (db.*)."
  }
}

variable "allocated_storage_gb" {
  type        = number
  description = "Initial storage; it grows on its own up to max_allocated_storage_gb."
  validation {
    condition     = var.allocated_storage_gb >= 20
    error_message = "allocated_storage_gb must be at least 20."
  }
}

variable "max_allocated_storage_gb" {
  type        = number
  description = "Ceiling for storage autoscaling."
}

variable "multi_az" {
  type        = bool
  description = "A synchronous standby in a second zone (production)."
}

variable "backup_retention_days" {
  type        = number
  description = "Days of automated backups and point-in-time recovery."
  validation {
    condition     = var.backup_retention_days >= 7 && var.backup_retention_days <= 35
    error_message = "backup_retention_days must be between 7 and 35."
  }
}

variable "kms_key_arn" {
  type        = string
  description = "KMS key for storage, snapshots and Performance Insights."
}

variable "database_name" {
  type        = string
  description = "The database Waybill uses."
}

variable "username" {
  type        = string
  description = "The master user, which Waybill connects as."
}

variable "password" {
  type        = string
  description = "The master user's password."
  sensitive   = true
  validation {
    condition     = length(var.password) >= 32
    error_message = "password must be at least 32 characters."
  }
}
