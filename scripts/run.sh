#!/usr/bin/env bash
# Installs what is missing, builds, and runs the registry: storaged on the
# filesystem driver and the gateway on localhost:5000, until Ctrl-C.
#   REGISTRY_DATA   data directory (default ./registry-data)
#   REGISTRY_PORT   HTTP port of the gateway (default 5000)
#   STORAGED_PORT   gRPC port of storaged (default 50051)
#   STORAGED_CONFIG a storaged configuration file (e.g. for S3: see
#                   deploy/config/storaged-s3.yml); it replaces the filesystem
#                   driver and REGISTRY_DATA
set -euo pipefail
cd "$(dirname "$0")/.."

bash scripts/setup.sh
bazel build //storaged //gateway 2>&1 | tail -n 1

DATA="${REGISTRY_DATA:-$PWD/registry-data}"
PORT="${REGISTRY_PORT:-5000}"
GRPC="127.0.0.1:${STORAGED_PORT:-50051}"
mkdir -p "$DATA"

if [ -n "${STORAGED_CONFIG:-}" ]; then
  bazel-bin/storaged/storaged --listen="$GRPC" --config="$STORAGED_CONFIG" &
  DATA="the storage of $STORAGED_CONFIG"
else
  bazel-bin/storaged/storaged --listen="$GRPC" --driver=filesystem --root="$DATA" &
fi
storaged=$!
bazel-bin/gateway/gateway --listen="127.0.0.1:${PORT}" --storaged="$GRPC" &
gateway=$!

stop() {
  kill -TERM "$gateway" "$storaged" 2>/dev/null || true
  wait "$gateway" "$storaged" 2>/dev/null || true
}
trap stop INT TERM EXIT

echo "registry: http://localhost:${PORT} (storaged gRPC on ${GRPC}), data in ${DATA}"
echo "try: skopeo copy --dest-tls-verify=false oci:DIR:TAG docker://localhost:${PORT}/NAME:TAG"
echo "Ctrl-C stops both."
wait -n "$gateway" "$storaged"
