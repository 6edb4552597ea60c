#!/usr/bin/env bash
# A throw-away S3 server on loopback for tests and local trials: a
# single-node Ceph cluster (one monitor, one OSD, one RADOS Gateway) run as
# plain processes of the calling user, every file under $S3_DIR.
#
#   bash scripts/s3-server.sh start   # prints the endpoint, writes $S3_DIR/env
#   bash scripts/s3-server.sh stop    # stops the daemons, removes $S3_DIR
#
# Environment (all optional):
#   S3_DIR        working directory, wiped on start  (default /tmp/registry-s3)
#   S3_BUCKET     a bucket to create once the gateway answers (default none)
#   S3_STORE      memstore (in RAM, fastest) | bluestore (sparse file)
#                                                    (default memstore)
#   S3_PORT       the gateway's HTTP port            (default 47480)
#   S3_MON_PORT   the monitor's port (and +1)        (default 46790)
#   S3_OSD_PORTS  FIRST-LAST ports the OSD may bind  (default 46800-46849)
#   AWS_ACCESS_KEY_ID / AWS_SECRET_ACCESS_KEY   the S3 user's keys
# Packages (scripts/setup.sh installs them): radosgw ceph-mon ceph-osd
# ceph-common uuid-runtime curl.
set -euo pipefail

DIR=${S3_DIR:-/tmp/registry-s3}
PORT=${S3_PORT:-47480}
MON_PORT=${S3_MON_PORT:-46790}
OSD_PORTS=${S3_OSD_PORTS:-46800-46849}
STORE=${S3_STORE:-memstore}
ACCESS=${AWS_ACCESS_KEY_ID:-REGISTRYTESTACCESS01}
SECRET=${AWS_SECRET_ACCESS_KEY:-registry-test-secret-key-0000000000000001}
HOST=127.0.0.1
export CEPH_CONF=$DIR/ceph.conf

say() { echo "s3-server: $*" >&2; }
fail() { say "$*"; exit 1; }

# Runs "$@" until it succeeds, every 0.25 s, for at most $1 seconds.
wait_for() {
  local seconds=$1 what=$2; shift 2
  local tries=$((seconds * 4))
  until "$@" >/dev/null 2>&1; do
    tries=$((tries - 1))
    [ "$tries" -gt 0 ] || fail "$what did not come up in ${seconds}s; logs in $DIR/log"
    sleep 0.25
  done
}

daemon() {  # NAME COMMAND...: starts a foreground daemon, records its PID.
  local name=$1; shift
  nohup "$@" >"$DIR/log/$name.out" 2>&1 </dev/null &
  echo $! >"$DIR/pids/$name"
}

write_conf() {
  cat >"$CEPH_CONF" <<EOF
[global]
fsid = $(uuidgen)
mon host = [v2:$HOST:$MON_PORT,v1:$HOST:$((MON_PORT + 1))]
public addr = $HOST
cluster addr = $HOST
ms bind port min = ${OSD_PORTS%-*}
ms bind port max = ${OSD_PORTS#*-}
ms bind ipv6 = false
keyring = $DIR/keyring
run dir = $DIR/run
admin socket = $DIR/run/\$name.asok
log file = $DIR/log/\$name.log
crash dir = $DIR/crash
log to stderr = false
osd pool default size = 1
osd pool default min size = 1
osd pool default pg num = 8
osd pool default pgp num = 8
osd pool default pg autoscale mode = off
osd crush chooseleaf type = 0
mon allow pool size one = true
mon warn on pool no redundancy = false
mon data avail warn = 1
mon data avail crit = 0
[mon]
mon data = $DIR/mon
mon cluster log file = $DIR/log/cluster.log
paxos propose interval = 0.01
paxos min wait = 0.001
[osd]
osd data = $DIR/osd
keyring = $DIR/osd/keyring
osd objectstore = $STORE
memstore device bytes = $((16 << 30))
bluestore block path = $DIR/osd/block
bluestore block create = true
bluestore block size = $((32 << 30))
osd memory target = $((1 << 30))
osd op num shards = 2
osd op num threads per shard = 2
[client.rgw.registry]
keyring = $DIR/rgw/keyring
rgw frontends = beast endpoint=$HOST:$PORT
rgw data = $DIR/rgw
rgw thread pool size = 64
rgw enable usage log = false
EOF
}

start() {
  for tool in ceph-mon ceph-osd radosgw radosgw-admin ceph ceph-authtool \
    monmaptool uuidgen curl; do
    command -v "$tool" >/dev/null || fail "$tool is missing; run scripts/setup.sh"
  done
  [ -d "$DIR/pids" ] && stop
  rm -rf "$DIR"
  mkdir -p "$DIR"/{pids,run,log,mon,osd,rgw,crash}
  write_conf

  ceph-authtool --create-keyring "$DIR/keyring" --gen-key -n mon. \
    --cap mon 'allow *' >/dev/null
  ceph-authtool "$DIR/keyring" --gen-key -n client.admin --cap mon 'allow *' \
    --cap osd 'allow *' --cap mgr 'allow *' >/dev/null
  monmaptool --create --fsid "$(sed -n 's/^fsid = //p' "$CEPH_CONF")" \
    --addv mon "[v2:$HOST:$MON_PORT,v1:$HOST:$((MON_PORT + 1))]" \
    "$DIR/monmap" >/dev/null
  ceph-mon --mkfs -i mon --monmap "$DIR/monmap" --keyring "$DIR/keyring" >/dev/null
  daemon mon ceph-mon -f -i mon
  wait_for 30 "the monitor" ceph --connect-timeout 3 mon stat

  local osd_key osd_uuid
  osd_key=$(ceph-authtool --gen-print-key)
  osd_uuid=$(uuidgen)
  echo "{\"cephx_secret\": \"$osd_key\"}" >"$DIR/osd/secret.json"
  [ "$(ceph osd new "$osd_uuid" -i "$DIR/osd/secret.json")" = 0 ] ||
    fail "the monitor did not assign osd id 0"
  rm "$DIR/osd/secret.json"
  printf '[osd.0]\n\tkey = %s\n' "$osd_key" >"$DIR/osd/keyring"
  ceph-osd -i 0 --mkfs --key "$osd_key" --osd-uuid "$osd_uuid" \
    >"$DIR/log/osd-mkfs.out" 2>&1 || fail "ceph-osd --mkfs failed: $DIR/log/osd-mkfs.out"
  daemon osd ceph-osd -f -i 0
  wait_for 60 "the OSD" sh -c 'ceph osd dump | grep -q "^osd.0 up"'

  ceph auth get-or-create client.rgw.registry mon 'allow rw' osd 'allow rwx' \
    >"$DIR/rgw/keyring"
  daemon rgw radosgw -f -n client.rgw.registry
  wait_for 120 "the RADOS Gateway" curl -sf "http://$HOST:$PORT/"
  radosgw-admin user create --uid=registry --display-name=registry \
    --access-key="$ACCESS" --secret-key="$SECRET" >"$DIR/log/user.json"

  if [ -n "${S3_BUCKET:-}" ]; then
    # curl signs with SigV4; RGW wants the payload hash header as well.
    curl -sf -X PUT --aws-sigv4 "aws:amz:us-east-1:s3" --user "$ACCESS:$SECRET" \
      -H "x-amz-content-sha256: $(printf '' | sha256sum | cut -d' ' -f1)" \
      "http://$HOST:$PORT/$S3_BUCKET" >/dev/null ||
      fail "could not create bucket $S3_BUCKET"
  fi
  cat >"$DIR/env" <<EOF
export S3_ENDPOINT=http://$HOST:$PORT
export AWS_ACCESS_KEY_ID=$ACCESS
export AWS_SECRET_ACCESS_KEY=$SECRET
export AWS_REGION=us-east-1
EOF
  say "ready: http://$HOST:$PORT (${S3_BUCKET:+bucket $S3_BUCKET, }keys in $DIR/env)"
}

stop() {
  local name pid
  for name in rgw osd mon; do
    [ -f "$DIR/pids/$name" ] || continue
    pid=$(cat "$DIR/pids/$name")
    kill -TERM "$pid" 2>/dev/null || continue
    for _ in $(seq 40); do kill -0 "$pid" 2>/dev/null || break; sleep 0.25; done
    kill -KILL "$pid" 2>/dev/null || true
  done
  rm -rf "$DIR"
}

case "${1:-}" in
  start) start ;;
  stop) stop ;;
  *) fail "usage: $0 start|stop (see the comment at the top)" ;;
esac
