#!/usr/bin/env bash
# Garbage collection beside docker-registry's `garbage-collect` on the same
# synthetic store (bench/gcbench: 100,000 blobs, 10,000 manifests over 1,000
# repositories; 30% of manifests untagged, 19,900 orphaned blobs), on the
# filesystem and on a Ceph RADOS Gateway (scripts/s3-server.sh). Each side
# collects its own copy with untagged manifests deleted; the script prints
# time and peak RSS of both, the ratios, and whether both left the same
# blobs.
#
#   bash scripts/gc-bench.sh [fs|s3|all]      (default all)
#   SHAPE="--blobs=10000 --manifests=1000 --repositories=100" for a quick run
#   GC_BENCH_DIR=/var/tmp/registry-gc-bench   where the stores go
#   THEIRS_TIMEOUT=SECONDS   stop docker-registry after this long and report
#                            how far it got (its collector takes hours on S3)
set -euo pipefail
cd "$(dirname "$0")/.."
WHICH=${1:-all}
SHAPE=${SHAPE:-}
WORK=${GC_BENCH_DIR:-/var/tmp/registry-gc-bench}
THEIRS_TIMEOUT=${THEIRS_TIMEOUT:-0}

bazel build //bench:gcbench //storaged >&2
GCB=$PWD/bazel-bin/bench/gcbench
STORAGED=$PWD/bazel-bin/storaged/storaged

# "seconds=S max_rss_kib=K exit=E" of a command; its output goes to $WORK/log.
measure() { "$GCB" measure -- "$@" 2>>"$WORK/log" | tail -1; }
# docker-registry garbage-collect under THEIRS_TIMEOUT; its output goes to
# $WORK/theirs.out so that a stopped run can say how far it got.
measure_theirs() {
  local limit=()
  ((THEIRS_TIMEOUT > 0)) && limit=(timeout --signal=KILL "$THEIRS_TIMEOUT")
  # Its progress goes to stderr; measure's summary comes last.
  "$GCB" measure -- "${limit[@]}" docker-registry garbage-collect \
    --delete-untagged "$1" >"$WORK/theirs.out" 2>&1 || true
  tail -1 "$WORK/theirs.out"
}
# How far a stopped docker-registry got: repositories marked, blobs deleted.
theirs_progress() {
  local repos deleted
  repos=$(sed -n 's/^\([^:]*\): marking manifest .*/\1/p' "$WORK/theirs.out" | sort -u | wc -l)
  deleted=$(grep -c '^blob eligible for deletion' "$WORK/theirs.out" || true)
  echo "docker-registry stopped after ${THEIRS_TIMEOUT} s: $repos repositories marked, $deleted blobs deleted"
}
field() { sed -n "s/.*$1=\([0-9.]*\).*/\1/p" <<<"$2"; }
drop_caches() { sync; echo 3 >/proc/sys/vm/drop_caches 2>/dev/null || true; }

# "yes", or how the blobs each side left differ ($WORK/{theirs,ours}.left).
compare_left() {
  if cmp -s "$WORK/theirs.left" "$WORK/ours.left"; then
    echo yes
  else
    echo "no: $(comm -23 "$WORK/theirs.left" "$WORK/ours.left" | wc -l) only docker-registry kept," \
      "$(comm -13 "$WORK/theirs.left" "$WORK/ours.left" | wc -l) only ours kept"
  fi
}

report() {  # NAME THEIRS OURS SAME
  local ts tr os or
  ts=$(field seconds "$2"); tr=$(field max_rss_kib "$2")
  os=$(field seconds "$3"); or=$(field max_rss_kib "$3")
  printf '%-11s docker-registry %8.2f s %8d KiB | storaged gc %8.2f s %8d KiB | %5.1fx faster, %5.1fx less memory | same blobs left: %s\n' \
    "$1" "$ts" "$tr" "$os" "$or" \
    "$(awk -v a="$ts" -v b="$os" 'BEGIN{print (b>0)?a/b:0}')" \
    "$(awk -v a="$tr" -v b="$or" 'BEGIN{print (b>0)?a/b:0}')" "$4"
  if [[ $2 == *exit=137* ]] && ((THEIRS_TIMEOUT > 0)); then
    theirs_progress
    [[ $3 == *exit=0* ]] || { echo "storaged gc failed; see $WORK/log" >&2; exit 1; }
    return
  fi
  [[ $2 == *exit=0* && $3 == *exit=0* ]] || { echo "a collector failed; see $WORK/log" >&2; exit 1; }
}

run_fs() {
  rm -rf "$WORK/theirs" "$WORK/ours"
  "$GCB" generate --root="$WORK/theirs" $SHAPE 2>>"$WORK/log"
  cp -a "$WORK/theirs" "$WORK/ours"
  cat >"$WORK/theirs.yml" <<YML
version: 0.1
log: {level: error}
storage:
  filesystem: {rootdirectory: $WORK/theirs}
YML
  local before theirs ours same=no
  before=$("$GCB" list-blobs --root="$WORK/ours" | wc -l)
  drop_caches
  theirs=$(measure_theirs "$WORK/theirs.yml")
  drop_caches
  ours=$(measure "$STORAGED" gc --root="$WORK/ours" --delete-untagged --delay=0s) || true
  "$GCB" list-blobs --root="$WORK/theirs" | sort >"$WORK/theirs.left"
  "$GCB" list-blobs --root="$WORK/ours" | sort >"$WORK/ours.left"
  same=$(compare_left)
  echo "filesystem: $before blobs before, $(wc -l <"$WORK/ours.left") after"
  report filesystem "$theirs" "$ours" "$same"
}

run_s3() {
  export S3_DIR=$WORK/s3 S3_BUCKET=gcbench S3_PORT=47580 S3_MON_PORT=46890 \
    S3_OSD_PORTS=46900-46949
  bash scripts/s3-server.sh start >&2
  # shellcheck disable=SC1091
  source "$S3_DIR/env"
  trap 'bash scripts/s3-server.sh stop >/dev/null 2>&1 || true' EXIT
  for side in theirs ours; do
    cat >"$WORK/$side-s3.yml" <<YML
version: 0.1
log: {level: error}
storage:
  s3:
    region: us-east-1
    regionendpoint: $S3_ENDPOINT
    bucket: gcbench
    accesskey: $AWS_ACCESS_KEY_ID
    secretkey: $AWS_SECRET_ACCESS_KEY
    rootdirectory: /$side
    forcepathstyle: true
YML
    "$GCB" generate --config="$WORK/$side-s3.yml" $SHAPE 2>>"$WORK/log"
  done
  # Distribution's s3 driver: the same keys, plus its own.
  sed -i 's/    forcepathstyle: true/    secure: false\n    v4auth: true/' \
    "$WORK/theirs-s3.yml"
  local before theirs ours same=no
  before=$("$GCB" list-blobs --config="$WORK/ours-s3.yml" | wc -l)
  # S3 times have one-second resolution: what was written in the second of
  # the collection's clock probe counts as young even at --delay=0s.
  sleep 2
  ours=$(measure "$STORAGED" gc --config="$WORK/ours-s3.yml" --delete-untagged --delay=0s) || true
  theirs=$(measure_theirs "$WORK/theirs-s3.yml")
  sed -i 's/    secure: false/    forcepathstyle: true/; /v4auth/d' "$WORK/theirs-s3.yml"
  "$GCB" list-blobs --config="$WORK/theirs-s3.yml" | sort >"$WORK/theirs.left"
  "$GCB" list-blobs --config="$WORK/ours-s3.yml" | sort >"$WORK/ours.left"
  same=$(compare_left)
  echo "ceph rgw: $before blobs before, $(wc -l <"$WORK/ours.left") after"
  report "ceph rgw" "$theirs" "$ours" "$same"
}

mkdir -p "$WORK"
: >"$WORK/log"
case $WHICH in
  fs) run_fs ;;
  s3) run_s3 ;;
  all) run_fs; run_s3 ;;
  *) echo "usage: $0 [fs|s3|all]" >&2; exit 2 ;;
esac
