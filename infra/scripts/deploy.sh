#!/usr/bin/env bash
# Roll out one release to the cluster of the current kubectl context:
#   infra/scripts/deploy.sh prod 2026-11-25.3f2c1ab
#
# 1. render the overlay with the release's images, pinned by digest in the
#    environment's registry (staging, prod: Terraform's outputs) or by tag (dev);
# 2. apply the configuration (and, in dev, the databases), then run the migration
#    Job to completion with the new image, before any Deployment
#    changes (migrations keep the previous release working: expand, then contract);
# 3. apply everything and wait for each rollout.
set -euo pipefail
cd "$(dirname "$0")/../.."
overlay="${1:?usage: $0 OVERLAY TAG}"
tag="${2:?usage: $0 OVERLAY TAG}"
namespace=waybill
images=(waybill-django waybill-realtime waybill-worker)

# Inside the repository: kustomize accepts only relative paths to other kustomizations.
release=.local/release
rm -rf "$release" && mkdir -p "$release"
{
  echo "apiVersion: kustomize.config.k8s.io/v1beta1"
  echo "kind: Kustomization"
  echo "resources: [../../infra/k8s/overlays/$overlay]"
  echo "images:"
  for image in "${images[@]}"; do
    outputs=infra/k8s/overlays/$overlay/terraform-outputs.env
    if [ -f "$outputs" ]; then
      registry=$(sed -n 's/^ecr_registry=//p' "$outputs")
      region=$(sed -n 's/^aws_region=//p' "$outputs")
      # The digest, not the tag, is what runs: a tag could be re-pointed, a digest cannot.
      digest=$(aws ecr describe-images --region "$region" --repository-name "$image" \
        --image-ids imageTag="$tag" --query 'imageDetails[0].imageDigest' --output text)
      echo "  - {name: $image, newName: $registry/$image, digest: $digest}"
    else
      echo "  - {name: $image, newTag: $tag}"
    fi
  done
} > "$release/kustomization.yaml"
kubectl kustomize "$release" > "$release/manifests.yaml"

# A Job's pod template is immutable: replace the finished one.
kubectl -n "$namespace" delete job waybill-migrate --ignore-not-found --wait=true
kubectl apply -f "$release/manifests.yaml" --selector 'app.kubernetes.io/component in (config,database,broker,migrate)'
# Stop at the first of: the Job completed, the Job failed (its log says why), 15 minutes.
migrations_done() {
  local deadline=$((SECONDS + 900)) condition
  while [ "$SECONDS" -lt "$deadline" ]; do
    condition=$(kubectl -n "$namespace" get job/waybill-migrate \
      -o 'jsonpath={range .status.conditions[?(@.status=="True")]}{.type} {end}')
    case " $condition " in
      *" Complete "*) return 0 ;;
      *" Failed "*)
        echo "the migration Job failed; nothing else was rolled out" >&2
        kubectl -n "$namespace" logs job/waybill-migrate --tail=50 >&2 || true
        return 1 ;;
    esac
    sleep 5
  done
  echo "the migration Job did not finish within 15 minutes" >&2
  return 1
}
migrations_done

kubectl apply -f "$release/manifests.yaml"
for deployment in waybill-django waybill-realtime waybill-worker waybill-beat; do
  kubectl -n "$namespace" rollout status "deployment/$deployment" --timeout=15m
done
