#!/usr/bin/env bash
# Copy an environment's Terraform outputs into its overlay, which reads them
# through kustomize replacements (infra/k8s/overlays/ENV/kustomization.yaml):
#   infra/scripts/terraform-outputs.sh prod   -> infra/k8s/overlays/prod/terraform-outputs.env
# The environment's state is the one initialised in TF_DATA_DIR=.terraform/ENV
# of infra/terraform/envs (docs/deploy.md, step 3).
set -euo pipefail
cd "$(dirname "$0")/../.."
env="${1:?usage: $0 ENV (staging or prod)}"
overlay="infra/k8s/overlays/$env"
if [ ! -d "$overlay" ]; then
  echo "no overlay $overlay for environment $env" >&2
  exit 1
fi
export TF_DATA_DIR=".terraform/$env"
tf() { terraform -chdir=infra/terraform/envs output -raw "$1"; }
state_env=$(tf environment)
if [ "$state_env" != "$env" ]; then
  echo "infra/terraform/envs/$TF_DATA_DIR holds the state of '$state_env', not '$env'" >&2
  exit 1
fi
target="$overlay/terraform-outputs.env"
{
  echo "# Values from \`terraform output\` of infra/terraform/envs for $env. Regenerate with"
  echo "#   infra/scripts/terraform-outputs.sh $env"
  for key in app_secret_name aws_region default_from_email ecr_registry email_secret_name \
    external_secrets_role_arn media_bucket media_role_arn vpc_cidr; do
    echo "$key=$(tf "$key")"
  done
} > "$target.tmp"
mv "$target.tmp" "$target"
echo "wrote $target"
