#!/usr/bin/env bash
# Side-by-side A/B of two builds of this registry in one regbench run: the
# storaged and gateway binaries under BEFORE (e.g. copied from an earlier
# checkout's bazel-bin) against this tree's, each on its own store.
#   bash scripts/ab-bench.sh /path/to/before             # request-rate rows
#   ONLY="push" bash scripts/ab-bench.sh /path/to/before # other rows
#   ORDER=swap ...                                       # "after" runs first
# BEFORE must hold storaged/storaged and gateway/gateway.
set -euo pipefail
cd "$(dirname "$0")/.."
BEFORE=${1:?usage: scripts/ab-bench.sh BEFORE_DIR}
bazel build //storaged //gateway //bench:regbench 2>&1 | tail -n 1

free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }
WORK=$(mktemp -d /var/tmp/ab-bench.XXXXXX)
mkdir -p "$WORK/before" "$WORK/after"
pids=()
trap 'kill "${pids[@]}" 2>/dev/null || true; wait 2>/dev/null || true; rm -rf "$WORK"' EXIT INT TERM
start() {  # NAME BINDIR -> sets URL_<NAME>, PIDS_<NAME>
  local name=$1 bin=$2 grpc http
  grpc=$(free_port); http=$(free_port)
  "$bin/storaged/storaged" --listen="127.0.0.1:$grpc" --root="$WORK/$name" --log_level=error &
  local s=$!
  "$bin/gateway/gateway" --listen="127.0.0.1:$http" --storaged="127.0.0.1:$grpc" --log_level=error &
  local g=$!
  pids+=("$s" "$g")
  for _ in $(seq 100); do curl -sf "http://127.0.0.1:$http/v2/" >/dev/null && break; sleep 0.1; done
  printf -v "URL_$name" '%s' "http://127.0.0.1:$http"
  printf -v "PIDS_$name" '%s' "$s+$g"
}
start before "$BEFORE"
start after bazel-bin
targets="before=$URL_before,after=$URL_after"
[ "${ORDER:-}" = swap ] && targets="after=$URL_after,before=$URL_before"
bazel-bin/bench/regbench --only="${ONLY:-GET|HEAD|list|catalog}" \
  --targets="$targets" --pids="before=$PIDS_before,after=$PIDS_after" \
  --physical_dir="$WORK"
