#!/usr/bin/env bash
# Builds every libFuzzer target and runs each for a few seconds on its seed
# corpus, so that none stops building or crashes on its seeds unnoticed.
set -euo pipefail
cd "$(dirname "$0")/../.."
FUZZ_OUT="${TEST_TMPDIR:-$(mktemp -d)}/fuzz" bash scripts/fuzz.sh all "${FUZZ_SECONDS:-3}"
