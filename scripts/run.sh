#!/usr/bin/env bash
# Installs what is missing, builds, and runs storaged on the filesystem
# driver until Ctrl-C. Data goes to $REGISTRY_DATA (default ./registry-data).
#
# The HTTP gateway (docker/skopeo-facing) is not built yet: until it is,
# this serves the gRPC API only.
set -euo pipefail
cd "$(dirname "$0")/.."

bash scripts/setup.sh
bazel build //storaged:storaged 2>&1 | tail -n 3

DATA="${REGISTRY_DATA:-$PWD/registry-data}"
LISTEN="${STORAGED_LISTEN:-127.0.0.1:50051}"
echo "storaged: gRPC on ${LISTEN}, data in ${DATA} (Ctrl-C stops)"
exec bazel-bin/storaged/storaged --listen="${LISTEN}" --driver=filesystem --root="${DATA}"
