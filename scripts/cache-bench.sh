#!/usr/bin/env bash
# A fleet pulling one blob: 32 concurrent pulls of one blob (256 MiB),
# in one run on this machine, through
#   1. ours with the gateway blob cache (cache.blobs): two gateways, 16
#      pulls each, caches cold at the start;
#   2. ours without it: two gateways, 16 pulls each;
#   3. docker-registry: 32 pulls of one process.
# Prints the wall time and aggregate rate of each, and how many times
# storaged read the blob (its registry_rpc_requests_total for
# BlobService/Read); every pulled body is checked against the digest.
#
#   bash scripts/cache-bench.sh
#   BLOB_MIB=64 PULLS=16 bash scripts/cache-bench.sh
#   CACHE_BENCH_DIR=/var/tmp/registry-cache-bench   where the stores go
set -euo pipefail
cd "$(dirname "$0")/.."
BLOB_MIB=${BLOB_MIB:-256}
PULLS=${PULLS:-32}
WORK=${CACHE_BENCH_DIR:-/var/tmp/registry-cache-bench}
source scripts/lib.sh

bazel build //storaged //gateway >&2
rm -rf "$WORK" && mkdir -p "$WORK"
cleanup() {
  stop_pids
  rm -rf "$WORK"
}
trap cleanup EXIT INT TERM

GRPC=$(free_port); METRICS=$(free_port); THEIRS=$(free_port)
printf 'metrics:\n  addr: 127.0.0.1:%s\n' "$METRICS" >"$WORK/storaged.yml"
bazel-bin/storaged/storaged --listen="127.0.0.1:$GRPC" --root="$WORK/ours" \
  --config="$WORK/storaged.yml" --log_level=error & pids+=($!)
# NAME PORT [cache]: starts a gateway, in this shell (not in a $(...)), so
# that cleanup stops it.
gateway() {
  local config=()
  if [ "${3:-}" = cache ]; then
    printf 'cache:\n  blobs:\n    path: %s\n    maxbytes: %s\n' \
      "$WORK/cache-$1" $((4 << 30)) >"$WORK/gateway-$1.yml"
    config=(--config="$WORK/gateway-$1.yml")
  fi
  bazel-bin/gateway/gateway --listen="127.0.0.1:$2" \
    --storaged="127.0.0.1:$GRPC" --log_level=error "${config[@]}" \
    >"$WORK/gateway-$1.log" 2>&1 & pids+=($!)
}
CA=$(free_port); CB=$(free_port); PA=$(free_port); PB=$(free_port)
gateway a "$CA" cache; gateway b "$CB" cache; gateway c "$PA"; gateway d "$PB"
printf 'version: 0.1\nlog: {level: error, accesslog: {disabled: true}}\n' >"$WORK/theirs.yml"
printf 'storage: {filesystem: {rootdirectory: %s}, delete: {enabled: true}}\n' "$WORK/theirs" >>"$WORK/theirs.yml"
printf 'http: {addr: 127.0.0.1:%s}\n' "$THEIRS" >>"$WORK/theirs.yml"
docker-registry serve "$WORK/theirs.yml" >"$WORK/theirs.log" 2>&1 & pids+=($!)
for port in "$CA" "$CB" "$PA" "$PB" "$THEIRS"; do wait_for "$port"; done

head -c $((BLOB_MIB << 20)) /dev/urandom >"$WORK/blob"
DIGEST="sha256:$(sha256sum "$WORK/blob" | cut -d' ' -f1)"
for port in "$CA" "$THEIRS"; do  # POST, then PUT with the body: both take it.
  location=$(curl -sf -X POST -D - -o /dev/null "http://127.0.0.1:$port/v2/fleet/app/blobs/uploads/" |
    tr -d '\r' | awk 'tolower($1) == "location:" {print $2}')
  case "$location" in http*) ;; *) location="http://127.0.0.1:$port$location" ;; esac
  case "$location" in *\?*) sep='&' ;; *) sep='?' ;; esac
  curl -sf -T "$WORK/blob" -H 'Content-Type: application/octet-stream' \
    "$location${sep}digest=$DIGEST" >/dev/null
done
rm -f "$WORK/blob"

reads() {
  curl -sf "http://127.0.0.1:$METRICS/metrics" |
    awk '/^registry_rpc_requests_total\{method="\/registry.v1.BlobService\/Read"/ {s += $NF} END {print s + 0}'
}

# PULLS concurrent GETs spread over PORTS; prints seconds and MB/s.
fleet() {  # LABEL PORT...
  local label=$1; shift
  local ports=("$@") before after start end
  before=$(reads)
  start=$(date +%s.%N)
  for i in $(seq 0 $((PULLS - 1))); do
    local port=${ports[$((i % ${#ports[@]}))]}
    curl -sf -o /dev/null "http://127.0.0.1:$port/v2/fleet/app/blobs/$DIGEST" &
  done
  wait_pulls
  end=$(date +%s.%N)
  after=$(reads)
  # One more pull per gateway, hashed: the bytes served are the blob's.
  for port in "${ports[@]}"; do
    local got; got="sha256:$(curl -sf "http://127.0.0.1:$port/v2/fleet/app/blobs/$DIGEST" | sha256sum | cut -d' ' -f1)"
    [ "$got" = "$DIGEST" ] || { echo "$label: port $port served $got, not $DIGEST" >&2; exit 1; }
  done
  awk -v l="$label" -v s="$start" -v e="$end" -v n="$PULLS" -v m="$BLOB_MIB" \
      -v r=$((after - before)) -v g=${#ports[@]} \
      'BEGIN {t = e - s; printf "| %-34s | %8.2f | %9.0f | %22s |\n", l, t, n * m * 1.048576 / t, (l ~ /theirs/ ? "-" : r " (" g " gateways)")}'
}
# Waits for the background curls of fleet (not the servers).
wait_pulls() {
  local job
  for job in $(jobs -p); do
    case " ${pids[*]} " in
      *" $job "*) ;;
      *) wait "$job" || { echo "a pull failed: curl exit $?" >&2; exit 1; } ;;
    esac
  done
}

echo "machine: $(nproc) cores; $PULLS concurrent pulls of one $BLOB_MIB MiB blob"
echo
echo "| registry                           | seconds  | MB/s      | storaged blob reads    |"
echo "|------------------------------------|---------:|----------:|-----------------------:|"
fleet "ours, blob cache, cold" "$CA" "$CB"
fleet "ours, blob cache, warm" "$CA" "$CB"
fleet "ours, no cache" "$PA" "$PB"
fleet "theirs (docker-registry)" "$THEIRS"
