#!/usr/bin/env bash
# `make images`: build waybill-django, waybill-realtime and waybill-worker from
# their Dockerfiles with podman (docs/deploy.md#images).
#
# The Python packages are downloaded on this machine first, with its own pip
# configuration and the hashes of requirements/*.txt, into infra/docker/wheelhouse;
# the builds install from there with no index. The base image is BASE_IMAGE when
# set (e.g. python:3.11.14-slim-bookworm), else a bookworm root filesystem
# bootstrapped from Debian's packages (infra/scripts/base-image.sh, cached).
#   infra/scripts/images.sh            tag: local (what docker-compose.yml runs)
set -euo pipefail
cd "$(dirname "$0")/../.."
export CONTAINERS_CONF=${CONTAINERS_CONF:-$PWD/infra/docker/containers.conf}
tag=${IMAGE_TAG:-local}
python=${PYTHON:-.venv/bin/python}
wheelhouse=infra/docker/wheelhouse
started=$SECONDS

if [ -z "${BASE_IMAGE:-}" ] && command -v debootstrap >/dev/null; then
  BASE_IMAGE=$(infra/scripts/base-image.sh)
fi
build_args=(--build-arg PIP_NO_INDEX=1)
[ -n "${BASE_IMAGE:-}" ] && build_args+=(--build-arg "BASE_IMAGE=$BASE_IMAGE")

# Wheels for the images' interpreter (CPython 3.11, bookworm's glibc 2.36), whatever this machine runs.
platforms=(--platform "manylinux2014_$(uname -m)")
for minor in $(seq 36 -1 17); do platforms+=(--platform "manylinux_2_${minor}_$(uname -m)"); done
"$python" -m pip download --quiet --disable-pip-version-check --require-hashes --no-deps \
  --only-binary=:all: --implementation cp --python-version 3.11 --abi cp311 \
  "${platforms[@]}" --dest "$wheelhouse" \
  -r requirements/admin_django.txt -r requirements/realtime_fastapi.txt -r requirements/worker.txt \
  -r infra/docker/build-requirements.txt

for service in admin_django:django realtime_fastapi:realtime worker:worker; do
  directory=${service%%:*}
  image=waybill-${service##*:}:$tag
  echo "building $image" >&2
  podman build --quiet --format docker --runtime runc --network host "${build_args[@]}" \
    --file "services/$directory/Dockerfile" --tag "$image" . >/dev/null
done
echo "built waybill-django:$tag waybill-realtime:$tag waybill-worker:$tag in $((SECONDS - started)) s" >&2
