#!/usr/bin/env bash
# checkov over the Dockerfiles, the rendered Kubernetes overlays and the Terraform.
# Exits non-zero on any failed check. A skip is made where the resource is
# declared (a `checkov:skip=ID:reason` comment, or a `checkov.io/skip*`
# annotation on a Kubernetes object), never here, so its reason stays beside it.
#
#   infra/scripts/checkov.sh            install when needed, then scan
#   infra/scripts/checkov.sh --install  install only (CI runs this before the tests)
#
# checkov lives in its own virtualenv because it pins libraries (packaging among
# them) older than the development environment's.
set -euo pipefail
cd "$(dirname "$0")/../.."

venv=.local/checkov-venv
requirements=infra/requirements-checkov.txt
stamp="$venv/.installed-$(sha256sum "$requirements" | cut -c1-16)"
if [ ! -f "$stamp" ]; then
  rm -rf "$venv"
  "${PYTHON:-python3}" -m venv "$venv"
  "$venv/bin/python" -m pip install --quiet --disable-pip-version-check --require-hashes -r "$requirements"
  touch "$stamp"
fi
[ "${1:-}" = "--install" ] && exit 0

rendered=$(mktemp -d)
trap 'rm -rf "$rendered"' EXIT
for overlay in infra/k8s/overlays/*/; do
  name=$(basename "$overlay")
  mkdir -p "$rendered/$name"
  kubectl kustomize "$overlay" > "$rendered/$name/manifests.yaml"
done
mkdir -p "$rendered/dockerfiles"
for dockerfile in services/*/Dockerfile; do
  service=$(basename "$(dirname "$dockerfile")")
  mkdir -p "$rendered/dockerfiles/$service"
  cp "$dockerfile" "$rendered/dockerfiles/$service/Dockerfile"
done

# --skip-download: no Bridgecrew platform, no network; the checks are the ones in the wheel.
# --var-file: the Terraform root's inputs are prod's tfvars (no file is auto-loaded there).
"$venv/bin/checkov" --quiet --compact --skip-download \
  --framework kubernetes dockerfile terraform \
  --directory "$rendered" --directory infra/terraform \
  --var-file infra/terraform/envs/prod.tfvars
