output "vpc_id" {
  description = "The VPC's id."
  value       = aws_vpc.this.id
}

output "vpc_cidr" {
  description = "The VPC's IPv4 range; the prod overlay's NetworkPolicy lets pods reach the databases in it."
  value       = aws_vpc.this.cidr_block
}

output "private_subnet_ids" {
  description = "Subnets for the nodes and the databases, one per zone."
  value       = aws_subnet.private[*].id
}

output "public_subnet_ids" {
  description = "Subnets for the internet-facing load balancer, one per zone."
  value       = aws_subnet.public[*].id
}
