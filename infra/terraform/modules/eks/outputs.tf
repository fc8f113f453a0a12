output "cluster_name" {
  description = "The cluster's name, for `aws eks update-kubeconfig --name`."
  value       = aws_eks_cluster.this.name
}

output "cluster_endpoint" {
  description = "The Kubernetes API's URL."
  value       = aws_eks_cluster.this.endpoint
}

output "cluster_security_group_id" {
  description = "The security group EKS puts on the control plane and the managed nodes; the databases admit it."
  value       = aws_eks_cluster.this.vpc_config[0].cluster_security_group_id
}

output "oidc_provider_arn" {
  description = "The IAM OIDC provider that IAM roles for service accounts trust."
  value       = aws_iam_openid_connect_provider.this.arn
}

output "oidc_issuer" {
  description = "The OIDC issuer without its scheme, as IAM condition keys name it."
  value       = replace(aws_eks_cluster.this.identity[0].oidc[0].issuer, "https://", "")
}
