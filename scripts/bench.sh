#!/usr/bin/env bash
# Side-by-side benchmark in one run on this machine: docker-registry 2.8
# (Debian's package; filesystem storage, log level error, access log off)
# and this registry (storaged + gateway, filesystem driver), both on the
# same disk, driven by //bench:regbench with the same workloads. Prints one
# table (theirs, ours, ours/theirs) with the machine's limits, then the same
# workloads against storaged over gRPC.
#   bash scripts/bench.sh            # full run (several minutes)
#   bash scripts/bench.sh --quick    # seconds-long smoke run
#   BENCH_DIR=/path                  # where both registries store data
#   BENCH_ARGS="--only=push"         # extra regbench flags (e.g. a subset)
#   OURS_BIN=/path                   # storaged and gateway binaries from
#                                    # elsewhere (before/after comparisons)
#   OURS_CACHE=1                     # our gateway with its blob cache on
#                                    # (cache.blobs in $BENCH_DIR/cache)
set -euo pipefail
cd "$(dirname "$0")/.."

QUICK=()
[ "${1:-}" = "--quick" ] && QUICK=(--quick)

bash scripts/setup.sh
bazel build //storaged //gateway //bench:regbench 2>&1 | tail -n 1

WORK="${BENCH_DIR:-$(mktemp -d /var/tmp/regbench.XXXXXX)}"
mkdir -p "$WORK/theirs" "$WORK/ours"
pids=()
cleanup() {
  for pid in "${pids[@]}"; do kill -TERM "$pid" 2>/dev/null || true; done
  wait 2>/dev/null || true
  [ -z "${BENCH_DIR:-}" ] && rm -rf "$WORK"
}
trap cleanup EXIT INT TERM

free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])' 2>/dev/null || echo $((20000 + RANDOM % 20000)); }
THEIRS_PORT=$(free_port); OURS_PORT=$(free_port); GRPC_PORT=$(free_port)

cat > "$WORK/theirs.yml" <<YML
version: 0.1
log:
  level: error
  accesslog:
    disabled: true
storage:
  filesystem:
    rootdirectory: $WORK/theirs
  delete:
    enabled: true
http:
  addr: 127.0.0.1:$THEIRS_PORT
YML
docker-registry serve "$WORK/theirs.yml" 2>"$WORK/theirs.log" &
theirs=$!; pids+=("$theirs")
OURS_BIN="${OURS_BIN:-bazel-bin}"
"$OURS_BIN/storaged/storaged" --listen="127.0.0.1:$GRPC_PORT" --root="$WORK/ours" \
  --log_level=error &
storaged=$!; pids+=("$storaged")
GATEWAY_CONFIG=()
if [ -n "${OURS_CACHE:-}" ]; then
  printf 'cache:\n  blobs:\n    path: %s\n    maxbytes: %s\n' \
    "$WORK/cache" $((8 << 30)) > "$WORK/gateway.yml"
  GATEWAY_CONFIG=(--config="$WORK/gateway.yml")
fi
"$OURS_BIN/gateway/gateway" --listen="127.0.0.1:$OURS_PORT" \
  --storaged="127.0.0.1:$GRPC_PORT" --log_level=error "${GATEWAY_CONFIG[@]}" &
gateway=$!; pids+=("$gateway")

for port in "$THEIRS_PORT" "$OURS_PORT"; do
  for _ in $(seq 100); do
    curl -sf "http://127.0.0.1:$port/v2/" >/dev/null && break
    sleep 0.1
  done
done

echo "machine: $(nproc) cores, $(free -g | awk '/Mem:/{print $2}') GiB; data in $WORK ($(df -h "$WORK" | awk 'NR==2{print $1}'))"
echo "theirs: $(docker-registry --version)"
echo
bazel-bin/bench/regbench "${QUICK[@]}" ${BENCH_ARGS:-} \
  --targets="theirs=http://127.0.0.1:$THEIRS_PORT,ours=http://127.0.0.1:$OURS_PORT" \
  --pids="theirs=$theirs,ours=$storaged+$gateway" \
  --physical_dir="$WORK"
echo
echo "storaged over gRPC (the path internal services use):"
bazel-bin/bench/regbench "${QUICK[@]}" ${BENCH_ARGS:-} --targets="grpc=grpc://127.0.0.1:$GRPC_PORT"
