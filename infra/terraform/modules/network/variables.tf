variable "name" {
  type        = string
  description = "Name prefix of every resource, e.g. waybill-prod."
}

variable "cidr" {
  type        = string
  description = "The VPC's IPv4 range; a /16 leaves room for 16 subnets of /20."
  validation {
    condition     = can(cidrhost(var.cidr, 0)) && tonumber(split("/", var.cidr)[1]) <= 16
    error_message = "cidr must be an IPv4 range of /16 or larger."
  }
}

variable "availability_zones" {
  type        = list(string)
  description = "Zones to span, named explicitly so the subnets never move when AWS adds a zone."
  validation {
    condition     = length(var.availability_zones) >= 2 && length(var.availability_zones) <= 3
    error_message = "Name 2 or 3 availability zones; EKS needs at least two."
  }
}

variable "single_nat_gateway" {
  type        = bool
  description = "One NAT gateway for all zones (cheaper, loses egress if that zone fails) instead of one per zone."
}

variable "kms_key_arn" {
  type        = string
  description = "KMS key that encrypts the flow log group."
}

variable "log_retention_days" {
  type        = number
  description = "Days to keep VPC flow logs."
  validation {
    condition     = contains([365, 400, 545, 731, 1096, 1827, 2192, 2557, 2922, 3288, 3653], var.log_retention_days)
    error_message = "log_retention_days must be a CloudWatch retention period of at least a year."
  }
}
