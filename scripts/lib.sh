# Helpers the benchmark scripts share; source it (needs WORK set for logs).

# A loopback TCP port that was free a moment ago.
free_port() {
  python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'
}

# Waits (up to 20 s) until http://127.0.0.1:PORT/v2/ answers; exits if not.
wait_for() {
  for _ in $(seq 200); do
    curl -sf "http://127.0.0.1:$1/v2/" >/dev/null && return 0
    sleep 0.1
  done
  echo "nothing answers on port $1; logs in $WORK" >&2
  exit 1
}

# Servers a script started (append with `& pids+=($!)`, in the script's own
# shell); stop_pids sends them SIGTERM and waits.
pids=()
stop_pids() {
  for pid in "${pids[@]}"; do kill -TERM "$pid" 2>/dev/null || true; done
  wait 2>/dev/null || true
}
