#!/usr/bin/env bash
# Installs what is missing, builds everything and runs every test. Prints
# "N passed, N failed" (test targets) as its last line; exits non-zero on
# any failure.
set -uo pipefail
cd "$(dirname "$0")/.."

bash scripts/setup.sh || { echo "0 passed, 1 failed"; exit 1; }

log=$(mktemp)
bazel build //... 2>&1 | tail -n 30
build_rc=${PIPESTATUS[0]}
if [ "$build_rc" -ne 0 ]; then
  echo "build failed"
  echo "0 passed, 1 failed"
  exit 1
fi
bazel test //... --test_summary=short 2>&1 | tee "$log" | grep -E '^//|^ERROR|FAILED|Executed'
test_rc=${PIPESTATUS[0]}

passed=$(grep -cE '^//\S+\s+(\(cached\) )?PASSED' "$log" || true)
failed=$(grep -cE '^//\S+\s+(\(cached\) )?(FAILED|TIMEOUT|NO STATUS|FAILED TO BUILD|INCOMPLETE)' "$log" || true)
rm -f "$log"
if [ "$test_rc" -ne 0 ] && [ "$failed" -eq 0 ]; then failed=1; fi
echo "${passed} passed, ${failed} failed"
[ "$failed" -eq 0 ] && [ "$test_rc" -eq 0 ]
