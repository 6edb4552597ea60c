#!/usr/bin/env bash
# Builds both images of deploy/Dockerfile on this machine, without a
# container engine or an OCI runtime, then checks that they start and serve.
#   1. The bases: debian:bookworm made with `debootstrap --variant=minbase`
#      and `podman import`, and debian:bookworm-slim, the same without
#      documentation, manual pages and translations; unless the store has
#      them already.
#   2. `buildah bud --isolation=chroot --storage-driver=vfs --layers` for the
#      storaged and gateway targets (the build stage is shared; about 6
#      minutes on 2 cores the first time).
#   3. The check, as a container would run them: each image's root is
#      mounted and its binary run with `chroot --userspec=65532:65532`
#      (storaged from its WORKDIR, so its default ./registry-data is used);
#      skopeo pushes the gateway image into that registry and copies it back,
#      and the layer digests must match.
# Prints the image sizes. Not part of the test command (it takes minutes
# and needs the Debian mirror).
#   bash scripts/images.sh
#   DEBIAN_MIRROR=http://deb.debian.org/debian   IMAGES_DIR=/var/tmp/registry-images
set -euo pipefail
cd "$(dirname "$0")/.."
MIRROR=${DEBIAN_MIRROR:-http://deb.debian.org/debian}
WORK=${IMAGES_DIR:-/var/tmp/registry-images}
VFS=(--storage-driver=vfs)
STORE="containers-storage:[vfs@/var/lib/containers/storage+/run/containers/storage]"

bash scripts/setup.sh  # skopeo and curl for the check
missing=()
for pkg in buildah podman debootstrap; do
  dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q "ok installed" || missing+=("$pkg")
done
if [ ${#missing[@]} -gt 0 ]; then
  echo "images: installing ${missing[*]}" >&2
  apt-get update -qq
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi
source scripts/lib.sh
mkdir -p "$WORK"

# 1. The base image.
if ! podman "${VFS[@]}" image exists docker.io/library/debian:bookworm ||
   ! podman "${VFS[@]}" image exists docker.io/library/debian:bookworm-slim; then
  echo "images: debootstrap bookworm (minbase) from $MIRROR" >&2
  rm -rf "$WORK/rootfs"
  debootstrap --variant=minbase bookworm "$WORK/rootfs" "$MIRROR" >"$WORK/debootstrap.log" 2>&1 ||
    { tail -n 20 "$WORK/debootstrap.log" >&2; exit 1; }
  rm -rf "$WORK/rootfs/var/cache/apt/archives/"*.deb "$WORK/rootfs/var/lib/apt/lists/"*
  tar -C "$WORK/rootfs" -c . | podman "${VFS[@]}" import --quiet - docker.io/library/debian:bookworm >/dev/null
  # The slim variant, as Debian's own: no documentation, manual pages or
  # translations, now or from packages installed later.
  cat >"$WORK/rootfs/etc/dpkg/dpkg.cfg.d/slim" <<'CFG'
path-exclude /usr/share/doc/*
path-include /usr/share/doc/*/copyright
path-exclude /usr/share/man/*
path-exclude /usr/share/info/*
path-exclude /usr/share/locale/*
path-exclude /usr/share/lintian/*
CFG
  find "$WORK/rootfs/usr/share/doc" -mindepth 1 -not -name copyright -not -type d -delete
  rm -rf "$WORK/rootfs/usr/share/"{man,info,locale,lintian}/*
  tar -C "$WORK/rootfs" -c . | podman "${VFS[@]}" import --quiet - docker.io/library/debian:bookworm-slim >/dev/null
  rm -rf "$WORK/rootfs"
fi

# 2. Both images.
for target in storaged gateway; do
  echo "images: building registry/$target" >&2
  start=$(date +%s)
  buildah "${VFS[@]}" bud --isolation=chroot --layers --pull=never \
    -f deploy/Dockerfile --target "$target" -t "localhost/registry/$target:latest" . \
    >"$WORK/build-$target.log" 2>&1 || { tail -n 30 "$WORK/build-$target.log" >&2; exit 1; }
  echo "images: registry/$target built in $(( $(date +%s) - start )) s" >&2
done

# 3. Start both as uid 65532 from their image roots, and serve.
containers=(); mounts=(); pids=()
cleanup() {
  for pid in "${pids[@]}"; do kill -TERM "$pid" 2>/dev/null || true; done
  wait 2>/dev/null || true
  for m in "${mounts[@]}"; do umount "$m" 2>/dev/null || true; done
  for c in "${containers[@]}"; do buildah "${VFS[@]}" rm "$c" >/dev/null 2>&1 || true; done
}
trap cleanup EXIT INT TERM
root_of() {  # IMAGE: mounts a working container of it; prints its root
  local ctr root
  ctr=$(buildah "${VFS[@]}" from --pull=never "$1")
  containers+=("$ctr")
  root=$(buildah "${VFS[@]}" mount "$ctr")
  mount -t proc proc "$root/proc" && mounts+=("$root/proc")
  mount --bind /dev "$root/dev" && mounts+=("$root/dev")
  echo "$root"
}
# Not in $(...): the arrays must be this shell's.
root_of localhost/registry/storaged:latest >"$WORK/root"; STORAGED_ROOT=$(cat "$WORK/root")
root_of localhost/registry/gateway:latest >"$WORK/root"; GATEWAY_ROOT=$(cat "$WORK/root")
GRPC=$(free_port); HTTP=$(free_port)
chroot --userspec=65532:65532 "$STORAGED_ROOT" /bin/sh -c \
  "cd /var/lib/registry && exec /usr/local/bin/storaged --listen=127.0.0.1:$GRPC" \
  >"$WORK/storaged.log" 2>&1 & pids+=($!)
chroot --userspec=65532:65532 "$GATEWAY_ROOT" /usr/local/bin/gateway \
  --listen="127.0.0.1:$HTTP" --storaged="127.0.0.1:$GRPC" \
  >"$WORK/gateway.log" 2>&1 & pids+=($!)
wait_for "$HTTP"
ref="docker://127.0.0.1:$HTTP/registry/gateway:latest"
skopeo copy --quiet --dest-tls-verify=false "${STORE}localhost/registry/gateway:latest" "$ref"
rm -rf "$WORK/back"
skopeo copy --quiet --src-tls-verify=false "$ref" "oci:$WORK/back:latest"
pushed=$(skopeo inspect --tls-verify=false "$ref" | python3 -c 'import json,sys; print(" ".join(json.load(sys.stdin)["Layers"]))')
back=$(skopeo inspect "oci:$WORK/back:latest" | python3 -c 'import json,sys; print(" ".join(json.load(sys.stdin)["Layers"]))')
[ -n "$pushed" ] && [ "$pushed" = "$back" ] || { echo "images: layers differ: $pushed / $back" >&2; exit 1; }
owner=$(stat -c %u "$STORAGED_ROOT/var/lib/registry/registry-data")
[ "$owner" = 65532 ] || { echo "images: data owned by $owner, not 65532" >&2; exit 1; }
users=$(ps -o user= -p "$(pgrep -f "/usr/local/bin/storaged --listen=127.0.0.1:$GRPC" | head -n1)")
echo "images: storaged ($users) and gateway served a push and a pull of the gateway image itself; data owned by 65532"
podman "${VFS[@]}" images --format '{{.Repository}}:{{.Tag}} {{.Size}}' |
  grep -E 'registry/(storaged|gateway)|debian:bookworm'
