output "primary_endpoint" {
  description = "Host name of the primary; clients connect with TLS (rediss://)."
  value       = aws_elasticache_replication_group.this.primary_endpoint_address
}

output "port" {
  description = "The Redis port."
  value       = aws_elasticache_replication_group.this.port
}
