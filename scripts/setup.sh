#!/usr/bin/env bash
# Installs the Debian packages this project needs, when missing. Idempotent
# and quiet when there is nothing to do. Run as root (or with sudo present).
#   bash scripts/setup.sh           # building and testing
#   bash scripts/setup.sh --build   # building only (e.g. in an image)
set -euo pipefail

PACKAGES=(
  bazel-bootstrap
  g++ pkg-config
  libgrpc++-dev protobuf-compiler-grpc libprotobuf-dev protobuf-compiler
  libabsl-dev libssl-dev libcpp-httplib-dev nlohmann-json3-dev libpugixml-dev
  libyaml-cpp-dev
  libgtest-dev libgmock-dev   # the Bazel workspace resolves them too
)
TEST_PACKAGES=(
  skopeo docker-registry curl   # real clients and the reference registry
  dnsmasq-base haproxy          # DNS for dns:/// targets, a load balancer
  radosgw ceph-mon ceph-osd ceph-common uuid-runtime   # S3 server for tests
  clang-14 libclang-rt-14-dev   # libFuzzer (scripts/fuzz.sh)
)
[ "${1:-}" = "--build" ] || PACKAGES+=("${TEST_PACKAGES[@]}")

missing=()
for pkg in "${PACKAGES[@]}"; do
  if ! dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q "ok installed"; then
    missing+=("$pkg")
  fi
done
[ ${#missing[@]} -eq 0 ] && exit 0

SUDO=""
[ "$(id -u)" -ne 0 ] && SUDO="sudo"
echo "setup: installing ${missing[*]}" >&2
$SUDO apt-get update -qq
DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
echo "setup: done" >&2
