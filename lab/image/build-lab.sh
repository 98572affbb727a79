#!/usr/bin/env bash
# Build the court lab image (base + server packages) once; tag = hash of both recipes.
# Prints the image reference. Usage: build-lab.sh [--print-ref]
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
export CONTAINERS_CONF="${CONTAINERS_CONF:-$here/../containers.conf}"
base=$("$here/build-base.sh" --print-ref)
hash=$( (echo "$base"; cat "$0" "$here/Containerfile.lab" "$here/court_lab_pyc.py") | sha256sum | cut -c1-12)
ref="localhost/court-lab:$hash"
if [[ "${1:-}" == "--print-ref" ]]; then echo "$ref"; exit 0; fi
if podman image exists "$ref"; then echo "$ref"; exit 0; fi
"$here/build-base.sh" >/dev/null
log=$(mktemp)
if ! podman build --network host --build-arg "BASE=$base" -f "$here/Containerfile.lab" -t "$ref" "$here" >"$log" 2>&1; then
  tail -n 30 "$log" >&2; rm -f "$log"; echo "build-lab: podman build failed" >&2; exit 1
fi
rm -f "$log"
echo "$ref"
