#!/usr/bin/env bash
# CycloneDX SBOMs of what each image installs, from the pinned requirement files:
#   infra/scripts/sbom.sh            writes dist/sbom/waybill-<image>.cdx.json
# Offline: cyclonedx-py reads the files; it downloads nothing.
set -euo pipefail
cd "$(dirname "$0")/../.."
bin=.venv/bin
out=dist/sbom
mkdir -p "$out"
for image in admin_django realtime_fastapi worker; do
  "$bin/cyclonedx-py" requirements "requirements/$image.txt" \
    --output-reproducible --of JSON -o "$out/waybill-$image.cdx.json"
done
echo "wrote $(ls "$out"/*.cdx.json | tr '\n' ' ')"
