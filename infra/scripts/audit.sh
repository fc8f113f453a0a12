#!/usr/bin/env bash
# Known vulnerabilities in the pinned dependencies of the images and the
# development environment. Needs the network: pip-audit asks PyPI's
# vulnerability API (its JSON document per release) for each pin.
set -euo pipefail
cd "$(dirname "$0")/../.."
status=0
for file in requirements/admin_django.txt requirements/realtime_fastapi.txt requirements/worker.txt requirements/dev.txt; do
  echo "== $file"
  # --require-hashes --disable-pip: the files are complete, hashed pins; nothing is resolved or installed.
  .venv/bin/pip-audit --progress-spinner off --strict --require-hashes --disable-pip --requirement "$file" || status=1
done
exit "$status"
