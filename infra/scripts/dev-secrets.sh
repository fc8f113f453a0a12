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
kubectl -n "$namespace" create secret generic waybill-app \
  --from-literal=SECRET_KEY="$(random)$(random)" \
  --from-literal=DATABASE_URL="postgres://waybill:$postgres_password@waybill-postgres:5432/waybill" \
  --from-literal=REDIS_URL="redis://waybill-redis:6379/0" \
  --dry-run=client -o yaml | kubectl apply -f -
# No mail server runs in the dev cluster: point this at one you run (plain SMTP).
kubectl -n "$namespace" create secret generic waybill-email \
  --from-literal=EMAIL_URL="${EMAIL_URL:-smtp+plain://localhost:1025}" \
  --dry-run=client -o yaml | kubectl apply -f -
echo "created waybill-dev-postgres, waybill-app and waybill-email in namespace $namespace"
