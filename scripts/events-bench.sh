#!/usr/bin/env bash
# What events cost pushes, in one run on this machine: three of our
# registries (storaged + gateway, filesystem) with no notifications, with an
# endpoint that accepts every envelope, and with one that answers 500 to
# all (retried with Distribution's threshold and backoff), then
# docker-registry the same three ways; //bench:regbench pushes to all of
# them in ROUNDS rounds (each a share of the pushes, the target order
# rotated each round) and prints one
# table (throughput; p50 and p99 as medians over the rounds), then the p50
# of each registry with a dead endpoint and with an accepting one over its
# p50 with none.
#
#   bash scripts/events-bench.sh
#   BENCH_ARGS="--only=push monolithic"   regbench workloads to run
#   ROUNDS=5                              rounds per workload
#   EVENTS_BENCH_DIR=/var/tmp/registry-events-bench   where the stores go
set -euo pipefail
cd "$(dirname "$0")/.."
WORK=${EVENTS_BENCH_DIR:-/var/tmp/registry-events-bench}
BENCH_ARGS=${BENCH_ARGS:---only=push}
ROUNDS=${ROUNDS:-5}

bazel build //storaged //gateway //bench:regbench >&2
rm -rf "$WORK" && mkdir -p "$WORK"
source scripts/lib.sh
cleanup() {
  stop_pids
  # The stores hold gigabytes of pushed blobs; keep configs, logs, table.
  find "$WORK" -mindepth 1 -maxdepth 1 -type d -exec rm -rf {} + 2>/dev/null || true
}
trap cleanup EXIT INT TERM

# Two receivers: one accepts (200), one refuses (500).
receiver() {  # PORT STATUS
  python3 - "$1" "$2" <<'PY' &
import http.server, sys
port, status = int(sys.argv[1]), int(sys.argv[2])
class H(http.server.BaseHTTPRequestHandler):
    def do_POST(self):
        self.rfile.read(int(self.headers.get('Content-Length', 0)))
        self.send_response(status); self.send_header('Content-Length', '0'); self.end_headers()
    def log_message(self, *a): pass
http.server.ThreadingHTTPServer(('127.0.0.1', port), H).serve_forever()
PY
  pids+=($!)
}
OK_PORT=$(free_port); DEAD_PORT=$(free_port)
receiver "$OK_PORT" 200
receiver "$DEAD_PORT" 500

notifications() {  # URL (none: nothing)
  [ -z "$1" ] && return 0
  printf 'notifications:\n  endpoints:\n    - name: bench\n      url: %s\n' "$1"
}

ours_targets=()
theirs_targets=()
bench_pids=()
for mode in none accepting dead; do
  case $mode in
    none) url="" ;;
    accepting) url="http://127.0.0.1:$OK_PORT/events" ;;
    dead) url="http://127.0.0.1:$DEAD_PORT/events" ;;
  esac
  grpc=$(free_port); http=$(free_port); theirs=$(free_port)
  notifications "$url" >"$WORK/ours-$mode.yml"
  bazel-bin/storaged/storaged --config="$WORK/ours-$mode.yml" \
    --listen="127.0.0.1:$grpc" --root="$WORK/ours-$mode" --log_level=error &
  pids+=($!); s=$!
  bazel-bin/gateway/gateway --listen="127.0.0.1:$http" \
    --storaged="127.0.0.1:$grpc" --log_level=error &
  pids+=($!); g=$!
  {
    printf 'version: 0.1\nlog: {level: error, accesslog: {disabled: true}}\n'
    printf 'storage: {filesystem: {rootdirectory: %s}}\n' "$WORK/theirs-$mode"
    printf 'http: {addr: 127.0.0.1:%s}\n' "$theirs"
    notifications "$url"
  } >"$WORK/theirs-$mode.yml"
  docker-registry serve "$WORK/theirs-$mode.yml" 2>"$WORK/theirs-$mode.log" &
  pids+=($!); t=$!
  wait_for "$http"
  wait_for "$theirs"
  ours_targets+=("ours-$mode=http://127.0.0.1:$http")
  theirs_targets+=("theirs-$mode=http://127.0.0.1:$theirs")
  bench_pids+=("ours-$mode=$s+$g" "theirs-$mode=$t")
done

echo "machine: $(nproc) cores; endpoints: none, accepting (200), dead (500 to every POST)"
targets=("${ours_targets[@]}" "${theirs_targets[@]}")
bazel-bin/bench/regbench "$BENCH_ARGS" --rounds="$ROUNDS" \
  --targets="$(IFS=,; echo "${targets[*]}")" \
  --pids="$(IFS=,; echo "${bench_pids[*]}")" | tee "$WORK/table.md"

# Targets are ours none, accepting, dead, then theirs the same: p50s are the
# 12th awk field (-F'|'), "a / b / c / d / e / f".
echo
echo "p50 over the same registry with no endpoint (1.00 = no cost):"
awk -F'|' '$3 ~ /[0-9]/ && $12 ~ / \/ / {
  n = split($12, p, " / ")
  if (n != 6 || p[1] + 0 <= 0 || p[4] + 0 <= 0) next
  gsub(/^ +| +$/, "", $2)
  printf "%-34s c=%-3d ours: accepting %.2f, dead %.2f   docker-registry: accepting %.2f, dead %.2f\n",
    $2, $3, p[2] / p[1], p[3] / p[1], p[5] / p[4], p[6] / p[4]
}' "$WORK/table.md"
