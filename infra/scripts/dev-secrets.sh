#!/usr/bin/env bash
# Create the Secrets the dev overlay expects, with random values, in the
# current kubectl context (a local kind cluster). Never used for production,
# whose Secrets come from AWS Secrets Manager (components/external-secrets).
set -euo pipefail
namespace=waybill
random() { python3 -c 'import secrets; print(secrets.token_urlsafe(48))'; }
postgres_password=$(random)

kubectl get namespace "$namespace" >/dev/null 2>&1 || kubectl create namespace "$namespace"
kubectl -n "$namespace" create secret generic waybill-dev-postgres \
  --from-literal=POSTGRES_PASSWORD="$postgres_password" \
  --dry-run=client -o yaml | kubectl apply -f -
kubectl -n "$namespace" create secret generic waybill-secrets \
  --from-literal=SECRET_KEY="$(random)$(random)" \
  --from-literal=DATABASE_URL="postgres://waybill:$postgres_password@waybill-postgres:5432/waybill" \
  --from-literal=REDIS_URL="redis://waybill-redis:6379/0" \
  --from-literal=EMAIL_URL="smtp://localhost:1025" \
  --dry-run=client -o yaml | kubectl apply -f -
echo "created waybill-dev-postgres and waybill-secrets in namespace $namespace"
