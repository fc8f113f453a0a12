output "address" {
  description = "The instance's DNS name."
  value       = aws_db_instance.this.address
}

output "port" {
  description = "The PostgreSQL port."
  value       = aws_db_instance.this.port
}

output "identifier" {
  description = "The instance identifier, for snapshots and restores."
  value       = aws_db_instance.this.identifier
}
