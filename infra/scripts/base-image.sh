#!/usr/bin/env bash
# Make a Debian bookworm base image with Python 3.11 from Debian's packages, for
# machines that cannot pull python:3.11-slim-bookworm (CI here): debootstrap a
# minimal root filesystem and `podman import` it. Prints the image name. Cached:
# a second run reuses the image.
#   infra/scripts/base-image.sh            -> localhost/waybill-base:bookworm
set -euo pipefail
image=${WAYBILL_BASE_IMAGE:-localhost/waybill-base:bookworm}
if podman image exists "$image"; then
  echo "$image"
  exit 0
fi
# The mirror is whatever this machine's apt already uses; no host is written here.
mirror=$(awk '/^URIs:/ {print $2; exit} /^deb / {print $2; exit}' \
  /etc/apt/sources.list.d/*.sources /etc/apt/sources.list 2>/dev/null | head -n 1)
: "${mirror:?no Debian mirror found in /etc/apt/sources.list*}"
rootfs=$(mktemp -d)
trap 'rm -rf "$rootfs"' EXIT
debootstrap --variant=minbase --include=python3,python3-venv bookworm "$rootfs" "$mirror" >&2
rm -rf "$rootfs"/var/cache/apt/archives/*.deb "$rootfs"/var/lib/apt/lists/*
tar -C "$rootfs" -c . | podman import \
  --change 'CMD ["python3"]' --change 'ENV LANG=C.UTF-8' - "$image" >&2
echo "$image"
