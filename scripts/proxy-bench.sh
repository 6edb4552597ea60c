#!/usr/bin/env bash
# The pull-through cache beside docker-registry's (`proxy.remoteurl`), in
# one run on this machine. One upstream (docker-registry on the
# filesystem) holds large random blobs; each is pulled
#   1. straight from the upstream (the time a cache miss is held to),
#   2. through our cache (storaged proxy.registries + gateway): a miss,
#      then a hit,
#   3. through docker-registry in proxy mode: a miss, then a hit,
# with curl, and the script prints the median times and the ratios.
#
#   bash scripts/proxy-bench.sh                 # 3 blobs of 256 MiB
#   BLOB_MIB=64 ROUNDS=2 bash scripts/proxy-bench.sh
#   UPSTREAM_MBPS=100   the upstream is reached through a relay that passes
#                       at most 100 MB/s each way (as a registry on the
#                       internet is); 0 (the default): straight, on loopback
#   PROXY_BENCH_DIR=/var/tmp/registry-proxy-bench   where the stores go
set -euo pipefail
cd "$(dirname "$0")/.."
BLOB_MIB=${BLOB_MIB:-256}
ROUNDS=${ROUNDS:-3}
WORK=${PROXY_BENCH_DIR:-/var/tmp/registry-proxy-bench}
UPSTREAM_MBPS=${UPSTREAM_MBPS:-0}

bazel build //storaged //gateway >&2
rm -rf "$WORK" && mkdir -p "$WORK"
source scripts/lib.sh
cleanup() {
  stop_pids
}
trap cleanup EXIT INT TERM
UP=$(free_port); THEIRS=$(free_port); OURS=$(free_port); GRPC=$(free_port)
UPSTREAM=$UP  # Where clients and caches reach the upstream.

registry_yml() {  # ROOT PORT [REMOTE]
  printf 'version: 0.1\nlog: {level: error, accesslog: {disabled: true}}\n'
  printf 'storage: {filesystem: {rootdirectory: %s}}\nhttp: {addr: 127.0.0.1:%s}\n' "$1" "$2"
  [ -n "${3:-}" ] && printf 'proxy: {remoteurl: %s}\n' "$3"
  return 0
}
registry_yml "$WORK/upstream" "$UP" >"$WORK/upstream.yml"
sed -i 's/accesslog: {disabled: true}/accesslog: {disabled: false}/' "$WORK/upstream.yml"
docker-registry serve "$WORK/upstream.yml" >"$WORK/upstream.log" 2>&1 & pids+=($!)
wait_for "$UP"  # docker-registry's proxy checks its upstream at start.
if ((UPSTREAM_MBPS > 0)); then
  UPSTREAM=$(free_port)
  python3 - "$UPSTREAM" "$UP" "$UPSTREAM_MBPS" >"$WORK/relay.log" 2>&1 <<'PY' &
# A TCP relay passing at most MBPS megabytes per second each way per
# connection (a token bucket refilled every 10 ms).
import asyncio, sys, time
listen, target, rate = int(sys.argv[1]), int(sys.argv[2]), float(sys.argv[3]) * 1e6
async def pump(reader, writer):
    start, sent = time.monotonic(), 0
    try:
        while data := await reader.read(1 << 16):
            writer.write(data)
            await writer.drain()
            sent += len(data)
            ahead = sent / rate - (time.monotonic() - start)
            if ahead > 0.01:
                await asyncio.sleep(ahead)
    finally:
        writer.close()
async def relay(client_reader, client_writer):
    up_reader, up_writer = await asyncio.open_connection("127.0.0.1", target)
    await asyncio.gather(pump(client_reader, up_writer), pump(up_reader, client_writer),
                         return_exceptions=True)
async def main():
    server = await asyncio.start_server(relay, "127.0.0.1", listen)
    await server.serve_forever()
asyncio.run(main())
PY
  pids+=($!)
  wait_for "$UPSTREAM"
fi
registry_yml "$WORK/theirs" "$THEIRS" "http://127.0.0.1:$UPSTREAM" >"$WORK/theirs.yml"
printf 'proxy:\n  registries:\n    - prefix: hub/\n      remoteurl: http://127.0.0.1:%s\n' \
  "$UPSTREAM" >"$WORK/ours.yml"
docker-registry serve "$WORK/theirs.yml" >"$WORK/theirs.log" 2>&1 & pids+=($!)
bazel-bin/storaged/storaged --config="$WORK/ours.yml" --root="$WORK/ours" \
  --listen="127.0.0.1:$GRPC" --log_level=error >"$WORK/storaged.log" 2>&1 & pids+=($!)
bazel-bin/gateway/gateway --listen="127.0.0.1:$OURS" \
  --storaged="127.0.0.1:$GRPC" --log_level=error >"$WORK/gateway.log" 2>&1 & pids+=($!)
wait_for "$THEIRS"
wait_for "$OURS"

get() { curl -sSf -o /dev/null -w '%{time_total}' "$1"; }
median() { sort -n | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}'; }
: >"$WORK/times"
for round in $(seq "$ROUNDS"); do
  head -c "$((BLOB_MIB << 20))" /dev/urandom >"$WORK/blob"
  digest="sha256:$(sha256sum "$WORK/blob" | cut -d' ' -f1)"
  location=$(curl -sf -X POST -D - -o /dev/null \
    "http://127.0.0.1:$UP/v2/lib/big/blobs/uploads/" |
    tr -d '\r' | sed -n 's/^Location: //Ip')
  curl -sf -X PUT -H 'Content-Type: application/octet-stream' \
    --data-binary @"$WORK/blob" "$location&digest=$digest" >/dev/null
  path="lib/big/blobs/$digest"
  {
    echo "direct $(get "http://127.0.0.1:$UPSTREAM/v2/$path")"
    echo "ours-miss $(get "http://127.0.0.1:$OURS/v2/hub/$path")"
    echo "ours-hit $(get "http://127.0.0.1:$OURS/v2/hub/$path")"
    echo "theirs-miss $(get "http://127.0.0.1:$THEIRS/v2/$path")"
    echo "theirs-hit $(get "http://127.0.0.1:$THEIRS/v2/$path")"
  } >>"$WORK/times"
  echo "round $round of $ROUNDS done" >&2
done
m() { awk -v k="$1" '$1 == k {print $2}' "$WORK/times" | median; }
direct=$(m direct)
printf '%s MiB blobs, %s rounds (median seconds); upstream %s\n' "$BLOB_MIB" \
  "$ROUNDS" "$( ((UPSTREAM_MBPS > 0)) && echo "at $UPSTREAM_MBPS MB/s" || echo "on loopback")"
printf '%-12s %8s %8s %s\n' "" "miss" "hit" "miss/direct"
printf '%-12s %8s\n' "direct" "$direct"
for side in ours theirs; do
  miss=$(m "$side-miss"); hit=$(m "$side-hit")
  printf '%-12s %8s %8s %6.2fx\n' "$side" "$miss" "$hit" \
    "$(awk -v a="$miss" -v b="$direct" 'BEGIN{print a/b}')"
done
# Blob GETs the upstream logged, by client (curl: direct; Go: docker-registry;
# cpp-httplib: ours), per blob.
gets() { grep '"GET /v2/lib/big/blobs/' "$WORK/upstream.log" | grep -c "$1" || true; }
printf 'upstream GETs per blob: direct %s, ours %s, theirs %s\n' \
  "$(awk -v n="$(gets curl)" -v r="$ROUNDS" 'BEGIN{print n/r}')" \
  "$(awk -v n="$(gets cpp-httplib)" -v r="$ROUNDS" 'BEGIN{print n/r}')" \
  "$(awk -v n="$(gets Go-http-client)" -v r="$ROUNDS" 'BEGIN{print n/r}')"
printf 'theirs/ours: miss %.2fx, hit %.2fx\n' \
  "$(awk -v a="$(m theirs-miss)" -v b="$(m ours-miss)" 'BEGIN{print a/b}')" \
  "$(awk -v a="$(m theirs-hit)" -v b="$(m ours-hit)" 'BEGIN{print a/b}')"
