#!/usr/bin/env bash
# Regenerate the pinned, hashed requirement files from the *.in files and the
# packages' pyproject.toml. The service files are constrained by dev.txt so
# that every image runs the versions the tests ran. No file records an index.
set -euo pipefail
cd "$(dirname "$0")/.."
UV="${UV:-.venv/bin/uv}"
own_packages=(waybill-contracts waybill-devstack waybill-django waybill-realtime waybill-worker)
compile() {
  "$UV" pip compile --quiet --python-version 3.11 --generate-hashes --no-header \
    "${own_packages[@]/#/--no-emit-package=}" "$@"
}
compile requirements/local.in requirements/dev.in -o requirements/dev.txt
for service in admin_django realtime_fastapi worker; do
  compile -c requirements/dev.txt "requirements/$service.in" -o "requirements/$service.txt"
done
