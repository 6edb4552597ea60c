#!/usr/bin/env bash
# Builds a libFuzzer target (clang-14, with AddressSanitizer and
# UndefinedBehaviorSanitizer) and runs it on its corpus.
#   bash scripts/fuzz.sh TARGET SECONDS   # one target (see --list)
#   bash scripts/fuzz.sh all SECONDS      # every target, one after another
#   bash scripts/fuzz.sh --list
# Seeds: tests/fuzz/corpus/TARGET (read). New inputs, logs and crashes go
# to $FUZZ_OUT (default /var/tmp/registry-fuzz), never into the tree; copy
# a crash into the seeds once it is fixed. Prints, per target, the
# executions, coverage (edges, features) and whether it found anything;
# exits non-zero when a target crashed, leaked or timed out.
set -euo pipefail
cd "$(dirname "$0")/.."

TARGETS=(request_head range names manifest config jwt htpasswd)

sources_of() {
  local errors="common/errors.cc"
  local names="common/names.cc common/digest.cc common/sha256.cc $errors"
  case "$1" in
    request_head) echo "gateway/edge/head_parser.cc gateway/edge/body_tracker.cc gateway/errors.cc $errors" ;;
    range) echo "gateway/http_util.cc $errors" ;;
    names) echo "$names" ;;
    manifest) echo "storaged/manifest_parser.cc $names" ;;
    config) echo "gateway/config.cc common/config_file.cc" ;;
    jwt) echo "gateway/auth/jwt.cc gateway/auth/credentials.cc" ;;
    htpasswd) echo "gateway/auth/htpasswd.cc" ;;
    *) return 1 ;;
  esac
}

if [ "${1:-}" = "--list" ]; then printf '%s\n' "${TARGETS[@]}"; exit 0; fi
if [ $# -ne 2 ]; then
  sed -n '2,12p' "$0" | sed 's/^# \{0,1\}//' >&2
  exit 2
fi
TARGET=$1
SECONDS_EACH=$2

OUT="${FUZZ_OUT:-/var/tmp/registry-fuzz}"
mkdir -p "$OUT/gen"
command -v clang++-14 >/dev/null || {
  echo "fuzz: clang++-14 is missing (bash scripts/setup.sh installs it)" >&2
  exit 1
}
# The error details travel as protobuf: generate them as Bazel does.
protoc -I. --cpp_out="$OUT/gen" proto/errors.proto

ABSL="absl_status absl_statusor absl_strings absl_str_format absl_synchronization absl_time absl_cord"
PKGS="$ABSL protobuf openssl cpp-httplib nlohmann_json yaml-cpp"
CFLAGS=$(pkg-config --cflags $PKGS)
LIBS=$(pkg-config --libs $PKGS)

build() {
  local t=$1 bin="$OUT/$1"
  local srcs
  srcs=$(sources_of "$t") || { echo "fuzz: unknown target $t (see --list)" >&2; exit 2; }
  # Rebuild only when a source is newer than the binary.
  if [ -x "$bin" ] && [ -z "$(find tests/fuzz/${t}_fuzzer.cc $srcs gateway common storaged/manifest_parser.h -newer "$bin" -name '*.[ch]*' 2>/dev/null | head -1)" ]; then
    return 0
  fi
  echo "fuzz: building $t" >&2
  # shellcheck disable=SC2086
  clang++-14 -std=c++17 -g -O1 -fsanitize=fuzzer,address,undefined \
    -fno-sanitize=vptr -fno-sanitize-recover=undefined \
    -I. -I"$OUT/gen" $CFLAGS "tests/fuzz/${t}_fuzzer.cc" $srcs \
    "$OUT/gen/proto/errors.pb.cc" $LIBS -lcrypt -o "$bin"
}

run() {
  local t=$1 log="$OUT/$1.log"
  build "$t"
  mkdir -p "$OUT/corpus/$t" "$OUT/crashes/$t"
  local status=0
  # The first corpus directory collects new inputs; the seeds are read.
  "$OUT/$t" -max_total_time="$SECONDS_EACH" -timeout=10 -rss_limit_mb=2048 \
    -max_len=65536 -print_final_stats=1 -artifact_prefix="$OUT/crashes/$t/" \
    "$OUT/corpus/$t" "tests/fuzz/corpus/$t" >"$log" 2>&1 || status=$?
  local runs cov ft
  runs=$(grep -o 'stat::number_of_executed_units: [0-9]*' "$log" | awk '{print $2}' | tail -1)
  cov=$(grep -oE 'cov: [0-9]+' "$log" | tail -1 | awk '{print $2}')
  ft=$(grep -oE 'ft: [0-9]+' "$log" | tail -1 | awk '{print $2}')
  if [ "$status" -eq 0 ]; then
    echo "$t: ${runs:-0} executions in ${SECONDS_EACH}s, coverage ${cov:-?} edges / ${ft:-?} features, nothing found"
  else
    echo "$t: FOUND a problem after ${runs:-?} executions (exit $status); log $log, inputs in $OUT/crashes/$t"
    grep -E 'ERROR|SUMMARY|runtime error|what\(\)|terminate called' "$log" | head -8
  fi
  return "$status"
}

if [ "$TARGET" = all ]; then
  failed=0
  for t in "${TARGETS[@]}"; do run "$t" || failed=1; done
  exit "$failed"
fi
run "$TARGET"
