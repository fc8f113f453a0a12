output "registry" {
  description = "The registry host (ACCOUNT.dkr.ecr.REGION.amazonaws.com) for docker login and image names."
  value       = split("/", values(aws_ecr_repository.this)[0].repository_url)[0]
}

output "repository_urls" {
  description = "Repository URL by name."
  value       = { for name, repository in aws_ecr_repository.this : name => repository.repository_url }
}
