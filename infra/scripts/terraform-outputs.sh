#!/usr/bin/env bash
# Copy an environment's Terraform outputs into the prod overlay, which reads
# them through kustomize replacements (infra/k8s/overlays/prod/kustomization.yaml).
#   infra/scripts/terraform-outputs.sh prod
set -euo pipefail
cd "$(dirname "$0")/../.."
env="${1:?usage: $0 ENV (staging or prod)}"
target=infra/k8s/overlays/prod/terraform-outputs.env
tf() { terraform -chdir="infra/terraform/envs/$env" output -raw "$1"; }
{
  echo "# Values from \`terraform output\` in infra/terraform/envs/$env. Regenerate with"
  echo "#   infra/scripts/terraform-outputs.sh $env"
  for key in app_secret_name aws_region ecr_registry email_secret_name external_secrets_role_arn vpc_cidr; do
    echo "$key=$(tf "$key")"
  done
} > "$target.tmp"
mv "$target.tmp" "$target"
echo "wrote $target"
